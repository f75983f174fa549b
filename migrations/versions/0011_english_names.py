"""English names for the dunning policy's bank and contact and for payment terms

The English dunning letter printed the bank and the contact person in Chinese; a payment
term had one name holding both languages ("开票后90天 / 90 days after invoice"), shown
whole in either. The standard terms seeded by 0002 get their two halves split.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 19:32:30.902515

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: Union[str, None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# The names 0002 seeded, frozen here: (code, Chinese, English).
STANDARD_NAMES = [
    ("VBP", "集采结算：验收次月底", "VBP: end of the month after acceptance"),
    ("VBP30", "集采结算：验收后30天", "VBP: 30 days after acceptance"),
    ("NET90", "开票后90天", "90 days after invoice"),
    ("NET120", "开票后120天", "120 days after invoice"),
    ("NET180", "开票后180天", "180 days after invoice"),
]


def _terms() -> sa.TableClause:
    return sa.table("payment_term", sa.column("code", sa.String), sa.column("name", sa.String),
                    sa.column("name_en", sa.String))


def upgrade() -> None:
    with op.batch_alter_table('dunning_policy', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bank_name_en', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('contact_name_en', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False, server_default=''))

    with op.batch_alter_table('payment_term', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_en', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False, server_default=''))

    # Split a standard term's name only while it is still the seeded one.
    terms = _terms()
    for code, chinese, english in STANDARD_NAMES:
        op.execute(terms.update()
                   .where(terms.c.code == code, terms.c.name == f"{chinese} / {english}")
                   .values(name=chinese, name_en=english))


def downgrade() -> None:
    terms = _terms()
    for code, chinese, english in STANDARD_NAMES:
        op.execute(terms.update()
                   .where(terms.c.code == code, terms.c.name == chinese,
                          terms.c.name_en == english)
                   .values(name=f"{chinese} / {english}"))

    with op.batch_alter_table('payment_term', schema=None) as batch_op:
        batch_op.drop_column('name_en')

    with op.batch_alter_table('dunning_policy', schema=None) as batch_op:
        batch_op.drop_column('contact_name_en')
        batch_op.drop_column('bank_name_en')
