"""face capture plans: a camera challenge's timeline (action windows, flashed colours) and its capture kind

Revision ID: 0016_face_capture_plans
Revises: 0015_identity_stations
Create Date: 2026-12-01 19:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0016_face_capture_plans'
down_revision = '0015_identity_stations'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('face_challenge') as batch:
        batch.add_column(sa.Column('capture', sa.String(length=12), nullable=False, server_default='camera'))
        batch.add_column(sa.Column('plan', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('face_challenge') as batch:
        batch.drop_column('plan')
        batch.drop_column('capture')
