"""cell_tallies: per version, touchpoint and first-time/returning raters, the number, sum and sum of squares of
the counted scores (the journey heat map); touchpoints.journey_stage. The tallies are filled from the ratings that
count (not held, the rater's address confirmed), as `flask maturity rebuild` would.

Revision ID: 0026
Revises: 0017
Create Date: 2026-12-01 05:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0026'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'cell_tallies',
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('touchpoint_id', sa.Integer(), nullable=False),
        sa.Column('is_returning', sa.Boolean(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('squares', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['touchpoint_id'], ['touchpoints.id'], name=op.f('fk_cell_tallies_touchpoint_id_touchpoints'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['version_id'], ['versions.id'], name=op.f('fk_cell_tallies_version_id_versions'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('version_id', 'touchpoint_id', 'is_returning', name=op.f('pk_cell_tallies')),
    )
    with op.batch_alter_table('touchpoints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('journey_stage', sa.String(length=20), nullable=True))
    op.execute("""
        INSERT INTO cell_tallies (version_id, touchpoint_id, is_returning, n, total, squares)
        SELECT r.version_id, s.touchpoint_id, r.is_returning, count(*), sum(s.score), sum(s.score * s.score)
        FROM rating_scores s JOIN ratings r ON r.id = s.rating_id JOIN users u ON u.id = r.user_id
        WHERE r.held = false AND u.email_verified_at IS NOT NULL
        GROUP BY r.version_id, s.touchpoint_id, r.is_returning
    """)


def downgrade():
    with op.batch_alter_table('touchpoints', schema=None) as batch_op:
        batch_op.drop_column('journey_stage')
    op.drop_table('cell_tallies')
