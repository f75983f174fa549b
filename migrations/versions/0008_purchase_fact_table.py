"""purchase as a fact table: no foreign keys, its source_key the primary key

Purchases are an append-only fact table filled by the million. Each foreign key cost every
imported row a locking look-up in the parent table (two thirds of the database's time per
row), and the surrogate `id`, which nothing refers to, cost every row a sequence call and a
second unique index beside `source_key`'s. The import resolves the ids from codes in its own
transaction, and parties and products are never deleted (see the Purchase model and
docs/performance.md).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 02:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0008'
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
        batch_op.drop_constraint('pk_purchase', type_='primary')
        batch_op.drop_column('id')
        batch_op.drop_constraint('uq_purchase_source_key', type_='unique')
        batch_op.create_primary_key('pk_purchase', ['source_key'])


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == 'postgresql'
    if postgresql:
        op.execute('ALTER TABLE purchase DROP CONSTRAINT pk_purchase')
        op.execute('ALTER TABLE purchase ADD COLUMN id SERIAL')  # numbers the rows there
        op.execute('ALTER TABLE purchase ADD CONSTRAINT pk_purchase PRIMARY KEY (id)')
        op.create_unique_constraint('uq_purchase_source_key', 'purchase', ['source_key'])
        for name, column, parent in FOREIGN_KEYS:
            op.create_foreign_key(name, 'purchase', parent, [column], ['id'])
        return
    # SQLite: the table is rebuilt; an INTEGER PRIMARY KEY left NULL numbers each row.
    with op.batch_alter_table(
        'purchase', schema=None, recreate='always',
        table_args=(sa.UniqueConstraint('source_key', name='uq_purchase_source_key'),),
    ) as batch_op:
        batch_op.drop_constraint('pk_purchase', type_='primary')
        batch_op.add_column(sa.Column('id', sa.Integer(), nullable=True))
        batch_op.create_primary_key('pk_purchase', ['id'])
        for name, column, parent in FOREIGN_KEYS:
            batch_op.create_foreign_key(name, parent, [column], ['id'])
