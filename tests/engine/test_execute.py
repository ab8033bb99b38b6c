"""The execute pipeline end to end: catalog checks, enabledActions, scope, base URLs, namespaces, records."""

from __future__ import annotations

import pytest

from tests.engine.echo_integration import ECHO, HOSTED, NOAUTH
from tests.engine.engine_fixtures import World
from weavz_flow.engine.execute_values import ExecuteRequest
from weavz_flow.engine.inputs import (
    ApiKeyCreate,
    PartialCreate,
    WorkspaceCreate,
    WorkspaceIntegrationCreate,
    WorkspaceIntegrationUpdate,
)
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.redact import REDACTED


def request(world: World, **kw: object) -> ExecuteRequest:
    values: dict = {"integration_name": ECHO, "action_name": "whoami", "workspace_id": world.workspace.id,
                    "input": {"channel": "c"}}
    values.update(kw)
    return ExecuteRequest(**values)


def error_of(world: World, req: ExecuteRequest) -> ApiError:
    with pytest.raises(ApiError) as caught:
        world.engine.execute(req, world.caller)
    return caught.value


@pytest.fixture
def fixed(world: World) -> World:
    conn = world.connection("shared", "shared:tok-12345")
    world.engine.integrations.create(world.caller, world.workspace.id, WorkspaceIntegrationCreate(
        integration_name=ECHO, alias="echo", connection_strategy="fixed", connection_id=conn))
    return world


def test_success_returns_output_duration_and_a_record(fixed: World) -> None:
    result = fixed.engine.execute(request(fixed), fixed.caller)
    assert result.output["who"] == "shared"
    assert result.to_wire() == {"success": True, "output": result.output, "duration": result.duration_ms}
    record = fixed.engine.executions.get(fixed.caller, result.execution_id)
    assert record.status == "success" and record.integration_alias == "echo"
    assert record.connection_id == result.connection_id and record.output == result.output
    assert fixed.engine.executions.list_page(fixed.caller, workspace_id=fixed.workspace.id).total == 1


def test_catalog_errors(fixed: World) -> None:
    assert error_of(fixed, request(fixed, integration_name="echo-tset")).code == ErrorCode.INTEGRATION_NOT_FOUND
    missing = error_of(fixed, request(fixed, action_name="whoamy"))
    assert missing.code == ErrorCode.ACTION_NOT_FOUND and "whoami" in missing.message  # did you mean
    hosted = error_of(fixed, request(fixed, integration_name=HOSTED, action_name="do_thing"))
    assert hosted.code == ErrorCode.NATIVE_ACTION_UNSUPPORTED and hosted.status == 400
    assert "hosted" in hosted.message.lower()


def test_the_dry_run_of_a_hosted_only_action_still_resolves(fixed: World) -> None:
    fixed.connection("h", "h:tok-12345", integration=HOSTED)
    resolved = fixed.engine.resolve_input(
        request(fixed, integration_name=HOSTED, action_name="do_thing", input={}, connection_external_id="h"),
        fixed.caller)
    assert resolved.executable is False
    assert [p.field for p in resolved.problems] == ["x"]


def test_enabled_actions_limit_what_an_alias_runs(fixed: World) -> None:
    alias = fixed.engine.integrations.list_in(fixed.caller, fixed.workspace.id)[0]
    fixed.engine.integrations.update(fixed.caller, fixed.workspace.id, alias.id,
                                     WorkspaceIntegrationUpdate(enabled_actions=["other"]))
    denied = error_of(fixed, request(fixed))
    assert denied.code == ErrorCode.ACTION_NOT_ALLOWED and denied.status == 403
    assert fixed.engine.execute(request(fixed, action_name="other"), fixed.caller).output["who"] == "shared"
    fixed.engine.integrations.update(fixed.caller, fixed.workspace.id, alias.id,
                                     WorkspaceIntegrationUpdate(enabled_actions=None))
    assert fixed.engine.execute(request(fixed), fixed.caller).output["who"] == "shared"


