"""images: processed by the worker (state processing, ready or refused; problem; attempts; claimed_until); the
format and sizes are unknown until it is done. Existing images are ready.

Revision ID: 0021
Revises: 0022
Create Date: 2026-12-01 04:30:00

"""
from alembic import op
import sqlalchemy as sa

import cocreate.extensions


revision = '0021'
down_revision = '0022'
branch_labels = None
depends_on = None

_SIZES = ('width', 'height', 'thumb_width', 'thumb_height', 'bytes')


def upgrade():
    with op.batch_alter_table('images', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.Enum('processing', 'ready', 'refused', name='image_state',
                                                       native_enum=False, length=10),
                                      server_default='ready', nullable=False))
        batch_op.add_column(sa.Column('problem', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('claimed_until', cocreate.extensions.UTCDateTime(), nullable=True))
        batch_op.alter_column('format', existing_type=sa.String(length=4), nullable=True)
        for name in _SIZES:
            batch_op.alter_column(name, existing_type=sa.Integer(), nullable=True)


def downgrade():
    op.execute("DELETE FROM images WHERE state != 'ready'")
    with op.batch_alter_table('images', schema=None) as batch_op:
        for name in _SIZES:
            batch_op.alter_column(name, existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('format', existing_type=sa.String(length=4), nullable=False)
        batch_op.drop_column('claimed_until')
        batch_op.drop_column('attempts')
        batch_op.drop_column('problem')
        batch_op.drop_column('state')
