"""versions: when the version.released webhook went out

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 20:15:00

"""
from alembic import op
import sqlalchemy as sa

import cocreate.extensions


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('release_announced_at', cocreate.extensions.UTCDateTime(), nullable=True))
    # Versions already released were announced when they were added; only future ones still wait for their day.
    op.execute("UPDATE versions SET release_announced_at = created_at WHERE released_on <= CURRENT_DATE")


def downgrade():
    with op.batch_alter_table('versions', schema=None) as batch_op:
        batch_op.drop_column('release_announced_at')
