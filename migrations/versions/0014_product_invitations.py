"""product_invitations: a team invites an address to a private product; access comes only by accepting

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 03:30:00

"""
from alembic import op
import sqlalchemy as sa

import cocreate.extensions


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('product_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', cocreate.extensions.UTCDateTime(), nullable=False),
    sa.Column('expires_at', cocreate.extensions.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_product_invitations_invited_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_invitations_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_invitations')),
    sa.UniqueConstraint('product_id', 'email', name=op.f('uq_product_invitations_product_id_email'))
    )
    with op.batch_alter_table('product_invitations', schema=None) as batch_op:
        batch_op.create_index('ix_product_invitations_email', ['email'], unique=False)



def downgrade():
    with op.batch_alter_table('product_invitations', schema=None) as batch_op:
        batch_op.drop_index('ix_product_invitations_email')

    op.drop_table('product_invitations')
