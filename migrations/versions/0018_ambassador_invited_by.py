"""ambassador_candidates.invited_by_id: who sent the invitation, told when the customer answers

Revision ID: 0018
Revises: 0023
Create Date: 2026-12-01 04:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ambassador_candidates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invited_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_ambassador_candidates_invited_by_id_users'), 'users',
                                    ['invited_by_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('ambassador_candidates', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_ambassador_candidates_invited_by_id_users'), type_='foreignkey')
        batch_op.drop_column('invited_by_id')
