"""contribution_scores: the leaderboard's index ends with user_id, so a page ordered by total and user id (both
descending) is read straight from the index, with no sort of the company's score rows

Revision ID: 0022
Revises: 0018
Create Date: 2026-12-01 05:00:00

"""
from alembic import op


revision = '0022'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contribution_scores', schema=None) as batch_op:
        batch_op.drop_index('ix_contribution_scores_board')
        batch_op.create_index('ix_contribution_scores_board',
                              ['company_id', 'product_id', 'period_days', 'total', 'user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('contribution_scores', schema=None) as batch_op:
        batch_op.drop_index('ix_contribution_scores_board')
        batch_op.create_index('ix_contribution_scores_board', ['company_id', 'product_id', 'period_days', 'total'],
                              unique=False)
