"""background jobs: the durable job table and uploaded import files

Revision ID: 0010_jobs
Revises: 0009_signing_keys
Create Date: 2026-12-01 12:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010_jobs'
down_revision = '0009_signing_keys'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=True),
    sa.Column('unique_key', sa.String(length=128), nullable=True),
    sa.Column('subject_account_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('run_after', sa.DateTime(), nullable=False),
    sa.Column('enqueued_at', sa.DateTime(), nullable=True),
    sa.Column('lease_until', sa.DateTime(), nullable=True),
    sa.Column('checkpoint', sa.JSON(), nullable=True),
    sa.Column('progress_done', sa.Integer(), nullable=False),
    sa.Column('progress_total', sa.Integer(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job')),
    sa.UniqueConstraint('unique_key', name=op.f('uq_job_unique_key'))
    )
    op.create_index('ix_job_status_run_after', 'job', ['status', 'run_after'], unique=False)
    op.create_index(op.f('ix_job_subject_account_id'), 'job', ['subject_account_id'], unique=False)
    op.create_table('job_file',
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['job.id'], name=op.f('fk_job_file_job_id_job'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('job_id', name=op.f('pk_job_file'))
    )


def downgrade():
    op.drop_table('job_file')
    op.drop_index(op.f('ix_job_subject_account_id'), table_name='job')
    op.drop_index('ix_job_status_run_after', table_name='job')
    op.drop_table('job')
