"""signup_requests: a sign-up waits for the link mailed to its address; the account is made when it is followed

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 04:00:00

"""
from alembic import op
import sqlalchemy as sa

import cocreate.extensions


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('signup_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=True),
    sa.Column('browser_locale', sa.String(length=8), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', cocreate.extensions.UTCDateTime(), nullable=False),
    sa.Column('expires_at', cocreate.extensions.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signup_requests')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_signup_requests_token_hash'))
    )
    with op.batch_alter_table('signup_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signup_requests_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_signup_requests_expires_at'), ['expires_at'], unique=False)



def downgrade():
    with op.batch_alter_table('signup_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signup_requests_expires_at'))
        batch_op.drop_index(batch_op.f('ix_signup_requests_email'))

    op.drop_table('signup_requests')
