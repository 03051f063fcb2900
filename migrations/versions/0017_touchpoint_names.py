"""touchpoints: names per language (JSON, {"nl": ..., "it": ...}); the default touchpoints get their Dutch and
Italian names

Revision ID: 0017
Revises: 0020, 0025
Create Date: 2026-12-01 05:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = ('0020', '0025')  # also merges the two heads 0020 (holds) and 0025 (widget)
branch_labels = None
depends_on = None

# A copy of cocreate.products.models.DEFAULT_TOUCHPOINT_NAMES as it was (a migration does not follow the code).
DEFAULT_NAMES = {
    "First impression": {"nl": "Eerste indruk", "it": "Prima impressione"},
    "Ease of use": {"nl": "Gebruiksgemak", "it": "Facilità d’uso"},
    "Quality": {"nl": "Kwaliteit", "it": "Qualità"},
    "Delivery": {"nl": "Levering", "it": "Consegna"},
    "Support": {"nl": "Ondersteuning", "it": "Assistenza"},
    "Value for money": {"nl": "Prijs-kwaliteitverhouding", "it": "Rapporto qualità-prezzo"},
}


def upgrade():
    with op.batch_alter_table('touchpoints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('names', sa.JSON(), server_default='{}', nullable=False))
    touchpoints = sa.table('touchpoints', sa.column('name', sa.String), sa.column('names', sa.JSON))
    for name, names in DEFAULT_NAMES.items():
        op.execute(touchpoints.update().where(touchpoints.c.name == name).values(names=names))


def downgrade():
    with op.batch_alter_table('touchpoints', schema=None) as batch_op:
        batch_op.drop_column('names')
