"""identities across platforms: one-time link codes, the chosen account, longer audit actors

Revision ID: 0011_identities
Revises: 0001_foundation
Create Date: 2026-11-30

A person may reach the bot from Telegram and DingTalk: `link_code` holds the short codes
that bind a second account (绑定), `identity.preferred` the account a person chose for
messages the bot starts (接收平台). A DingTalk user id is up to 64 characters, so an
unregistered DingTalk user's audit actor ("dingtalk:<id>") needs more than 64.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = '0011_identities'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('link_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('identity_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('villager_id', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('used_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['identity_id'], ['identity.id'], name=op.f('fk_link_code_identity_id_identity')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_link_code_member_id_member')),
    sa.ForeignKeyConstraint(['used_by'], ['identity.id'], name=op.f('fk_link_code_used_by_identity')),
    sa.ForeignKeyConstraint(['villager_id'], ['villager.id'], name=op.f('fk_link_code_villager_id_villager')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_code')),
    sa.UniqueConstraint('code', name=op.f('uq_link_code_code'))
    )
    with op.batch_alter_table('identity', schema=None) as batch_op:
        batch_op.add_column(sa.Column('preferred', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.alter_column('actor', existing_type=sa.String(length=64),
                              type_=sa.String(length=96), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.alter_column('actor', existing_type=sa.String(length=96),
                              type_=sa.String(length=64), existing_nullable=False)
    with op.batch_alter_table('identity', schema=None) as batch_op:
        batch_op.drop_column('preferred')
    op.drop_table('link_code')
