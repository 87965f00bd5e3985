"""signing keys in the database, shared by every process and machine

Revision ID: 0009_signing_keys
Revises: 0008_identity
Create Date: 2026-12-01 10:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0009_signing_keys'
down_revision = '0008_identity'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('signing_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('kid', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('private_key', sa.LargeBinary(), nullable=False),
    sa.Column('public_key', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signing_key')),
    sa.UniqueConstraint('kid', name=op.f('uq_signing_key_kid')),
    sa.UniqueConstraint('purpose', 'generation', name='uq_signing_key_purpose_generation')
    )


def downgrade():
    op.drop_table('signing_key')
