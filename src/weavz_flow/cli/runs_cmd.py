"""``weavz-flow runs list``, ``weavz-flow runs show RUN_ID`` and ``weavz-flow runs resume RUN_ID``: the project's run
records, read from the store they are written to (by hand and scheduled alike; an older version's runs.db is
imported into it once): see :mod:`weavz_flow.schedule.run_history`. A run waiting for approval shows the approvals
it waits for; ``show`` reads each one's decision from the backend (who decided, how, when, why); ``resume`` goes on
with it (see :mod:`weavz_flow.runner.resume`), exiting as ``run`` does (0, 1, or 75 while it still waits)."""

from __future__ import annotations

import json
from datetime import UTC
from pathlib import Path

import click

from weavz_flow.cli.catalog_loading import load_catalog
from weavz_flow.cli.partials_render import partial_text, reasons_legend
from weavz_flow.cli.project_option import project_option
from weavz_flow.cli.run_cmd import approval_line, report_run
from weavz_flow.config.load import load_project
from weavz_flow.config.project import Project
from weavz_flow.errors import WeavzFlowError
from weavz_flow.plan.session import open_backend
from weavz_flow.runner.approval_state import approval_ids, decision_text, read_approval
from weavz_flow.runner.outcome import RunStatus
from weavz_flow.runner.records import RunRecord
from weavz_flow.runner.render_json import render_json, run_document
from weavz_flow.runner.resume import resume_run, waiting_approvals
from weavz_flow.schedule.run_history import open_run_history
from weavz_flow.wire.approvals import Approval


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} ms"


def _owner(run: RunRecord) -> str | None:
    if run.owner_host is None:
        return None
    return f"{run.owner_host} pid {run.owner_pid}" if run.owner_pid is not None else run.owner_host


def _lost_note(run: RunRecord) -> str:
    """Why a lost run is lost, as far as its record tells."""
    heard = f"last heartbeat {run.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC" if run.heartbeat_at else "no heartbeat"
    owner = _owner(run)
    return f"its process ({owner}) stopped without finishing it; {heard}" if owner else \
        f"its process stopped without finishing it; {heard}"


def _waiting_note(run: RunRecord) -> str:
    """The approvals a waiting run waits for, with their links when the backend gave any."""
    return "waiting for " + "; ".join(approval_line(a) for a in waiting_approvals(run))


@click.group("runs")
def runs() -> None:
    """Recorded flow runs of this project."""


_project_option = project_option()
_database_option = click.option("--database-url", metavar="URL",
                                help="The store of the scheduler, as given to `schedule` or `worker` (a PostgreSQL "
                                     "store holds the scheduled runs) [default: the project's backend database_url, "
                                     "else $WEAVZ_FLOW_DATABASE_URL].")


@runs.command("list")
@click.option("--flow", help="Only runs of this flow.")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True, help="How many runs to show.")
@click.option("--json", "as_json", is_flag=True, help="Print the runs as JSON.")
@_project_option
@_database_option
def list_runs(flow: str | None, limit: int, as_json: bool, project_path: Path | None,
              database_url: str | None) -> None:
    """The most recent runs, newest first: those run by hand and by the scheduler."""
    records = open_run_history(load_project(project_path), database_url=database_url)
    try:
        found = records.recent(flow=flow, limit=limit)
        # What each waiting run waits for: its steps' rows, read for those runs only.
        waits = {r.id: _waiting_note(records.get(r.id)) for r in found if r.status is RunStatus.WAITING_APPROVAL}
    finally:
        records.close()
    if as_json:
        click.echo(json.dumps([run_document(r, steps=False) for r in found], indent=2, default=str))
        return
    if not found:
        click.echo("No runs recorded yet. Start one with: weavz-flow run FLOW")
        return
    click.echo(_LIST_ROW.format("RUN ID", "STARTED (UTC)", "STATUS", "DURATION", "TRIGGER", "FLOW").rstrip())
    for r in found:
        note = r.error or (_lost_note(r) if r.status is RunStatus.LOST else None) or waits.get(r.id)
        row = _LIST_ROW.format(r.id, f"{r.started_at.astimezone(UTC):%Y-%m-%d %H:%M:%S}", r.status.value,
                               _ms(r.duration_ms), r.trigger or "-", r.flow)
        click.echo(row + (f"  {note}" if note else ""))


