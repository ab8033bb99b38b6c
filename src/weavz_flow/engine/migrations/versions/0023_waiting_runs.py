"""Flow runs that wait for a person's approval keep what resuming them needs.

``flow_runs.flow_digest`` and ``flow_runs.flow_version``: the flow version document (plan.deployment's, JSON) the run
started with, written when the run is recorded ``waiting_approval``, so that a resume (by hand, or by a worker that
has no checkout) runs exactly that version. ``flow_run_steps.approvals``: the approvals a step asked for (JSON list
of the backend's pending-approval objects, redacted). ``flow_run_steps.resume_output``: a waiting run's step output
in full when ``output`` had to be capped (redacted as ``output`` is). All nullable: rows before this revision lack
them, and a run that never waited needs none. An index on
``flow_runs.status``: workers look for the waiting runs.

Revision ID: 0023
Revises: 0020
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("flow_runs", sa.Column("flow_digest", sa.String(64), nullable=True))
    op.add_column("flow_runs", sa.Column("flow_version", sa.Text, nullable=True))
    op.add_column("flow_run_steps", sa.Column("approvals", sa.Text, nullable=True))
    op.add_column("flow_run_steps", sa.Column("resume_output", sa.Text, nullable=True))
    # Workers look for waiting runs every few seconds: by status, not by a scan of every run ever recorded.
    op.create_index("ix_flow_runs_status", "flow_runs", ["status"])


def downgrade() -> None:
    op.drop_index("ix_flow_runs_status", table_name="flow_runs")
    with op.batch_alter_table("flow_run_steps") as batch:  # SQLite before 3.35 cannot drop a column in place
        batch.drop_column("resume_output")
        batch.drop_column("approvals")
    with op.batch_alter_table("flow_runs") as batch:
        batch.drop_column("flow_version")
        batch.drop_column("flow_digest")
