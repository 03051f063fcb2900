"""The rating widget: the origins allowed to show a product's widget, and each company's signing secret

Revision ID: 0025
Revises: 0021
Create Date: 2026-12-01 04:45:00

"""
from alembic import op
import sqlalchemy as sa

from cocreate.extensions import UTCDateTime


revision = '0025'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'widget_origins',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('origin', sa.String(length=255), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_widget_origins_product_id_products'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_widget_origins')),
        sa.UniqueConstraint('product_id', 'origin', name=op.f('uq_widget_origins_product_id_origin')),
    )
    with op.batch_alter_table('widget_origins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_widget_origins_product_id'), ['product_id'], unique=False)
    op.create_table(
        'widget_secrets',
        sa.Column('company_id', sa.Integer(), nullable=False),
        sa.Column('secret', sa.String(length=100), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_widget_secrets_company_id_companies'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('company_id', name=op.f('pk_widget_secrets')),
    )


def downgrade():
    op.drop_table('widget_secrets')
    with op.batch_alter_table('widget_origins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_widget_origins_product_id'))
    op.drop_table('widget_origins')
