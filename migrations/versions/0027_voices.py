"""ideas and votes recorded by a team member for a customer heard elsewhere: recorded_by_id, heard_at

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01 05:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('ideas', 'votes'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('recorded_by_id', sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column('heard_at', sa.String(length=120), nullable=True))
            batch_op.create_foreign_key(op.f(f'fk_{table}_recorded_by_id_users'), 'users', ['recorded_by_id'], ['id'],
                                        ondelete='SET NULL')


def downgrade():
    for table in ('votes', 'ideas'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'fk_{table}_recorded_by_id_users'), type_='foreignkey')
            batch_op.drop_column('heard_at')
            batch_op.drop_column('recorded_by_id')