def test_a_workspace_scoped_key_is_denied_other_workspaces(fixed: World) -> None:
    eng = fixed.engine
    other = eng.workspaces.create(fixed.caller, WorkspaceCreate(name="Other", slug="other"))
    key = eng.api_keys.create(fixed.caller, ApiKeyCreate(
        name="ci", permissions={"scope": "workspace", "workspaceIds": [other.id]}))
    scoped = eng.authenticate(key.plain_key.reveal())
    with pytest.raises(ApiError) as caught:
        eng.execute(request(fixed), scoped)
    assert caught.value.code == ErrorCode.SCOPE_DENIED and caught.value.status == 403
    ok = eng.execute(request(fixed, integration_name=NOAUTH, action_name="ping", input={}, workspace_id=other.id),
                     scoped)
    assert eng.executions.get(scoped, ok.execution_id).api_key_id == key.api_key.id


def test_base_url_comes_from_the_connection_then_the_alias_then_the_integration(world: World) -> None:
    eng, caller, ws = world.engine, world.caller, world.workspace
    plain = eng.integrations.create(caller, ws.id, WorkspaceIntegrationCreate(integration_name=NOAUTH, alias="p1"))
    eng.integrations.create(caller, ws.id, WorkspaceIntegrationCreate(
        integration_name=NOAUTH, alias="p2", settings={"baseUrl": "http://alias.example"}))

    def base(alias: str, **kw: object) -> str:
        out = eng.execute(ExecuteRequest(integration_name=NOAUTH, action_name="ping", workspace_id=ws.id,
                                         integration_alias=alias, **kw), caller).output
        return out["baseUrl"]

    assert base("p1") == "https://noauth.invalid"
    assert base("p2") == "http://alias.example"
    world.connection("with-url", "u:tok-12345", integration=NOAUTH, base_url="http://connection.example")
    assert base("p2", connection_external_id="with-url") == "http://connection.example"
    assert plain.settings == {}


def test_persistence_namespaces_follow_the_alias_settings(world: World) -> None:
    eng, caller, ws = world.engine, world.caller, world.workspace
    for alias, settings in [("eu", None), ("wsp", {"persistence": {"scope": "workspace"}}),
                            ("ext", {"persistence": {"scope": "external", "externalId": "tenant-9"}})]:
        eng.integrations.create(caller, ws.id, WorkspaceIntegrationCreate(
            integration_name=NOAUTH, alias=alias, settings=settings))

    def ns(alias: str, end_user: str | None = None) -> str:
        return eng.execute(ExecuteRequest(integration_name=NOAUTH, action_name="ping", workspace_id=ws.id,
                                          integration_alias=alias, end_user_id=end_user), caller).output["namespace"]

    assert ns("eu", "u1") == f"ws:{ws.id}/end_user:u1"
    assert ns("eu") == f"ws:{ws.id}/end_user:anonymous"
    assert ns("wsp", "u1") == ns("wsp") == f"ws:{ws.id}"
    assert ns("ext", "u1") == f"ws:{ws.id}/external:tenant-9"
    with pytest.raises(ApiError) as caught:
        eng.integrations.create(caller, ws.id, WorkspaceIntegrationCreate(
            integration_name=NOAUTH, alias="bad", settings={"persistence": {"scope": "external"}}))
    assert caught.value.code == ErrorCode.VALIDATION_ERROR


def test_the_record_masks_enforced_values(fixed: World) -> None:
    fixed.engine.partials.create(fixed.caller, PartialCreate(
        workspace_id=fixed.workspace.id, integration_name=ECHO, name="lock", values={"mode": "secret-mode-value"},
        enforced_keys=["mode"], is_default=True))
    result = fixed.engine.execute(request(fixed), fixed.caller)
    record = fixed.engine.executions.get(fixed.caller, result.execution_id)
    assert record.input == {"channel": "c", "count": 3, "mode": REDACTED}
    assert record.enforced_keys == ["mode"] and len(record.partial_ids) == 1
    assert "secret-mode-value" not in record.model_dump_json()


def test_an_action_error_is_recorded_as_failed(fixed: World) -> None:
    error = error_of(fixed, request(fixed, action_name="leak_api_error", input={}))
    assert error.code == ErrorCode.ACTION_FAILED and error.details["status"] == 401
    page = fixed.engine.executions.list_page(fixed.caller)
    assert page.items[0].status == "failed" and page.items[0].error_code == "ACTION_FAILED"
