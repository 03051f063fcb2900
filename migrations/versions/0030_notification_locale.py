"""notifications.locale: the language a notification was written in (the list marks its text with it)

Revision ID: 0030
Revises: 0024
Create Date: 2026-12-01 08:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0030'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('locale')
