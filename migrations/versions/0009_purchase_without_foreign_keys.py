"""purchase: drop the foreign keys of the hospital, product and distributor ids

Purchases are an append-only fact table filled by the million; each foreign key cost every
imported row a locking look-up in the parent table (two thirds of the database's time per
row). The import resolves the ids from codes in its own transaction, and parties and
products are never deleted (see the Purchase model and docs/performance.md).

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-23 02:00:00.000000

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0009'
down_revision: Union[str, None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

FOREIGN_KEYS = (
    ('fk_purchase_hospital_id_party', 'hospital_id', 'party'),
    ('fk_purchase_product_id_product', 'product_id', 'product'),
    ('fk_purchase_distributor_id_party', 'distributor_id', 'party'),
)


def upgrade() -> None:
    with op.batch_alter_table('purchase', schema=None) as batch_op:
        for name, _, _ in FOREIGN_KEYS:
            batch_op.drop_constraint(name, type_='foreignkey')


def downgrade() -> None:
    with op.batch_alter_table('purchase', schema=None) as batch_op:
        for name, column, parent in FOREIGN_KEYS:
            batch_op.create_foreign_key(name, parent, [column], ['id'])
