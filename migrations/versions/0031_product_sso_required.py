"""products.sso_required: single sign-on required per private product (was company_sso.customers_required, for all
of a company's private products)

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-01 08:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sso_required', sa.Boolean(), server_default=sa.false(), nullable=False))
    # What a company required of all its private products, each of them now requires.
    op.execute(sa.text(
        "UPDATE products SET sso_required = :yes WHERE visibility = 'private' AND company_id IN "
        "(SELECT company_id FROM company_sso WHERE customers_required = :yes)").bindparams(yes=True))
    with op.batch_alter_table('company_sso', schema=None) as batch_op:
        batch_op.drop_column('customers_required')


def downgrade():
    with op.batch_alter_table('company_sso', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customers_required', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    op.execute(sa.text(
        "UPDATE company_sso SET customers_required = :yes WHERE company_id IN "
        "(SELECT company_id FROM products WHERE sso_required = :yes)").bindparams(yes=True))
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_column('sso_required')
