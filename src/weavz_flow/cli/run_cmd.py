"""``weavz-flow run FLOW``: run a flow of the project (or preview it with --dry-run); progress on stderr, a summary
or JSON on stdout, exit 1 when the run failed, or when the checks before its first step found a problem (then
nothing ran; --dry-run shows the same problems with the previews), and exit 75 (EX_TEMPFAIL) when the run waits for
a person's approval: it is recorded ``waiting_approval``, and ``weavz-flow runs resume RUN`` (or a ``schedule`` /
``worker`` on the same store) goes on with it once the approvals are decided."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import click
import yaml

from weavz_flow.backends.protocol import Backend
from weavz_flow.cli.catalog_loading import load_catalog
from weavz_flow.cli.partials_render import partial_text, reasons_legend
from weavz_flow.cli.project_option import project_option
from weavz_flow.config.project import Project
from weavz_flow.config.validate import load_valid_project
from weavz_flow.errors import WeavzFlowError
from weavz_flow.plan.session import open_backend
from weavz_flow.redact import Redactor
from weavz_flow.runner.dry_run import StepPreview, dry_run
from weavz_flow.runner.outcome import EventKind, RunEvent, RunResult, StepResult, StepStatus
from weavz_flow.runner.preflight import PreflightReport
from weavz_flow.runner.records import RunRecords
from weavz_flow.runner.render_json import render_json, with_full_outputs
from weavz_flow.runner.run import FlowRunner

EXIT_WAITING = 75  # EX_TEMPFAIL (sysexits.h): not done, try again later: the run waits for approval

_MARKS = {StepStatus.SUCCEEDED: "[green]✓[/]", StepStatus.FAILED: "[red]✗[/]", StepStatus.SKIPPED: "[dim]-[/]",
          StepStatus.APPROVAL_REQUIRED: "[yellow]⏸[/]"}


def parse_pairs(pairs: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise WeavzFlowError(f"-i expects key=value, got {pair!r}")
        out[key.strip()] = value
    return out


def read_inputs_file(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))  # JSON is YAML too
    except (OSError, yaml.YAMLError) as exc:
        raise WeavzFlowError(f"cannot read inputs file {path}: {exc}") from None
    if not isinstance(data, dict):
        raise WeavzFlowError(f"inputs file {path} must hold a mapping of input names to values")
    return data


class Progress:
    """Prints each step as it finishes (stderr), with a spinner for what is running."""

    def __init__(self) -> None:
        from rich.console import Console

        # soft_wrap: long errors stay one line in logs and pipes (rich would break them at 80 columns there)
        self.console = Console(stderr=True, highlight=False, soft_wrap=True)
        self.status = self.console.status("starting")
        self.running: list[str] = []

    def __call__(self, event: RunEvent) -> None:
        if event.kind is EventKind.RUN_STARTED:
            self.console.print(f"Run [bold]{event.run_id}[/] of flow [bold]{event.flow}[/]")
            self.status.start()
        elif event.kind is EventKind.STEP_STARTED and event.step_id:
            self.running.append(event.step_id)
            self.status.update(f"running {', '.join(self.running)}")
        elif event.kind is EventKind.STEP_RETRYING:
            self.console.print(f"  [yellow]↻[/] {event.step_id}: attempt {event.attempt} after {event.message}")
        elif event.kind is EventKind.STEP_FINISHED and event.step is not None:
            if event.step_id in self.running:
                self.running.remove(event.step_id)
            self.status.update(f"running {', '.join(self.running)}" if self.running else "")
            self.console.print("  " + step_line(event.step))
        elif event.kind is EventKind.RUN_FINISHED:
            self.status.stop()

    def stop(self) -> None:
        self.status.stop()


def step_line(step: StepResult) -> str:
    from rich.markup import escape

    parts = [_MARKS[step.status], escape(step.step_id), f"[dim]{step.status.value}[/]"]
    if step.duration_ms is not None:
        parts.append(f"[dim]{step.duration_ms:.0f} ms[/]")
    if step.attempts > 1:
        parts.append(f"[dim]{step.attempts} attempts[/]")
    if step.items is not None:
        parts.append(f"[dim]{step.items} items[/]")
    if step.error:
        parts.append(("[yellow](continued) " if step.tolerated else "[red]") + escape(step.error) + "[/]")
    return " ".join(parts)


def previews_json(flow: str, previews: list[StepPreview]) -> dict[str, Any]:
    return {"flow": flow, "dry_run": True, "steps": [{
        "id": p.step_id, "uses": p.uses, "finally": p.is_finally, "final_input": p.final_input,
        "enforced_keys": list(p.enforced_keys), "enforced_by": dict(p.enforced_by),
        "overridden_keys": list(p.overridden_keys), "partials": [a.to_json() for a in p.partials],
        "connection": p.connection,
        "end_user": p.end_user, "if": p.condition, "items": p.items, "note": p.note,
    } for p in previews]}


def preflight_json(report: PreflightReport, redactor: Redactor) -> dict[str, Any]:
    return redactor.data({
        "ok": report.ok,
        "problems": [{"code": p.code, "message": p.message, "fix": p.fix,
                      "steps": [{"id": s.step_id, "where": s.where} for s in p.steps]} for p in report.problems],
        "unchecked": [{"id": u.step.step_id, "where": u.step.where, "reason": u.reason} for u in report.unchecked],
    })


def preflight_text(report: PreflightReport, redactor: Redactor) -> str:
    lines = ["", "Checks before the run: " + ("no problem found." if report.ok else "")]
    if not report.ok:
        lines[-1] = "Checks before the run:"
        lines.append(report.text())
    lines += [f"  ({line})" for line in report.unchecked_lines()]
    return redactor.text("\n".join(lines)) + "\n"


def _enforced_mark(preview: StepPreview, key: str) -> str:
    if key not in preview.enforced_keys:
        return ""
    by = f" by {preview.enforced_by[key]}" if key in preview.enforced_by else ""
    replaced = "; replaces the step's value" if key in preview.overridden_keys else ""
    return f"  (enforced{by}{replaced})"


def previews_text(flow: str, previews: list[StepPreview]) -> str:
    lines = [f"Dry run of flow {flow}: nothing is executed. Values marked (enforced) come from enforced partials."]
    for p in previews:
        head = f"\n{'finally ' if p.is_finally else ''}step {p.step_id} ({p.uses})"
        extras = [f"connection {p.connection}" if p.connection else "", f"end user {p.end_user}" if p.end_user else "",
                  f"partials {', '.join(partial_text(a) for a in p.partials)}" if p.partials else "",
                  f"{p.items} items, showing the first" if p.items else "",
                  f"if -> {p.condition!r}" if p.condition is not None else ""]
        lines.append(head + "".join(f"; {e}" for e in extras if e))
        if p.note:
            lines.append(f"  ({p.note})")
        for key, value in (p.final_input or {}).items():
            lines.append(f"  {key}: {json.dumps(value, default=str, ensure_ascii=False)}{_enforced_mark(p, key)}")
    legend = reasons_legend([a for p in previews for a in p.partials])
    if legend:
        lines += ["", "Why each partial applies:", *legend]
    return "\n".join(lines) + "\n"


@click.command("run")
@click.argument("flow_name", metavar="FLOW")
@click.option("-i", "--input", "pairs", multiple=True, metavar="KEY=VALUE", help="A flow input (typed per the flow).")
@click.option("--inputs", "inputs_file", type=click.Path(dir_okay=False, path_type=Path),
              help="A JSON or YAML file of inputs; -i values override it.")
@click.option("--end-user", help="externalId of the end user the steps act for (overrides the flow's end_user).")
@click.option("--dry-run", "dry_run_flag", is_flag=True, help="Show each step's final input; execute nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@project_option()
@click.option("--api-url", help="A Weavz-compatible API (else WEAVZ_API_URL, else the project's backend).")
def run(flow_name: str, pairs: tuple[str, ...], inputs_file: Path | None, end_user: str | None, dry_run_flag: bool,
        as_json: bool, project_path: Path | None, api_url: str | None) -> None:
    """Run FLOW of the project through the backend."""
    inputs: dict[str, Any] = read_inputs_file(inputs_file) if inputs_file else {}
    inputs.update(parse_pairs(pairs))
    catalog = load_catalog()
    project = load_valid_project(project_path, catalog)
    backend = open_backend(project, api_url=api_url, catalog=catalog)
    if dry_run_flag:
        try:
            runner = FlowRunner(project, backend, catalog=catalog)
            report, redactor = runner.check_run(flow_name, inputs, end_user=end_user)
            previews = dry_run(runner, flow_name, inputs, end_user=end_user)
        finally:
            backend.close()
        if as_json:
            data = {**previews_json(flow_name, previews), "preflight": preflight_json(report, redactor)}
            text = json.dumps(data, indent=2, default=str) + "\n"
        else:
            text = previews_text(flow_name, previews) + preflight_text(report, redactor)
        click.echo(text, nl=False)
        if not report.ok:
            sys.exit(1)
        return
    report_run(backend, project, as_json, lambda records, progress: FlowRunner(
        project, backend, records=records, on_event=progress, catalog=catalog).run(flow_name, inputs,
                                                                                  end_user=end_user))


RunStart = Callable[[RunRecords, Callable[[RunEvent], None] | None], RunResult]


def report_run(backend: Backend, project: Project, as_json: bool, start: RunStart) -> None:
    """``start`` a run (``run``) or resume one (``runs resume``) with the run records of ``backend`` and a progress
    display (none for --json); then print it and exit as ``run`` does. Closes ``backend``."""
    try:
        # Where the scheduler records its runs too: a PostgreSQL store's runs are seen from every machine.
        records = RunRecords.for_backend(backend, project.root)
        progress = None if as_json else Progress()
        try:
            result = start(records, progress)
            # The run's document is its record's, as `runs show --json` prints it (see runner.render_json).
            recorded = with_full_outputs(records.get(result.run_id), result) if as_json else None
        finally:
            if progress is not None:
                progress.stop()
            records.close()
    finally:
        backend.close()
    if recorded is not None:
        click.echo(render_json(recorded), nl=False)
    else:
        summarize(result)
    exit_for(result)


def summarize(result: RunResult) -> None:
    """The end of a run (or its pause for approval) as ``run`` and ``runs resume`` print it."""
    counts = {s: sum(1 for r in result.steps if r.status is s) for s in StepStatus}
    total = (result.finished_at - result.started_at).total_seconds()
    summary = ", ".join(f"{n} {s.value}" for s, n in counts.items() if n)
    verdict = "succeeded" if result.ok else "is WAITING FOR APPROVAL" if result.waiting else "FAILED"
    click.echo(f"Run {result.run_id} {verdict} in {total:.2f}s ({summary}).")
    if result.error:
        click.echo(f"Error: {result.error}", err=True)
    if result.waiting:
        for step in result.steps:
            if step.status is StepStatus.APPROVAL_REQUIRED:
                for approval in step.approvals:
                    click.echo(f"  step {step.step_id}: {approval_line(approval)}")
        click.echo(f"Approve with `weavz-flow approvals approve ID`, then resume: weavz-flow runs resume "
                   f"{result.run_id} (a `schedule` or `worker` on this store resumes it by itself).")
    click.echo(f"Details: weavz-flow runs show {result.run_id}")


def approval_line(approval: Mapping[str, Any]) -> str:
    """An approval a step waits for: its id, status, expiry and where to decide it."""
    link = approval.get("hostedApprovalUrl") or approval.get("approvalUrl")
    expires = f", expires {approval['expiresAt']}" if approval.get("expiresAt") else ""
    return f"approval {approval.get('id')} {approval.get('status', 'pending')}{expires}" + (f" {link}" if link else "")


def exit_for(result: RunResult) -> None:
    if result.waiting:
        sys.exit(EXIT_WAITING)
    if not result.ok:
        sys.exit(1)
