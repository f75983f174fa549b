"""Filings, hospital listings and contracts: current rows with status history beside them

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 22:46:57.473726

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('filing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('province_code', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('since', sa.Date(), nullable=False),
    sa.Column('effective', sa.Date(), nullable=True),
    sa.Column('expires', sa.Date(), nullable=True),
    sa.Column('price_fen', sa.BigInteger(), nullable=True),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_filing_product_id_product')),
    sa.ForeignKeyConstraint(['province_code'], ['province.code'], name=op.f('fk_filing_province_code_province')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_filing')),
    sa.UniqueConstraint('kind', 'product_id', 'province_code', name='uq_filing_triple')
    )
    with op.batch_alter_table('filing', schema=None) as batch_op:
        batch_op.create_index('ix_filing_kind_expires', ['kind', 'expires'], unique=False)
        batch_op.create_index('ix_filing_product', ['product_id', 'kind'], unique=False)

    op.create_table('contract',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('end', sa.Date(), nullable=False),
    sa.Column('value_fen', sa.BigInteger(), nullable=True),
    sa.Column('payment_term_id', sa.Integer(), nullable=True),
    sa.Column('renewal_mode', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('notice_days', sa.Integer(), nullable=False),
    sa.Column('renewal_months', sa.Integer(), nullable=False),
    sa.Column('predecessor_id', sa.Integer(), nullable=True),
    sa.Column('renewed_on', sa.Date(), nullable=True),
    sa.Column('terminated_on', sa.Date(), nullable=True),
    sa.Column('termination_reason', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['party_id'], ['party.id'], name=op.f('fk_contract_party_id_party')),
    sa.ForeignKeyConstraint(['payment_term_id'], ['payment_term.id'], name=op.f('fk_contract_payment_term_id_payment_term')),
    sa.ForeignKeyConstraint(['predecessor_id'], ['contract.id'], name=op.f('fk_contract_predecessor_id_contract')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract'))
    )
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.create_index('ix_contract_end', ['end'], unique=False)
        batch_op.create_index(batch_op.f('ix_contract_number'), ['number'], unique=True)
        batch_op.create_index(batch_op.f('ix_contract_party_id'), ['party_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contract_predecessor_id'), ['predecessor_id'], unique=False)

    op.create_table('filing_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filing_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('effective', sa.Date(), nullable=True),
    sa.Column('expires', sa.Date(), nullable=True),
    sa.Column('price_fen', sa.BigInteger(), nullable=True),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('by', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['filing_id'], ['filing.id'], name=op.f('fk_filing_change_filing_id_filing')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_filing_change'))
    )
    with op.batch_alter_table('filing_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_filing_change_filing_id'), ['filing_id'], unique=False)

    op.create_table('listing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hospital_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('since', sa.Date(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('next_step', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['hospital_id'], ['party.id'], name=op.f('fk_listing_hospital_id_party')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_listing_product_id_product')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listing')),
    sa.UniqueConstraint('hospital_id', 'product_id', name='uq_listing_hospital_product')
    )
    with op.batch_alter_table('listing', schema=None) as batch_op:
        batch_op.create_index('ix_listing_product', ['product_id'], unique=False)
        batch_op.create_index('ix_listing_status_since', ['status', 'since'], unique=False)

    op.create_table('contract_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('unit_price_fen', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_contract_line_contract_id_contract')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_contract_line_product_id_product')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_line'))
    )
    with op.batch_alter_table('contract_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_line_contract_id'), ['contract_id'], unique=False)

    op.create_table('listing_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('next_step', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('by', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['listing_id'], ['listing.id'], name=op.f('fk_listing_change_listing_id_listing')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listing_change'))
    )
    with op.batch_alter_table('listing_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listing_change_listing_id'), ['listing_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('listing_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listing_change_listing_id'))

    op.drop_table('listing_change')
    with op.batch_alter_table('contract_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_line_contract_id'))

    op.drop_table('contract_line')
    with op.batch_alter_table('listing', schema=None) as batch_op:
        batch_op.drop_index('ix_listing_status_since')
        batch_op.drop_index('ix_listing_product')

    op.drop_table('listing')
    with op.batch_alter_table('filing_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_filing_change_filing_id'))

    op.drop_table('filing_change')
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_predecessor_id'))
        batch_op.drop_index(batch_op.f('ix_contract_party_id'))
        batch_op.drop_index(batch_op.f('ix_contract_number'))
        batch_op.drop_index('ix_contract_end')

    op.drop_table('contract')
    with op.batch_alter_table('filing', schema=None) as batch_op:
        batch_op.drop_index('ix_filing_product')
        batch_op.drop_index('ix_filing_kind_expires')

    op.drop_table('filing')
