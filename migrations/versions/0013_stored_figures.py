"""version_tallies, touchpoint_tallies, product_figures: the maturity figures stored, kept in step with the facts

After upgrading, run `flask maturity rebuild` once: it fills the sums from the existing ratings and judges every
product (the worker's schedule would judge them too, but the sums only come from a rebuild).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 03:00:00

"""
from alembic import op
import sqlalchemy as sa

import cocreate.extensions
import cocreate.maturity.models


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    fraction = cocreate.maturity.models.FractionText()
    op.create_table('version_tallies',
                    sa.Column('version_id', sa.Integer(), nullable=False),
                    sa.Column('raters', sa.Integer(), nullable=False),
                    sa.Column('grade_sum', fraction, nullable=False),
                    sa.Column('grade_squares', fraction, nullable=False),
                    sa.Column('first_n', sa.Integer(), nullable=False),
                    sa.Column('first_grade_sum', fraction, nullable=False),
                    sa.Column('first_expected_sum', sa.Integer(), nullable=False),
                    sa.Column('returning_n', sa.Integer(), nullable=False),
                    sa.Column('returning_grade_sum', fraction, nullable=False),
                    sa.Column('returning_expected_sum', sa.Integer(), nullable=False),
                    sa.ForeignKeyConstraint(['version_id'], ['versions.id'],
                                            name=op.f('fk_version_tallies_version_id_versions'), ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('version_id', name=op.f('pk_version_tallies')))
    op.create_table('touchpoint_tallies',
                    sa.Column('version_id', sa.Integer(), nullable=False),
                    sa.Column('touchpoint_id', sa.Integer(), nullable=False),
                    sa.Column('n', sa.Integer(), nullable=False),
                    sa.Column('total', sa.Integer(), nullable=False),
                    sa.ForeignKeyConstraint(['touchpoint_id'], ['touchpoints.id'],
                                            name=op.f('fk_touchpoint_tallies_touchpoint_id_touchpoints'),
                                            ondelete='CASCADE'),
                    sa.ForeignKeyConstraint(['version_id'], ['versions.id'],
                                            name=op.f('fk_touchpoint_tallies_version_id_versions'),
                                            ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('version_id', 'touchpoint_id', name=op.f('pk_touchpoint_tallies')))
    op.create_table('product_figures',
                    sa.Column('product_id', sa.Integer(), nullable=False),
                    sa.Column('version_id', sa.Integer(), nullable=True),
                    sa.Column('previous_version_id', sa.Integer(), nullable=True),
                    sa.Column('stage', sa.String(length=20), nullable=False),
                    sa.Column('figures', sa.JSON(), nullable=False),
                    sa.Column('verdict', sa.JSON(), nullable=False),
                    sa.Column('thresholds', sa.JSON(), nullable=False),
                    sa.Column('previous_grade', sa.Float(), nullable=True),
                    sa.Column('trend', sa.String(length=10), nullable=False),
                    sa.Column('computed_at', cocreate.extensions.UTCDateTime(), nullable=False),
                    sa.ForeignKeyConstraint(['previous_version_id'], ['versions.id'],
                                            name=op.f('fk_product_figures_previous_version_id_versions'),
                                            ondelete='SET NULL'),
                    sa.ForeignKeyConstraint(['product_id'], ['products.id'],
                                            name=op.f('fk_product_figures_product_id_products'), ondelete='CASCADE'),
                    sa.ForeignKeyConstraint(['version_id'], ['versions.id'],
                                            name=op.f('fk_product_figures_version_id_versions'), ondelete='SET NULL'),
                    sa.PrimaryKeyConstraint('product_id', name=op.f('pk_product_figures')))


def downgrade():
    op.drop_table('product_figures')
    op.drop_table('touchpoint_tallies')
    op.drop_table('version_tallies')
