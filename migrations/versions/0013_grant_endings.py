"""view_grant: ended_at and end_reason replace revoked_at (a grant ends with its basis, not only by the worker)

Revision ID: 0013_grant_endings
Revises: 0012_drop_session_version
Create Date: 2026-12-01 15:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0013_grant_endings'
down_revision = '0012_drop_session_version'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('view_grant', sa.Column('ended_at', sa.DateTime(), nullable=True))
    op.add_column('view_grant', sa.Column('end_reason', sa.String(length=32), nullable=True))
    op.execute("UPDATE view_grant SET ended_at = revoked_at, end_reason = 'revoked' WHERE revoked_at IS NOT NULL")
    op.drop_column('view_grant', 'revoked_at')  # native DROP COLUMN on SQLite 3.35+ (no index or key on it)


def downgrade():
    op.add_column('view_grant', sa.Column('revoked_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE view_grant SET revoked_at = ended_at WHERE ended_at IS NOT NULL")
    op.drop_column('view_grant', 'end_reason')
    op.drop_column('view_grant', 'ended_at')