# Run ids are 32 hex digits (a scheduled fire's too); a longer one only pushes its own row's columns right.
_LIST_ROW = "{:<32}  {:<19}  {:<9}  {:>9}  {:<8}  {}"


@runs.command("show")
@click.argument("run_id")
@click.option("--json", "as_json", is_flag=True, help="Print the run as JSON.")
@_project_option
@_database_option
def show_run(run_id: str, as_json: bool, project_path: Path | None, database_url: str | None) -> None:
    """One run with each step's status, attempts, timing, output and error (RUN_ID may be a unique prefix)."""
    project = load_project(project_path)
    records = open_run_history(project, database_url=database_url)
    try:
        run = records.get(run_id)
    finally:
        records.close()
    decisions = _decisions(project, run)
    if as_json:
        click.echo(render_json(run, decisions), nl=False)
        return
    click.echo(f"Run {run.id}: flow {run.flow} (workspace {run.workspace}) {run.status}, {_ms(run.duration_ms)}")
    click.echo(f"Started {run.started_at.isoformat()}" + (f", end user {run.end_user}" if run.end_user else ""))
    if run.status is RunStatus.LOST:
        click.echo(f"Lost: {_lost_note(run)} (killed, out of memory or its machine gone); the steps it ran are "
                   "not recorded")
    elif run.status is RunStatus.RUNNING and run.owner_host is not None:
        heard = f", last heartbeat {run.heartbeat_at.isoformat()}" if run.heartbeat_at else ""
        click.echo(f"Running on {_owner(run)}{heard}")
    click.echo(f"Inputs: {json.dumps(run.inputs, default=str, ensure_ascii=False)}")
    if run.error:
        click.echo(f"Error: {run.error}")
    for s in run.steps:
        extra = [f"{s.attempts} attempts" if s.attempts > 1 else "", f"{s.items} items" if s.items is not None else "",
                 "continued after failure" if s.tolerated else ""]
        click.echo(f"\n{'finally ' if s.is_finally else ''}{s.step_id}: {s.status}, {_ms(s.duration_ms)}"
                   + "".join(f", {e}" for e in extra if e))
        if s.partials:
            click.echo(f"  partials: {', '.join(partial_text(p) for p in s.partials)}")
        for approval in s.approvals:
            decided = decisions.get(str(approval.get("id")))
            click.echo(f"  {approval_line(approval)}" if decided is None else f"  approval {decision_text(decided)}")
        if s.error:
            click.echo(f"  error: {s.error}" + (f" [{s.error_code}]" if s.error_code else ""))
        if s.output is not None:
            text = s.output if s.output_truncated else json.dumps(s.output, default=str, ensure_ascii=False)
            click.echo(f"  output: {text}" + (" ... (truncated)" if s.output_truncated else ""))
    legend = reasons_legend(p for s in run.steps for p in (s.partials or ()))
    if legend:
        click.echo("\nWhy each partial applied:")
        for line in legend:
            click.echo(line)
    if run.status is RunStatus.WAITING_APPROVAL:
        click.echo(f"\nWaiting for approval; once decided: weavz-flow runs resume {run.id}")


def _decisions(project: Project, run: RunRecord) -> dict[str, Approval]:
    """The approvals the run's steps asked for, as the backend has them now (none it cannot read)."""
    ids = approval_ids(a for s in run.steps for a in s.approvals)
    if not ids:
        return {}
    try:
        backend = open_backend(project)
    except WeavzFlowError:
        return {}  # no backend to ask (not configured here): the record alone is shown
    try:
        found = {i: read_approval(backend, i) for i in ids}
    finally:
        backend.close()
    return {i: a for i, a in found.items() if a is not None}


@runs.command("resume")
@click.argument("run_id")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@_project_option
@click.option("--api-url", help="A Weavz-compatible API (else WEAVZ_API_URL, else the project's backend).")
def resume(run_id: str, as_json: bool, project_path: Path | None, api_url: str | None) -> None:
    """Go on with RUN_ID, a run waiting for approval: the same run, its recorded inputs and flow version, the waiting
    step again with its same idempotency key (so an approved call runs once). Exit 0 when it succeeds, 1 when it
    fails (a rejected, expired or canceled approval fails its step), 75 while an approval is still pending."""
    catalog = load_catalog()
    project = load_project(project_path)
    backend = open_backend(project, api_url=api_url, catalog=catalog)
    report_run(backend, project, as_json, lambda records, progress: resume_run(
        records, backend, run_id, root=project.root, on_event=progress, catalog=catalog))
