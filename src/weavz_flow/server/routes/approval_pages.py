"""The hosted approval page: what a ``hostedApprovalUrl`` opens, ``/approvals/review?token=apl_…``.

A person holding the link sees the request as the gate recorded it (the redacted ``inputPreview``, with each value
the preview hides marked), who asked and through what, the policy that paused it and why, and until when it can be
decided; then approves or rejects it with an optional reason. The form carries the link token in a hidden field: it
is the only authority the page has, and it is what makes a forged cross-site POST useless (the forger does not know
it), as on the connect and portal pages. The token travels in the query and the form body, never the path, so the
access log (which logs paths only) never holds it.

Every answer is a page with the hosted pages' headers (no script, no framing, no Referer): an unknown, used or expired
link, or one whose approval is no longer pending, is one 404 page that says only that the link is no longer valid.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from weavz_flow.engine.engine import Engine
from weavz_flow.engine.services.approval_links import DECISIONS, OpenedLink
from weavz_flow.engine.services.approvals import Action
from weavz_flow.engine.stamps import parse_time
from weavz_flow.errors import ApiError
from weavz_flow.server.deps import EngineDep
from weavz_flow.server.html.render import message_page, render_page
from weavz_flow.wire.approvals import Approval
from weavz_flow.wire.vocabulary import APPROVAL_REASON_MAX, ExecuteSource

REVIEW_PATH = "/approvals/review"

router = APIRouter(include_in_schema=False)

_SOURCES: dict[str, str] = {
    ExecuteSource.REST: "the REST API", ExecuteSource.SDK: "the Weavz SDK", ExecuteSource.FLOW: "a flow run",
    ExecuteSource.MCP_TOOLS: "an MCP tool call", ExecuteSource.MCP_CODE: "MCP code mode",
    ExecuteSource.PLAYGROUND: "the playground", ExecuteSource.TRIGGER: "a trigger",
}

# No length bounds here: a refused field would answer JSON, not a page; the reason is checked below.
FormText = Annotated[str, Form()]


def review_url(request: Request, token: str) -> str:
    """The page's address on this server, as the request reached it."""
    return f"{str(request.base_url).rstrip('/')}{REVIEW_PATH}?{urlencode({'token': token})}"


def link_invalid_page() -> HTMLResponse:
    """One page for every link that cannot be used: which reason it was is nobody's business but the link's."""
    return message_page("This link is no longer valid",
                        "An approval link works once, and only while the request waits for a decision. The request "
                        "may have been decided already, or its time to be decided has passed. Ask whoever sent you "
                        "the link if something still needs your decision.", status_code=404)


@router.get(REVIEW_PATH, response_class=HTMLResponse)
def review_page(engine: EngineDep, token: Annotated[str, Query()] = "") -> Response:
    try:
        opened = engine.approval_links.open(token)
    except ApiError:
        return link_invalid_page()
    return _review(engine, opened, token)


@router.post(REVIEW_PATH, response_class=HTMLResponse)
def decide_on_page(engine: EngineDep, token: FormText = "", decision: FormText = "", reason: FormText = "") -> Response:
    try:
        opened = engine.approval_links.open(token)
    except ApiError:
        return link_invalid_page()
    problem = _reason_problem(reason)
    if decision not in DECISIONS:
        problem = "Choose Approve or Reject."
    if problem:
        return _review(engine, opened, token, form_error=problem, reason=reason, status_code=400)
    try:
        decided = engine.approval_links.decide(token, decision, reason.strip() or None)
    except ApiError:
        return link_invalid_page()
    what = _what(engine, decided)
    if decision == Action.APPROVE:
        return message_page("Request approved",
                            f"You approved {what}. It runs when its caller makes the same request again, once. You "
                            "can close this page now.", status_code=200)
    return message_page("Request rejected",
                        f"You rejected {what}. It will not run, and its caller is told so when it asks again. You "
                        "can close this page now.", status_code=200)


def _reason_problem(reason: str) -> str:
    if len(reason) > APPROVAL_REASON_MAX:
        return f"The reason is too long: at most {APPROVAL_REASON_MAX} characters."
    if "\x00" in reason:
        return "The reason holds a character that cannot be stored."
    return ""


def _review(
    engine: Engine, opened: OpenedLink, token: str, *, form_error: str = "", reason: str = "", status_code: int = 200,
) -> Response:
    approval = opened.approval
    context: dict[str, Any] = {
        "title": "Review a request", "workspace": opened.workspace_name, "what": _what(engine, approval),
        "integration": _integration_name(engine, approval), "action": _action_name(engine, approval),
        "alias": approval.integration_alias, "source": _SOURCES.get(approval.source, approval.source),
        "requester": _requester(opened), "end_user": approval.end_user_id, "mcp_server": opened.mcp_server_name,
        "policy": approval.policy_name or "", "reasons": approval.risk_reasons,
        "expires_at": _when(approval.expires_at), "rows": _rows(approval), "token": token,
        "form_action": REVIEW_PATH, "reason_max": APPROVAL_REASON_MAX,
        "form_error": form_error, "reason": reason, "approve": Action.APPROVE, "reject": Action.REJECT,
    }
    return render_page("approval.html", context, status_code=status_code)


def _rows(approval: Approval) -> list[dict[str, Any]]:
    """One row per input field: its value as text (JSON for anything but a string) and how the preview hid it."""
    hidden = set(approval.redacted_paths)
    rows = []
    for key, value in approval.input_preview.items():
        path = f"input.{key}"
        if path in hidden:
            note = "enforced value, hidden" if key in approval.enforced_keys else "secret, hidden"
        elif any(p.startswith((path + ".", path + "[")) for p in hidden):
            note = "holds hidden values"
        else:
            note = ""
        text = value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False)
        rows.append({"key": key, "text": text, "json": not isinstance(value, str), "note": note})
    return rows


def _requester(opened: OpenedLink) -> str:
    if opened.requested_by_key_name is not None:
        return f"the API key “{opened.requested_by_key_name}”"
    if opened.requested_by_api_key_id is not None:
        return "an API key that has been deleted since"
    if opened.approval.source in (ExecuteSource.MCP_TOOLS, ExecuteSource.MCP_CODE):
        return "an agent, through MCP"
    return "the operator (the service key or the local CLI)"


def _integration_name(engine: Engine, approval: Approval) -> str:
    info = engine.catalog.find(approval.integration_name)
    return (info.display_name if info is not None else "") or approval.integration_name


def _action_name(engine: Engine, approval: Approval) -> str:
    info = engine.catalog.find(approval.integration_name)
    action = info.actions.get(approval.action_name) if info is not None else None
    return (action.display_name if action is not None else "") or approval.action_name


def _what(engine: Engine, approval: Approval) -> str:
    return f"{_integration_name(engine, approval)}: {_action_name(engine, approval)}"


def _when(stamp: str) -> str:
    return parse_time(stamp).strftime("%-d %B %Y, %H:%M UTC")
