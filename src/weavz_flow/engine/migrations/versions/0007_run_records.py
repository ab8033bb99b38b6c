"""Run records: ``flow_runs`` (one row per run) and ``flow_run_steps`` (one per step of a finished run).

Before this revision the runner created these tables itself (``create_all``) and added the columns of later releases
with its own ``ALTER TABLE``: in the project's separate ``runs.db`` on SQLite, in the store's own schema on PostgreSQL.
So on a PostgreSQL store the tables may exist already, perhaps without the columns added since the first release:
they are kept with their rows and given the missing columns (all nullable). A separate ``runs.db`` is another file
and is imported by :func:`weavz_flow.engine.run_store.import_runs_db`, not here.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TIME = sa.DateTime(timezone=True)


def _runs_columns() -> list[sa.Column]:
    return [
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("flow", sa.String(200), nullable=False),
        sa.Column("workspace", sa.String(200), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("started_at", TIME, nullable=False),
        sa.Column("finished_at", TIME, nullable=True),
        sa.Column("end_user", sa.String(255), nullable=True),
        sa.Column("inputs", sa.Text, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("owner_host", sa.String(255), nullable=True),
        sa.Column("owner_pid", sa.Integer, nullable=True),
        sa.Column("owner_process", sa.String(200), nullable=True),
        sa.Column("heartbeat_at", TIME, nullable=True),
        sa.Column("started_by", sa.String(32), nullable=True),
    ]


def _steps_columns() -> list[sa.Column]:
    return [
        sa.Column("run_id", sa.String(64), sa.ForeignKey("flow_runs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("step_id", sa.String(200), nullable=False),
        sa.Column("is_finally", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("items", sa.Integer, nullable=True),
        sa.Column("started_at", TIME, nullable=True),
        sa.Column("finished_at", TIME, nullable=True),
        sa.Column("output", sa.Text, nullable=True),
        sa.Column("output_truncated", sa.Boolean, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("error_code", sa.String(64), nullable=True),
        sa.Column("tolerated", sa.Boolean, nullable=False),
        sa.Column("partials", sa.Text, nullable=True),
    ]


# What the runner's create_all named its indexes (index=True on flow and started_at).
_INDEXES = (("ix_flow_runs_flow", ["flow"]), ("ix_flow_runs_started_at", ["started_at"]))


def upgrade() -> None:
    bind = op.get_bind()
    # The schema the store works in (its search_path), which the inspector would not assume on its own.
    schema = bind.execute(sa.text("SELECT current_schema()")).scalar() if bind.dialect.name == "postgresql" else None
    inspector = sa.inspect(bind)
    existing = set(inspector.get_table_names(schema=schema))
    for name, columns in (("flow_runs", _runs_columns()), ("flow_run_steps", _steps_columns())):
        if name not in existing:
            op.create_table(name, *columns)
            continue
        present = {c["name"] for c in inspector.get_columns(name, schema=schema)}
        for column in columns:
            if column.name not in present:  # only ever one of the nullable columns added after the first release
                op.add_column(name, column)
    indexes = set()
    if "flow_runs" in existing:
        indexes = {i["name"] for i in inspector.get_indexes("flow_runs", schema=schema)}
    for index, indexed in _INDEXES:
        if index not in indexes:
            op.create_index(index, "flow_runs", indexed)


def downgrade() -> None:
    op.drop_table("flow_run_steps")
    op.drop_index("ix_flow_runs_started_at", table_name="flow_runs")
    op.drop_index("ix_flow_runs_flow", table_name="flow_runs")
    op.drop_table("flow_runs")
