"""certificate status lists: each certificate's entry (list, index) and the signed lists as published

Revision ID: 0017_certificate_status_lists
Revises: 0016_face_capture_plans
Create Date: 2026-12-01 21:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0017_certificate_status_lists'
down_revision = '0016_face_capture_plans'
branch_labels = None
depends_on = None

# workers.certificates.status_lists.LIST_SIZE when this migration was written.
LIST_SIZE = 131072


def upgrade():
    with op.batch_alter_table('certificate') as batch:
        batch.add_column(sa.Column('status_list_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('status_index', sa.Integer(), nullable=True))
        batch.create_unique_constraint(batch.f('uq_certificate_status_list_id_status_index'), ['status_list_id', 'status_index'])
    # Existing certificates get the entry a new one would get: derived from the id.
    op.execute(sa.text("UPDATE certificate SET status_list_id = (id - 1) / :size + 1, "
                       "status_index = (id - 1) % :size").bindparams(size=LIST_SIZE))
    op.create_table('certificate_status_list',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('credential', sa.Text(), nullable=False),
    sa.Column('etag', sa.String(length=64), nullable=False),
    sa.Column('bits_sha256', sa.String(length=64), nullable=False),
    sa.Column('built_at', sa.DateTime(), nullable=False),
    sa.Column('valid_until', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_status_list'))
    )


def downgrade():
    op.drop_table('certificate_status_list')
    with op.batch_alter_table('certificate') as batch:
        batch.drop_constraint(batch.f('uq_certificate_status_list_id_status_index'), type_='unique')
        batch.drop_column('status_index')
        batch.drop_column('status_list_id')
