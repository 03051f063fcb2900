"""scheduled_runs: a scheduled task that must happen once per period (the team digest of a day)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 02:40:00

"""
from alembic import op
import sqlalchemy as sa

import cocreate.extensions


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scheduled_runs',
                    sa.Column('name', sa.String(length=80), nullable=False),
                    sa.Column('period', sa.String(length=20), nullable=False),
                    sa.Column('ran_at', cocreate.extensions.UTCDateTime(), nullable=False),
                    sa.PrimaryKeyConstraint('name', 'period', name=op.f('pk_scheduled_runs')))


def downgrade():
    op.drop_table('scheduled_runs')
