"""Deadline reminders e-mailed (reminder) and to whom (reminder_recipient)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 03:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '0009'
down_revision: Union[str, None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('ref', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('offset_days', sa.Integer(), nullable=False),
    sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder')),
    sa.UniqueConstraint('kind', 'ref', 'deadline', 'offset_days', name='uq_reminder_key')
    )
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.create_index('ix_reminder_deadline', ['deadline', 'ref'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminder_sent_at'), ['sent_at'], unique=False)

    op.create_table('reminder_recipient',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reminder_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['reminder_id'], ['reminder.id'], name=op.f('fk_reminder_recipient_reminder_id_reminder')),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_reminder_recipient_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_recipient')),
    sa.UniqueConstraint('reminder_id', 'user_id', name='uq_reminder_recipient_key')
    )
    with op.batch_alter_table('reminder_recipient', schema=None) as batch_op:
        batch_op.create_index('ix_reminder_recipient_user', ['user_id', 'reminder_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('reminder_recipient', schema=None) as batch_op:
        batch_op.drop_index('ix_reminder_recipient_user')

    op.drop_table('reminder_recipient')
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_sent_at'))
        batch_op.drop_index('ix_reminder_deadline')

    op.drop_table('reminder')
