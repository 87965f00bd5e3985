"""drop account.session_version: login sessions are ended by their rows now

Revision ID: 0012_drop_session_version
Revises: 0011_login_sessions
Create Date: 2026-12-01 14:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0012_drop_session_version'
down_revision = '0011_login_sessions'
branch_labels = None
depends_on = None


def upgrade():
    # A native DROP COLUMN on SQLite (3.35+): batch mode would copy the table, and dropping the old
    # account table with foreign keys on would cascade into every table that references it.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE account DROP COLUMN session_version')
    else:
        op.drop_column('account', 'session_version')


def downgrade():
    op.add_column('account', sa.Column('session_version', sa.Integer(), nullable=False, server_default='1'))
