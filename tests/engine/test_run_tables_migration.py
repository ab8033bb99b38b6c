"""Revision 0007 takes the run tables into the store's migrations: a store at 0006 whose run tables today's runner made
itself (``create_all`` and its own ``ALTER TABLE``, as on a PostgreSQL store) keeps its runs and gains what it lacks."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.engine.engine_fixtures import BACKENDS, open_store
from weavz_flow.engine import migrate
from weavz_flow.engine import tables as t
from weavz_flow.engine.run_store import RunStore
from weavz_flow.engine.store import Store

AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


# Columns revisions after the runner's own run tables added (0023: waiting runs): no runner-made table has them.
LATER = {"flow_digest", "flow_version", "approvals", "resume_output"}
LATER_INDEXED = {"status"}  # 0023 indexes flow_runs.status


def _made_by_the_runner(added: set[str]) -> sa.MetaData:
    """flow_runs and flow_run_steps as the runner's create_all made them, without the columns in ``added``."""
    added = added | LATER
    made = sa.MetaData()
    for table in (t.flow_runs, t.flow_run_steps):
        sa.Table(table.name, made, *[
            sa.Column(c.name, c.type, *[sa.ForeignKey(k.target_fullname) for k in c.foreign_keys],
                      primary_key=c.primary_key, nullable=c.nullable,
                      index=bool(c.index) and c.name not in LATER_INDEXED)
            for c in table.columns if c.name not in added])
    return made


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("added", [set(), {"owner_host", "owner_pid", "owner_process", "heartbeat_at", "started_by",
                                           "partials"}], ids=["current", "first-release"])
def test_a_store_at_0006_with_the_runners_own_run_tables_upgrades_keeping_its_runs(
        backend: str, added: set[str], tmp_path: Path) -> None:
    with open_store(backend, tmp_path, upgrade=False) as old:
        migrate.upgrade(old.engine, "0006")
        made = _made_by_the_runner(added)
        with old.write() as conn:
            made.create_all(conn)
            conn.execute(made.tables["flow_runs"].insert().values(
                id="r1", flow="f", workspace="w", status="succeeded", started_at=AT, finished_at=AT, inputs="{}"))
            conn.execute(made.tables["flow_run_steps"].insert().values(
                run_id="r1", position=0, step_id="s", is_finally=False, status="succeeded", attempts=1,
                output_truncated=False, tolerated=False))
        reopened = Store(old.url.render_as_string(hide_password=False), schema=old.schema)
        try:
            assert reopened.revision() == migrate.head_revision()
            inspector = sa.inspect(reopened.engine)
            for table in (t.flow_runs, t.flow_run_steps):
                live = {c["name"] for c in inspector.get_columns(table.name, schema=reopened.schema)}
                assert live == {c.name for c in table.columns}, table.name
            indexes = {i["name"] for i in inspector.get_indexes("flow_runs", schema=reopened.schema)}
            assert {"ix_flow_runs_flow", "ix_flow_runs_started_at"} <= indexes
            runs = RunStore(reopened)
            [row] = runs.runs()
            assert row["id"] == "r1" and row["started_by"] is None and row["heartbeat_at"] is None
            assert [s["step_id"] for s in runs.steps("r1")] == ["s"]
        finally:
            reopened.close()
