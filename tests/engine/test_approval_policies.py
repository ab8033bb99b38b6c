"""The approval policy service (SQLite and PostgreSQL): CRUD, workspace scoping, write-only webhook secrets (the row
holds ciphertext only), the configuration version, and the typed policies the gate reads."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from tests.engine.echo_integration import NOAUTH
from tests.engine.engine_fixtures import World
from weavz_flow.engine import tables as t
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.config_cache import current_config_version
from weavz_flow.engine.inputs import WorkspaceCreate, WorkspaceIntegrationCreate
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.wire.approval_policies import ApprovalPolicyCreate, ApprovalPolicyUpdate
from weavz_flow.wire.vocabulary import APPROVAL_DEFAULT_TIMEOUT_S, ApprovalDecision

SECRET = "s3cret-signing-key-0123456789"


def _create(world: World, caller: Caller | None = None, **fields: object) -> object:
    body = {"name": "gate", "workspaceId": world.workspace.id, **fields}
    return world.engine.approval_policies.create(caller or world.caller, ApprovalPolicyCreate.model_validate(body))


def _refused(call: object, code: ErrorCode) -> ApiError:
    with pytest.raises(ApiError) as caught:
        call()  # type: ignore[operator]
    assert caught.value.code == code, caught.value
    return caught.value


def test_create_fills_the_documented_defaults(world: World) -> None:
    policy = world.engine.approval_policies.create(world.caller, ApprovalPolicyCreate(name="only a name"))
    body = policy.model_dump(mode="json")
    assert (body["workspaceId"], body["enabled"], body["priority"], body["sources"]) == (None, True, 100, None)
    assert (body["endUserMode"], body["decision"], body["riskMode"]) == ("any", "require_approval", "always")
    assert body["approvers"] == [{"type": "org_role", "roles": ["owner", "admin"], "userIds": []}]
    assert (body["timeoutSeconds"], body["defaultOnTimeout"], body["reuseWindowSeconds"]) == \
        (APPROVAL_DEFAULT_TIMEOUT_S, "reject", None)
    assert body["approvalAccessMode"] == "dashboard_and_hosted_link"
    assert world.engine.approval_policies.get(world.caller, policy.id) == policy


def test_crud_and_config_version_bumps(world: World) -> None:
    store = world.engine.store
    before = current_config_version(store)
    policy = _create(world, actionNames=["send"], priority=5)
    after_create = current_config_version(store)
    assert after_create > before
    updated = world.engine.approval_policies.update(world.caller, policy.id,  # type: ignore[attr-defined]
                                                    ApprovalPolicyUpdate(enabled=False, action_names=None))
    assert (updated.enabled, updated.action_names, updated.priority) == (False, None, 5)
    assert current_config_version(store) > after_create
    listed = world.engine.approval_policies.list_all(world.caller, workspace_id=world.workspace.id)
    assert [p.id for p in listed] == [updated.id]
    version = current_config_version(store)
    world.engine.approval_policies.delete(world.caller, updated.id)
    assert current_config_version(store) > version
    _refused(lambda: world.engine.approval_policies.get(world.caller, updated.id), ErrorCode.APPROVAL_POLICY_NOT_FOUND)
    _refused(lambda: world.engine.approval_policies.update(world.caller, updated.id, ApprovalPolicyUpdate()),
             ErrorCode.NO_UPDATES)


def test_workspace_scoped_caller_sees_and_writes_only_its_workspaces(world: World) -> None:
    other = world.engine.workspaces.create(world.caller, WorkspaceCreate(name="Other", slug="other"))
    org_wide = _create(world, workspaceId=None, name="org")
    theirs = _create(world, workspaceId=other.id, name="theirs")
    mine = _create(world, name="mine")
    scoped = Caller(org_id=world.caller.org_id, workspace_ids=frozenset({world.workspace.id}), api_key_id="k")
    assert [p.id for p in world.engine.approval_policies.list_all(scoped)] == [mine.id]  # type: ignore[attr-defined]
    for hidden in (org_wide, theirs):
        _refused(lambda h=hidden: world.engine.approval_policies.get(scoped, h.id),  # type: ignore[attr-defined]
                 ErrorCode.APPROVAL_POLICY_NOT_FOUND)
    _refused(lambda: _create(world, scoped, workspaceId=None), ErrorCode.SCOPE_DENIED)
    _refused(lambda: _create(world, scoped, workspaceId=other.id), ErrorCode.SCOPE_DENIED)
    _refused(lambda: world.engine.approval_policies.update(scoped, mine.id,  # type: ignore[attr-defined]
                                                           ApprovalPolicyUpdate(workspace_id=other.id)),
             ErrorCode.SCOPE_DENIED)
    _refused(lambda: _create(world, workspaceId="no-such-workspace"), ErrorCode.NOT_FOUND)


def test_workspace_integration_ids_must_be_of_the_workspace(world: World) -> None:
    alias = world.engine.integrations.create(world.caller, world.workspace.id,
                                             WorkspaceIntegrationCreate(integration_name=NOAUTH))
    policy = _create(world, workspaceIntegrationIds=[alias.id], integrationAliases=["not-checked-here"])
    assert policy.workspace_integration_ids == [alias.id]  # type: ignore[attr-defined]
    error = _refused(lambda: _create(world, workspaceIntegrationIds=[alias.id, "nope"]), ErrorCode.VALIDATION_ERROR)
    assert "nope" in error.message and error.details["fields"][0]["field"] == "workspaceIntegrationIds"  # type: ignore[index]


def test_webhook_secret_is_write_only_and_encrypted(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    hook = {"type": "webhook", "webhookUrl": "https://hooks.example/approve"}
    given = _create(world, approvers=[{"type": "org_role", "roles": ["admin"]}, {**hook, "webhookSecret": SECRET}])
    shown = given.model_dump(mode="json")  # type: ignore[attr-defined]
    assert shown["approvers"][1] == {"type": "webhook", "roles": [], "userIds": [],
                                     "webhookUrl": "https://hooks.example/approve", "webhookSecretSet": True}
    generated = _create(world, approvers=[hook])
    secret = generated.approvers[0].webhook_secret  # type: ignore[attr-defined]
    assert secret and len(secret) >= 16
    service = world.engine.approval_policies
    assert service.webhook_secret(given.id, 1) == SECRET and service.webhook_secret(given.id, 0) is None  # type: ignore[attr-defined]
    assert service.webhook_secret(generated.id, 0) == secret  # type: ignore[attr-defined]
    read = service.get(world.caller, generated.id).model_dump(mode="json")  # type: ignore[attr-defined]
    assert read["approvers"][0]["webhookSecretSet"] is True and "webhookSecret" not in read["approvers"][0]
    # An update without a secret keeps the one the approver had.
    kept = service.update(world.caller, generated.id, ApprovalPolicyUpdate.model_validate(  # type: ignore[attr-defined]
        {"approvers": [{**hook, "webhookUrl": "https://hooks.example/v2"}]}))
    assert kept.approvers[0].webhook_secret is None and service.webhook_secret(generated.id, 0) == secret  # type: ignore[attr-defined]
    with world.engine.store.read() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.select(t.approval_policies))]
    dumped = repr(rows) + caplog.text
    assert SECRET not in dumped and secret not in dumped
    assert all(r["approver_secrets"] is None or r["approver_secrets"].startswith("gAAAA") for r in rows)
    with world.engine.store.read() as conn:
        typed = service.get_policy(conn, given.id)  # type: ignore[attr-defined]
    assert typed is not None and typed.approvers[1].has_webhook_secret and SECRET not in repr(typed)


@pytest.mark.parametrize(("approver", "field"), [
    ({"type": "webhook"}, "approvers[0].webhookUrl"),
    ({"type": "webhook", "webhookUrl": "ftp://x.example/"}, "approvers[0].webhookUrl"),
    ({"type": "org_role", "webhookUrl": "https://x.example/"}, "approvers[0].webhookUrl"),
])
def test_bad_approvers_are_refused(world: World, approver: dict[str, object], field: str) -> None:
    error = _refused(lambda: _create(world, approvers=[approver]), ErrorCode.VALIDATION_ERROR)
    assert error.details["fields"][0]["field"] == field  # type: ignore[index]


def test_model_assisted_and_bad_rules_are_refused_and_write_nothing(world: World) -> None:
    error = _refused(lambda: _create(world, riskMode="model_assisted"), ErrorCode.VALIDATION_ERROR)
    assert "model_assisted" in error.message
    error = _refused(lambda: _create(world, riskMode="rules", rules={"conditions": [
        {"path": "text", "op": "matches", "value": "("}]}), ErrorCode.VALIDATION_ERROR)
    assert error.details["fields"][0]["field"] == "rules.conditions[0].value"  # type: ignore[index]
    assert world.engine.approval_policies.list_all(world.caller) == []


def test_applicable_gives_enabled_org_wide_and_workspace_policies(world: World) -> None:
    other = world.engine.workspaces.create(world.caller, WorkspaceCreate(name="Other", slug="other"))
    org_wide = _create(world, workspaceId=None, name="org", decision="block")
    mine = _create(world, name="mine", priority=1)
    _create(world, name="off", enabled=False)
    _create(world, workspaceId=other.id, name="theirs")
    with world.engine.store.read() as conn:
        found = world.engine.approval_policies.applicable(conn, world.caller.org_id, world.workspace.id)
    assert [p.id for p in found] == [mine.id, org_wide.id]  # type: ignore[attr-defined]
    assert found[1].decision is ApprovalDecision.BLOCK and found[1].workspace_id is None
