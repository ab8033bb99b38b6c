"""Hosted approval links (SQLite and PostgreSQL): the token derived from the approval, only its hash stored, one use,
expiry, who is shown it, and one refusal for every unusable link."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
import sqlalchemy as sa

from tests.engine.echo_integration import NOAUTH
from tests.engine.engine_fixtures import World
from tests.server.store_dump import dump_store
from weavz_flow.engine import tables as t
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.execute_values import ExecuteRequest
from weavz_flow.engine.gates.pending import ApprovalRequiredError
from weavz_flow.engine.inputs import ApiKeyCreate, WorkspaceIntegrationCreate
from weavz_flow.engine.services.approvals import Action, Via
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.wire.approval_policies import ApprovalPolicyCreate
from weavz_flow.wire.approvals import Approval
from weavz_flow.wire.vocabulary import ApprovalStatus

TOKEN = re.compile(r"apl_[A-Za-z0-9_-]{43}")


def _gate(world: World, mode: str = "dashboard_and_hosted_link") -> None:
    world.engine.integrations.create(world.caller, world.workspace.id,
                                     WorkspaceIntegrationCreate(integration_name=NOAUTH, alias="pinger"))
    world.engine.approval_policies.create(world.caller, ApprovalPolicyCreate.model_validate({
        "name": "pings need a person", "workspaceId": world.workspace.id, "integrationAliases": ["pinger"],
        "approvalAccessMode": mode}))


def _pending(world: World, text: str, caller: Caller | None = None) -> Approval:
    request = ExecuteRequest(integration_name=NOAUTH, action_name="ping", workspace_id=world.workspace.id,
                             integration_alias="pinger", input={"text": text}, idempotency_key=f"k-{text}")
    with pytest.raises(ApprovalRequiredError) as paused:
        world.engine.execute(request, caller or world.caller)
    return paused.value.approval


def _invalid(call: Any) -> None:
    with pytest.raises(ApiError) as caught:
        call()
    assert (caught.value.code, caught.value.status) == (ErrorCode.APPROVAL_LINK_INVALID, 404)
    assert caught.value.message == "This approval link is not valid"  # the same words, whatever the reason


def _links(world: World) -> list[dict[str, Any]]:
    with world.engine.store.read() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(t.approval_links))]


def test_the_token_is_derived_from_the_approval_and_only_its_hash_is_stored(world: World) -> None:
    _gate(world)
    first, second = _pending(world, "one"), _pending(world, "two")
    links = world.engine.approval_links
    shown = links.shown(world.caller, [first, second])
    assert set(shown) == {first.id, second.id} and TOKEN.fullmatch(shown[first.id])
    assert shown[first.id] != shown[second.id]
    assert _pending(world, "one").id == first.id  # the same pending approval, asked again: the same link
    assert links.shown(world.caller, [first])[first.id] == shown[first.id] == links.token(first.id)
    with world.engine.store.write() as conn:
        assert links.ensure(conn, first) == shown[first.id]  # again: no second row

    rows = _links(world)
    assert sorted(r["approval_id"] for r in rows) == sorted([first.id, second.id])
    by_approval = {r["approval_id"]: r for r in rows}
    assert by_approval[first.id]["token_hash"] == hashlib.sha256(shown[first.id].encode()).hexdigest()
    assert by_approval[first.id]["expires_at"] == first.expires_at and by_approval[first.id]["used_at"] is None
    stored = repr(dump_store(world.engine))
    assert shown[first.id] not in stored and shown[first.id][4:] not in stored


def test_a_link_decides_once(world: World) -> None:
    _gate(world)
    pending = _pending(world, "ship it")
    token = world.engine.approval_links.token(pending.id)
    opened = world.engine.approval_links.open(token)
    assert opened.approval.id == pending.id and opened.approval.input_preview == {"text": "ship it"}
    assert (opened.workspace_name, opened.requested_by_api_key_id, opened.mcp_server_name) == ("Prod", None, None)

    decided = world.engine.approval_links.decide(token, Action.APPROVE, "looks fine")
    assert (decided.status, decided.decided_via, decided.decision_reason) == \
        (ApprovalStatus.APPROVED, Via.LINK, "looks fine")
    assert decided.decided_by_api_key_id is None
    assert _links(world)[0]["used_at"] is not None
    _invalid(lambda: world.engine.approval_links.decide(token, Action.REJECT))
    _invalid(lambda: world.engine.approval_links.open(token))
    assert world.engine.approvals.get(world.caller, pending.id).status is ApprovalStatus.APPROVED
    assert world.engine.approval_links.shown(world.caller, [decided]) == {}  # decided: no link shown


def test_a_link_rejects_and_a_decision_elsewhere_spends_it(world: World) -> None:
    _gate(world)
    rejected = _pending(world, "reject me")
    done = world.engine.approval_links.decide(world.engine.approval_links.token(rejected.id), Action.REJECT, "no")
    assert (done.status, done.decision_reason) == (ApprovalStatus.REJECTED, "no")

    elsewhere = _pending(world, "decided by the API")
    token = world.engine.approval_links.token(elsewhere.id)
    world.engine.approvals.decide(world.caller, elsewhere.id, Action.APPROVE, via=Via.CLI)
    _invalid(lambda: world.engine.approval_links.open(token))
    _invalid(lambda: world.engine.approval_links.decide(token, Action.REJECT))
    assert world.engine.approvals.get(world.caller, elsewhere.id).decided_via == Via.CLI
    with pytest.raises(ValueError):
        world.engine.approval_links.decide(token, Action.CANCEL)


def test_an_expired_link_is_refused(world: World) -> None:
    _gate(world)
    pending = _pending(world, "late")
    token = world.engine.approval_links.token(pending.id)
    with world.engine.store.write() as conn:  # the link's time has passed (the approval's is still ahead)
        conn.execute(sa.update(t.approval_links).values(expires_at="2000-01-01T00:00:00.000Z"))
    _invalid(lambda: world.engine.approval_links.open(token))
    _invalid(lambda: world.engine.approval_links.decide(token, Action.APPROVE))
    assert _links(world)[0]["used_at"] is None
    assert world.engine.approvals.get(world.caller, pending.id).status is ApprovalStatus.PENDING

    timed_out = _pending(world, "timed out")
    with world.engine.store.write() as conn:  # the approval's own time has passed, the sweep not yet run
        conn.execute(sa.update(t.approvals).where(t.approvals.c.id == timed_out.id)
                     .values(expires_at="2000-01-01T00:00:00.000Z"))
    _invalid(lambda: world.engine.approval_links.open(world.engine.approval_links.token(timed_out.id)))


@pytest.mark.parametrize("token", ["", "apl_", "apl_not-a-token", "cst_x", "wvz_abc", "APL_x"])
def test_unknown_and_foreign_tokens_are_refused(world: World, token: str) -> None:
    _invalid(lambda: world.engine.approval_links.open(token))
    _invalid(lambda: world.engine.approval_links.decide(token, Action.APPROVE))


def test_a_token_with_another_prefix_is_refused_even_with_a_known_body(world: World) -> None:
    _gate(world)
    token = world.engine.approval_links.token(_pending(world, "prefix").id)
    _invalid(lambda: world.engine.approval_links.open("cst_" + token[4:]))
    _invalid(lambda: world.engine.approval_links.open(token[4:]))
    assert world.engine.approval_links.open(token).approval.status is ApprovalStatus.PENDING


def test_dashboard_only_approvals_have_no_link(world: World) -> None:
    _gate(world, "dashboard_only")
    pending = _pending(world, "dashboard")
    assert world.engine.approval_links.shown(world.caller, [pending]) == {}
    with world.engine.store.write() as conn:
        assert world.engine.approval_links.ensure(conn, pending) is None
    assert _links(world) == []
    _invalid(lambda: world.engine.approval_links.open(world.engine.approval_links.token(pending.id)))


def test_the_link_is_shown_to_the_requester_deciders_and_the_operator_only(world: World) -> None:
    _gate(world, "hosted_link_only")
    eng = world.engine

    def key(name: str, **permissions: Any) -> Caller:
        made = eng.api_keys.create(world.caller, ApiKeyCreate(name=name, permissions={"scope": "org", **permissions}))
        return eng.authenticate(made.plain_key.reveal())

    requester, decider, bystander = key("requester"), key("decider", approvals={"decide": True}), key("bystander")
    pending = _pending(world, "hosted only", caller=requester)
    token = eng.approval_links.token(pending.id)
    for who in (requester, decider, world.caller):
        assert eng.approval_links.shown(who, [pending]) == {pending.id: token}
    assert eng.approval_links.shown(bystander, [pending]) == {}
    assert eng.approval_links.shown(bystander, [pending], requester=True) == {pending.id: token}
    assert eng.approval_links.open(token).requested_by_key_name == "requester"

    with pytest.raises(ApiError) as refused:  # hosted_link_only: not through the API, even for a decider
        eng.approvals.decide(decider, pending.id, Action.APPROVE)
    assert refused.value.code == ErrorCode.APPROVAL_DECISION_DENIED
    assert eng.approval_links.decide(token, Action.APPROVE).status is ApprovalStatus.APPROVED
