"""identity stations: registered reader stations, their pairings with a registration, reads attributed

Revision ID: 0015_identity_stations
Revises: 0014_disputes
Create Date: 2026-12-01 18:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015_identity_stations'
down_revision = '0014_disputes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('identity_station',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('place', sa.String(length=120), nullable=False),
    sa.Column('enrolment_hash', sa.String(length=64), nullable=True),
    sa.Column('enrolment_expires_at', sa.DateTime(), nullable=True),
    sa.Column('public_key', sa.LargeBinary(length=32), nullable=True),
    sa.Column('enrolled_at', sa.DateTime(), nullable=True),
    sa.Column('builtin', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['account.id'], name=op.f('fk_identity_station_created_by_id_account'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['account.id'], name=op.f('fk_identity_station_revoked_by_id_account'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_station')),
    sa.UniqueConstraint('enrolment_hash', name=op.f('uq_identity_station_enrolment_hash'))
    )
    op.create_table('identity_station_read',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('simulated', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('problem', sa.String(length=32), nullable=True),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['station_id'], ['identity_station.id'],
                            name=op.f('fk_identity_station_read_station_id_identity_station'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['worker_id'], ['worker.account_id'],
                            name=op.f('fk_identity_station_read_worker_id_worker'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['record_id'], ['identity_record.id'],
                            name=op.f('fk_identity_station_read_record_id_identity_record'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_station_read'))
    )
    op.create_index(op.f('ix_identity_station_read_station_id'), 'identity_station_read', ['station_id'], unique=False)
    op.create_index(op.f('ix_identity_station_read_worker_id'), 'identity_station_read', ['worker_id'], unique=False)
    with op.batch_alter_table('identity_record') as batch:
        batch.add_column(sa.Column('station_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_identity_record_station_id_identity_station'), 'identity_station',
                                 ['station_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('identity_record') as batch:
        batch.drop_constraint(op.f('fk_identity_record_station_id_identity_station'), type_='foreignkey')
        batch.drop_column('station_id')
    op.drop_index(op.f('ix_identity_station_read_worker_id'), table_name='identity_station_read')
    op.drop_index(op.f('ix_identity_station_read_station_id'), table_name='identity_station_read')
    op.drop_table('identity_station_read')
    op.drop_table('identity_station')
