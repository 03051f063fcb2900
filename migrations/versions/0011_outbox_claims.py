"""mail_queue, webhook_deliveries: claimed_until (a worker holds the row while it sends it)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 02:00:00

"""
from alembic import op
import sqlalchemy as sa

import cocreate.extensions


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mail_queue', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_until', cocreate.extensions.UTCDateTime(), nullable=True))
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_until', cocreate.extensions.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_column('claimed_until')
    with op.batch_alter_table('mail_queue', schema=None) as batch_op:
        batch_op.drop_column('claimed_until')
