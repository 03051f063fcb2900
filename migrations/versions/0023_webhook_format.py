"""webhooks.format: the event as signed JSON (standard, every existing webhook) or a Slack/Mattermost message

Revision ID: 0023
Revises: 0019
Create Date: 2026-12-01 05:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('webhooks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('format', sa.String(length=10), server_default='standard', nullable=False))


def downgrade():
    with op.batch_alter_table('webhooks', schema=None) as batch_op:
        batch_op.drop_column('format')
