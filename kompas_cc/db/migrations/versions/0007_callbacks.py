"""call_callbacks: missed numbers waiting for a call back, and the delay of the callback

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kompas_cc.db.base

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("closed_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "call_callbacks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=80), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("first_missed_at", kompas_cc.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("last_missed_at", kompas_cc.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("missed_count", sa.Integer(), nullable=False),
        sa.Column("last_call_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", kompas_cc.db.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("closed_call_id", sa.Integer(), nullable=True),
        sa.Column("delay_seconds", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_call_callbacks_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["closed_call_id"],
            ["calls.id"],
            name=op.f("fk_call_callbacks_closed_call_id_calls"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["last_call_id"],
            ["calls.id"],
            name=op.f("fk_call_callbacks_last_call_id_calls"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
            name=op.f("fk_call_callbacks_task_id_tasks"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_callbacks")),
    )
    with op.batch_alter_table("call_callbacks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_call_callbacks_first_missed_at", ["first_missed_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_call_callbacks_task_id"), ["task_id"], unique=False
        )
        batch_op.create_index(
            "uq_call_callbacks_open_number",
            ["number"],
            unique=True,
            sqlite_where=OPEN,
            postgresql_where=OPEN,
        )


def downgrade() -> None:
    with op.batch_alter_table("call_callbacks", schema=None) as batch_op:
        batch_op.drop_index("uq_call_callbacks_open_number")
        batch_op.drop_index(batch_op.f("ix_call_callbacks_task_id"))
        batch_op.drop_index("ix_call_callbacks_first_missed_at")
    op.drop_table("call_callbacks")
