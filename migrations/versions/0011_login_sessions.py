"""login sessions kept server-side, so logout ends a session wherever its cookie is replayed

Revision ID: 0011_login_sessions
Revises: 0010_jobs
Create Date: 2026-12-01 13:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011_login_sessions'
down_revision = '0010_jobs'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('remember', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_login_session_account_id_account'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_login_session_token_hash'))
    )
    op.create_index(op.f('ix_login_session_account_id'), 'login_session', ['account_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_login_session_account_id'), table_name='login_session')
    op.drop_table('login_session')
