"""disputes: a worker contests one record held about them, an operator decides (PIPL art. 46)

Revision ID: 0014_disputes
Revises: 0013_grant_endings
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0014_disputes'
down_revision = '0013_grant_endings'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dispute',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('record_kind', sa.String(length=32), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.LargeBinary(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['worker_id'], ['account.id'], name=op.f('fk_dispute_worker_id_account'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['account.id'], name=op.f('fk_dispute_resolved_by_id_account'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispute'))
    )
    op.create_index(op.f('ix_dispute_worker_id'), 'dispute', ['worker_id'], unique=False)
    op.create_index('ix_dispute_state_opened', 'dispute', ['state', 'opened_at'], unique=False)
    # At most one open dispute per record (a partial unique index on both databases).
    op.create_index('uq_dispute_open_record', 'dispute', ['record_kind', 'record_id'], unique=True,
                    sqlite_where=sa.text("state = 'open'"), postgresql_where=sa.text("state = 'open'"))


def downgrade():
    op.drop_index('uq_dispute_open_record', table_name='dispute')
    op.drop_index('ix_dispute_state_opened', table_name='dispute')
    op.drop_index(op.f('ix_dispute_worker_id'), table_name='dispute')
    op.drop_table('dispute')
