"""The emotion layer and misses (issue 17, parts 1-2): ratings.emotion and rating_scores.emotion, emotion_tallies
(stored counts, filled by `flask maturity rebuild`: no rating named an emotion before), misses and miss_replies, and
two thresholds of Excellent (negative_share, miss_response_hours)

Revision ID: 0024
Revises: 0027
Create Date: 2026-12-01 05:00:00

"""
from alembic import op
import sqlalchemy as sa

import cocreate.extensions


revision = '0024'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('emotion', sa.String(length=16), nullable=True))
    with op.batch_alter_table('rating_scores', schema=None) as batch_op:
        batch_op.add_column(sa.Column('emotion', sa.String(length=16), nullable=True))
    with op.batch_alter_table('stage_thresholds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('negative_share', sa.Float(), server_default='0.1', nullable=False))
        batch_op.add_column(sa.Column('miss_response_hours', sa.Float(), server_default='24', nullable=False))
    op.create_table('emotion_tallies',
                    sa.Column('version_id', sa.Integer(), nullable=False),
                    sa.Column('touchpoint_id', sa.Integer(), nullable=False),
                    sa.Column('emotion', sa.String(length=16), nullable=False),
                    sa.Column('n', sa.Integer(), nullable=False),
                    sa.ForeignKeyConstraint(['version_id'], ['versions.id'],
                                            name=op.f('fk_emotion_tallies_version_id_versions'), ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('version_id', 'touchpoint_id', 'emotion',
                                            name=op.f('pk_emotion_tallies')))
    op.create_table('misses',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('product_id', sa.Integer(), nullable=False),
                    sa.Column('version_id', sa.Integer(), nullable=False),
                    sa.Column('touchpoint_id', sa.Integer(), nullable=False),
                    sa.Column('rating_id', sa.Integer(), nullable=False),
                    sa.Column('user_id', sa.Integer(), nullable=False),
                    sa.Column('score', sa.SmallInteger(), nullable=False),
                    sa.Column('expected', sa.SmallInteger(), nullable=True),
                    sa.Column('opened_at', cocreate.extensions.UTCDateTime(), nullable=False),
                    sa.Column('first_answer_at', cocreate.extensions.UTCDateTime(), nullable=True),
                    sa.Column('closed_at', cocreate.extensions.UTCDateTime(), nullable=True),
                    sa.Column('closed_by_id', sa.Integer(), nullable=True),
                    sa.Column('fixed_version_id', sa.Integer(), nullable=True),
                    sa.Column('rerated_score', sa.SmallInteger(), nullable=True),
                    sa.Column('recovered_at', cocreate.extensions.UTCDateTime(), nullable=True),
                    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_misses_closed_by_id_users'),
                                            ondelete='SET NULL'),
                    sa.ForeignKeyConstraint(['fixed_version_id'], ['versions.id'],
                                            name=op.f('fk_misses_fixed_version_id_versions'), ondelete='SET NULL'),
                    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_misses_product_id_products'),
                                            ondelete='CASCADE'),
                    sa.ForeignKeyConstraint(['rating_id'], ['ratings.id'], name=op.f('fk_misses_rating_id_ratings'),
                                            ondelete='CASCADE'),
                    sa.ForeignKeyConstraint(['touchpoint_id'], ['touchpoints.id'],
                                            name=op.f('fk_misses_touchpoint_id_touchpoints'), ondelete='CASCADE'),
                    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_misses_user_id_users'),
                                            ondelete='CASCADE'),
                    sa.ForeignKeyConstraint(['version_id'], ['versions.id'], name=op.f('fk_misses_version_id_versions'),
                                            ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_misses')),
                    sa.UniqueConstraint('rating_id', 'touchpoint_id', name=op.f('uq_misses_rating_id_touchpoint_id'))
                    )
    with op.batch_alter_table('misses', schema=None) as batch_op:
        batch_op.create_index('ix_misses_product_opened', ['product_id', 'opened_at'], unique=False)
        batch_op.create_index('ix_misses_user_product', ['user_id', 'product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_misses_closed_by_id'), ['closed_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_misses_fixed_version_id'), ['fixed_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_misses_touchpoint_id'), ['touchpoint_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_misses_version_id'), ['version_id'], unique=False)
    op.create_table('miss_replies',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('miss_id', sa.Integer(), nullable=False),
                    sa.Column('author_id', sa.Integer(), nullable=True),
                    sa.Column('body', sa.Text(), nullable=False),
                    sa.Column('created_at', cocreate.extensions.UTCDateTime(), nullable=False),
                    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_miss_replies_author_id_users'),
                                            ondelete='SET NULL'),
                    sa.ForeignKeyConstraint(['miss_id'], ['misses.id'], name=op.f('fk_miss_replies_miss_id_misses'),
                                            ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_miss_replies')))
    with op.batch_alter_table('miss_replies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_miss_replies_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_miss_replies_miss_id'), ['miss_id'], unique=False)


def downgrade():
    op.drop_table('miss_replies')
    op.drop_table('misses')
    op.drop_table('emotion_tallies')
    with op.batch_alter_table('stage_thresholds', schema=None) as batch_op:
        batch_op.drop_column('miss_response_hours')
        batch_op.drop_column('negative_share')
    with op.batch_alter_table('rating_scores', schema=None) as batch_op:
        batch_op.drop_column('emotion')
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_column('emotion')
