"""``weavz-flow approvals list | show | approve | reject | cancel``: the approval requests that human-gate policies
made, read and decided through the project's backend (the local engine decides as its operator, ``decidedVia:
cli``; a remote API as the API key, which needs ``permissions.approvals.decide`` and may not decide its own request).
Errors are the backend's, with their Weavz code (rendered once, in cli/main.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from weavz_flow.backends.approvals import APPROVE, CANCEL, LIST_LIMIT_MAX, REJECT, ApprovalView
from weavz_flow.cli.backend_session import api_url_option, opened_backend, table_console, utc_seconds
from weavz_flow.cli.project_option import project_option
from weavz_flow.log_lines import escape_controls
from weavz_flow.wire.approvals import Approval
from weavz_flow.wire.vocabulary import APPROVAL_REASON_MAX, ApprovalStatus


@click.group("approvals")
def approvals() -> None:
    """Approval requests of human-gate policies: list, show, and decide them."""


_json_option = click.option("--json", "as_json", is_flag=True, help="Print the approval as JSON (camelCase).")


@approvals.command("list")
@click.option("--workspace", metavar="SLUG", help="Only this workspace's requests [default: every workspace].")
@click.option("--status", type=click.Choice([s.value for s in ApprovalStatus]),
              help="Only requests in this status [default: any].")
@click.option("--limit", type=click.IntRange(1, LIST_LIMIT_MAX), default=50, show_default=True,
              help="How many to show.")
@click.option("--json", "as_json", is_flag=True, help="Print the approvals as JSON.")
@project_option()
@api_url_option
def list_approvals(workspace: str | None, status: str | None, limit: int, as_json: bool, project_path: Path | None,
                   api_url: str | None) -> None:
    """The most recent approval requests, newest first."""
    with opened_backend(project_path, api_url) as backend:
        found = backend.list_approvals(workspace, ApprovalStatus(status) if status else None, limit)
    if as_json:
        click.echo(json.dumps([v.document() for v in found], indent=2))
        return
    if not found:
        click.echo("No approval requests" + (f" with status {status}." if status else "."))
        return
    table = Table("ID", "STATUS", "WORKSPACE", "ACTION", "SOURCE", "REQUESTED (UTC)", "EXPIRES (UTC)",
                  box=None, pad_edge=False, header_style="bold")
    for view in found:
        a = view.approval
        cells = (a.id, a.status.value, view.workspace, _action(a), a.source, utc_seconds(a.created_at),
                 utc_seconds(a.expires_at))
        table.add_row(*(Text(escape_controls(c)) for c in cells))  # Text: never read as rich markup
    table_console().print(table)


@approvals.command("show")
@click.argument("approval_id", metavar="ID")
@_json_option
@project_option()
@api_url_option
def show(approval_id: str, as_json: bool, project_path: Path | None, api_url: str | None) -> None:
    """One approval request: what it would run (the redacted preview), why it was asked, and its decision."""
    with opened_backend(project_path, api_url) as backend:
        view = backend.get_approval(approval_id)
    if as_json:
        click.echo(json.dumps(view.document(), indent=2))
        return
    for line in describe(view):
        click.echo(line)


def describe(view: ApprovalView) -> list[str]:
    """The lines of ``approvals show``."""
    a = view.approval
    rows: list[tuple[str, str | None]] = [
        ("Status", a.status.value),
        ("Workspace", view.workspace),
        ("Action", f"{_action(a)} ({a.integration_name})"),
        ("Source", a.source),
        ("End user", a.end_user_id),
        ("Policy", f"{a.policy_name} ({a.policy_id})" if a.policy_name else a.policy_id),
        ("Requested", utc_seconds(a.created_at)),
        ("Expires", utc_seconds(a.expires_at)),
        ("Access", a.approval_access_mode.value),
        ("Idempotency key", a.idempotency_key),
        ("Decision", _decision(a)),
        ("Consumed", utc_seconds(a.consumed_at) if a.consumed_at else None),
        ("Execution", a.execution_id),
        ("URL", a.approval_url),
    ]
    lines = [f"Approval {a.id}"]
    # Names and reasons come from other people (a policy's author, a decider): no control character reaches the
    # terminal of the one who decides. The preview is JSON, escaped already.
    lines += [f"  {label + ':':<17}{escape_controls(value)}" for label, value in rows if value]
    if a.risk_reasons:
        lines.append("  Why asked:")
        lines += [f"    - {escape_controls(reason)}" for reason in a.risk_reasons]
    notes = (f"; redacted: {', '.join(a.redacted_paths)}" if a.redacted_paths else "") + \
        (f"; enforced: {', '.join(a.enforced_keys)}" if a.enforced_keys else "")
    lines.append(f"  Input (preview{escape_controls(notes)}):")
    lines += ["    " + line for line in json.dumps(a.input_preview, indent=2, sort_keys=True).splitlines()]
    return lines


def _decision(a: Approval) -> str | None:
    if a.decided_at is None and a.decided_via is None:
        return None
    who = f"API key {a.decided_by_api_key_id}" if a.decided_by_api_key_id else None
    parts = [a.status.value if a.status is not ApprovalStatus.CONSUMED else "approved"]
    if who:
        parts.append(f"by {who}")
    if a.decided_via:
        parts.append(f"via {a.decided_via}")
    if a.decided_at:
        parts.append(f"at {utc_seconds(a.decided_at)}")
    text = " ".join(parts)
    return f"{text}: {a.decision_reason}" if a.decision_reason else text


def _reason(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and len(value) > APPROVAL_REASON_MAX:
        raise click.BadParameter(f"at most {APPROVAL_REASON_MAX} characters")
    return value


def _decision_command(action: str, doc: str) -> Callable[..., None]:
    @click.argument("approval_id", metavar="ID")
    @click.option("--reason", callback=_reason, help="Why: recorded with the decision.")
    @_json_option
    @project_option()
    @api_url_option
    def decide(approval_id: str, reason: str | None, as_json: bool, project_path: Path | None,
               api_url: str | None) -> None:
        with opened_backend(project_path, api_url) as backend:
            view = backend.decide_approval(approval_id, action, reason)
        if as_json:
            click.echo(json.dumps(view.document(), indent=2))
            return
        a = view.approval
        click.echo(f"Approval {a.id} is now {a.status.value}.")
        if a.status is ApprovalStatus.APPROVED:
            click.echo(f"The call may run once when retried with idempotency key {a.idempotency_key} before "
                       f"{utc_seconds(a.expires_at)} UTC.", err=True)

    decide.__doc__ = doc
    return approvals.command(action)(decide)


approve = _decision_command(APPROVE, "Approve the pending request ID: its call runs when retried.")
reject = _decision_command(REJECT, "Reject the pending request ID: its retry is refused.")
cancel = _decision_command(CANCEL, "Cancel the pending request ID (the requester's withdrawal).")


def _action(a: Approval) -> str:
    return f"{a.integration_alias or a.integration_name}.{a.action_name}"
