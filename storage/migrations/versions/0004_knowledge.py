"""knowledge

Revision ID: 0004_knowledge
Revises: 0001_foundation
Create Date: 2026-11-23 16:51:36.833188
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = '0004_knowledge'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('kb_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('imported_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_import'))
    )
    with op.batch_alter_table('kb_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_import_filename'), ['filename'], unique=False)

    op.create_table('kb_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('changed_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_version'))
    )
    op.create_table('kb_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('villager_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('entry_id', sa.String(length=64), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('choices', sa.JSON(), nullable=False),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('unresolved', sa.Boolean(), nullable=False),
    sa.Column('forwarded', sa.Boolean(), nullable=False),
    sa.Column('answered_by_admin', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_kb_question_member_id_member')),
    sa.ForeignKeyConstraint(['villager_id'], ['villager.id'], name=op.f('fk_kb_question_villager_id_villager')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_question'))
    )
    with op.batch_alter_table('kb_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_question_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_question_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_question_villager_id'), ['villager_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('kb_question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_question_villager_id'))
        batch_op.drop_index(batch_op.f('ix_kb_question_member_id'))
        batch_op.drop_index(batch_op.f('ix_kb_question_created_at'))

    op.drop_table('kb_question')
    op.drop_table('kb_version')
    with op.batch_alter_table('kb_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_import_filename'))

    op.drop_table('kb_import')
