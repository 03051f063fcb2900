"""ratings: rater credibility and held ratings; rating_releases, rating_hold_rules, version_credibility

Every existing rating keeps counting (not held, no network recorded); its rater's account age and confirmed address
are taken from the users table, and each version's credibility counts are filled from its ratings here, so
`flask maturity verify` agrees right after the upgrade (cocreate/maturity/holds.py, docs/maturity.md).

Revision ID: 0020
Revises: 0021
Create Date: 2026-12-01 05:00:00

"""
from collections import Counter
from datetime import timedelta

from alembic import op
import sqlalchemy as sa

import cocreate.extensions


revision = '0020'
down_revision = '0021'
branch_labels = None
depends_on = None

COUNTS = ("ratings", "held", "burst", "network", "released", "verified", "sso", "invited", "new_accounts", "age_day",
          "age_week", "age_month", "age_older", "age_unknown")


def upgrade():
    op.create_table('rating_releases',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('product_id', sa.Integer(), nullable=False),
                    sa.Column('version_id', sa.Integer(), nullable=True),
                    sa.Column('released_by_id', sa.Integer(), nullable=True),
                    sa.Column('note', sa.Text(), nullable=False),
                    sa.Column('ratings', sa.Integer(), nullable=False),
                    sa.Column('stage_before', sa.String(length=20), nullable=False),
                    sa.Column('stage_after', sa.String(length=20), nullable=False),
                    sa.Column('created_at', cocreate.extensions.UTCDateTime(), nullable=False),
                    sa.ForeignKeyConstraint(['product_id'], ['products.id'],
                                            name=op.f('fk_rating_releases_product_id_products'), ondelete='CASCADE'),
                    sa.ForeignKeyConstraint(['released_by_id'], ['users.id'],
                                            name=op.f('fk_rating_releases_released_by_id_users'), ondelete='SET NULL'),
                    sa.ForeignKeyConstraint(['version_id'], ['versions.id'],
                                            name=op.f('fk_rating_releases_version_id_versions'), ondelete='SET NULL'),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_releases')))
    with op.batch_alter_table('rating_releases', schema=None) as batch_op:
        batch_op.create_index('ix_rating_releases_product_created', ['product_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_rating_releases_released_by_id'), ['released_by_id'], unique=False)

    op.create_table('rating_hold_rules',
                    sa.Column('company_id', sa.Integer(), nullable=False),
                    sa.Column('new_account_days', sa.Integer(), nullable=False),
                    sa.Column('burst_ratings', sa.Integer(), nullable=False),
                    sa.Column('burst_minutes', sa.Integer(), nullable=False),
                    sa.Column('network_ratings', sa.Integer(), nullable=False),
                    sa.Column('network_hours', sa.Integer(), nullable=False),
                    sa.Column('updated_at', cocreate.extensions.UTCDateTime(), nullable=False),
                    sa.ForeignKeyConstraint(['company_id'], ['companies.id'],
                                            name=op.f('fk_rating_hold_rules_company_id_companies'), ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('company_id', name=op.f('pk_rating_hold_rules')))

    op.create_table('version_credibility',
                    sa.Column('version_id', sa.Integer(), nullable=False),
                    *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
                    sa.ForeignKeyConstraint(['version_id'], ['versions.id'],
                                            name=op.f('fk_version_credibility_version_id_versions'),
                                            ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('version_id', name=op.f('pk_version_credibility')))

    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rater_since', cocreate.extensions.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('new_account', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('rater_verified', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('vouched', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('network_hash', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('held', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('hold_reason', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('release_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_ratings_release_id_rating_releases'), 'rating_releases',
                                    ['release_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index('ix_ratings_version_created', ['version_id', 'created_at'], unique=False)
        batch_op.create_index('ix_ratings_version_held', ['version_id', 'held'], unique=False)
        batch_op.create_index('ix_ratings_version_network_created', ['version_id', 'network_hash', 'created_at'],
                              unique=False)

    # The rater's account age and confirmed address, from the users table; then each version's counts.
    op.execute("UPDATE ratings SET rater_since = (SELECT users.created_at FROM users WHERE users.id = ratings.user_id)")
    op.execute("UPDATE ratings SET rater_verified = (SELECT CASE WHEN users.email_verified_at IS NULL THEN false "
               "ELSE true END FROM users WHERE users.id = ratings.user_id)")
    when = cocreate.extensions.UTCDateTime()
    ratings = sa.table('ratings', sa.column('version_id', sa.Integer()), sa.column('created_at', when),
                       sa.column('rater_since', when), sa.column('rater_verified', sa.Boolean()))
    bind = op.get_bind()
    counts: dict[int, Counter] = {}
    for version_id, created_at, rater_since, verified in bind.execute(
            sa.select(ratings.c.version_id, ratings.c.created_at, ratings.c.rater_since, ratings.c.rater_verified)):
        found = counts.setdefault(version_id, Counter())
        found["ratings"] += 1
        found["verified"] += int(bool(verified))
        found[_age_band(rater_since, created_at)] += 1
    credibility = sa.table('version_credibility', sa.column('version_id', sa.Integer()),
                           *(sa.column(name, sa.Integer()) for name in COUNTS))
    rows = [{"version_id": version_id, **{name: found[name] for name in COUNTS}}
            for version_id, found in counts.items()]
    if rows:
        op.bulk_insert(credibility, rows)


def _age_band(rater_since, rated_at) -> str:  # holds.age_band, frozen here as the migration's own copy
    if rater_since is None or rated_at is None:
        return "age_unknown"
    age = rated_at - rater_since
    for name, below in (("age_day", timedelta(days=1)), ("age_week", timedelta(days=7)),
                        ("age_month", timedelta(days=30))):
        if age < below:
            return name
    return "age_older"


def downgrade():
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_index('ix_ratings_version_network_created')
        batch_op.drop_index('ix_ratings_version_held')
        batch_op.drop_index('ix_ratings_version_created')
        batch_op.drop_constraint(batch_op.f('fk_ratings_release_id_rating_releases'), type_='foreignkey')
        batch_op.drop_column('release_id')
        batch_op.drop_column('hold_reason')
        batch_op.drop_column('held')
        batch_op.drop_column('network_hash')
        batch_op.drop_column('vouched')
        batch_op.drop_column('rater_verified')
        batch_op.drop_column('new_account')
        batch_op.drop_column('rater_since')
    op.drop_table('version_credibility')
    op.drop_table('rating_hold_rules')
    with op.batch_alter_table('rating_releases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rating_releases_released_by_id'))
        batch_op.drop_index('ix_rating_releases_product_created')
    op.drop_table('rating_releases')
