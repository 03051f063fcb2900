"""api_tokens: scope (read or write; existing tokens become write) and expires_at (null: never)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 04:00:00

"""
from alembic import op
import sqlalchemy as sa

import cocreate.extensions


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scope', sa.String(length=8), server_default='write', nullable=False))
        batch_op.add_column(sa.Column('expires_at', cocreate.extensions.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
        batch_op.drop_column('scope')
