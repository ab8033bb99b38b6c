"""The execute pipeline (DESIGN.md "Execute pipeline", steps 1-9).

Steps 1-7 (authorize, catalog, alias, connection, partials, merge, validate) run in one read transaction and give a
:class:`Prepared` value; the action then runs with no database connection held; its outcome is recorded afterwards.
Secrets: the credential lives only in the :class:`ActionContext`; every text or value leaving a run (error message,
details, output, recorded input, idempotency result, log line, kv/storage write) passes through a :class:`Redactor`
over the credential's secret strings and the values the request names as secret (``ExecuteRequest.redact``: a flow's
``secrets``, from the runner in process or serve's ``X-Weavz-Flow-Redact`` header).
"""

from __future__ import annotations

import copy
import logging
import time
import traceback
from dataclasses import dataclass, replace
from typing import Any

import httpx
import sqlalchemy as sa

from weavz_flow.catalog.catalog import Catalog
from weavz_flow.catalog.input_check import check_input
from weavz_flow.catalog.model import ActionInfo, IntegrationInfo
from weavz_flow.engine.action_logging import install_library_log_redaction, redacting_library_logs
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.catalog_source import CatalogSource
from weavz_flow.engine.config_cache import ConfigCache, current_config_version, read_config_version
from weavz_flow.engine.execute_values import ConnectionRef, ExecuteRequest, ExecuteResult, ResolvedExecution
from weavz_flow.engine.gates.matching import evaluate
from weavz_flow.engine.gates.model import GateCall, GateVerdict, Policy
from weavz_flow.engine.idempotency import DEFAULT_LIMITS, ExecuteLimits, IdempotencyLedger, request_fingerprint
from weavz_flow.engine.oauth_refresh import TokenRefresher
from weavz_flow.engine.partial_merge import MergedInput, SelectedPartial, merge_input, select_partials
from weavz_flow.engine.persistence import persistence_namespace
from weavz_flow.engine.property_options import PropertyOptions, list_options, option_source
from weavz_flow.engine.provider_context import provider_context
from weavz_flow.engine.resolution import (
    Target,
    check_action_enabled,
    connection_ref,
    pick_workspace_integration,
    provider_base_url,
    resolve_connection,
)
from weavz_flow.engine.services.approval_policies import ApprovalPolicyService
from weavz_flow.engine.services.approvals import Admission, ApprovalCall, ApprovalService
from weavz_flow.engine.services.connections import ConnectionService
from weavz_flow.engine.services.executions import ExecutionLog, cap_output
from weavz_flow.engine.services.scope import workspace_row
from weavz_flow.engine.stamps import new_id, utc_now
from weavz_flow.engine.state_store import SqlStateStore
from weavz_flow.engine.store import Store
from weavz_flow.engine.tables import AnyRow
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.base import ActionContext, Credentials, FileLinks, NativeAction
from weavz_flow.integrations.options import Option
from weavz_flow.redact import REDACTED, Redactor
from weavz_flow.text_check import repair
from weavz_flow.wire.vocabulary import ApprovalDecision

log = logging.getLogger("weavz_flow.engine")


@dataclass(frozen=True, slots=True)
class Prepared:
    request: ExecuteRequest
    caller: Caller
    integration: IntegrationInfo
    action_info: ActionInfo
    native: NativeAction | None
    target: Target
    connection: ConnectionRef | None
    credentials: Credentials | None
    merged: MergedInput
    namespace: str
    base_url: str | None
    policies: tuple[Policy, ...]  # the enabled approval policies that apply to the workspace


# Steps 3-5 as read from the database: alias, connection row, decrypted credential (when running), partials; and the
# workspace's approval policies (read with them, so that the cache that a change of any of them invalidates holds
# them too).
ResolvedConfig = tuple[Target, "AnyRow | None", "Credentials | None", tuple[SelectedPartial, ...], tuple[Policy, ...]]


def _cache_key(request: ExecuteRequest, caller: Caller, for_run: bool) -> tuple[Any, ...]:
    partial_ids = tuple(request.partial_ids) if request.partial_ids is not None else None
    return (caller, request.workspace_id, request.integration_name, request.action_name,
            request.workspace_integration_id, request.integration_alias, request.connection_external_id,
            request.end_user_id, partial_ids, for_run)


class Executor:
    def __init__(
        self,
        store: Store,
        source: CatalogSource,
        connections: ConnectionService,
        executions: ExecutionLog,
        state: SqlStateStore,
        http: httpx.Client,
        tokens: TokenRefresher,
        policies: ApprovalPolicyService,
        approvals: ApprovalService,
        *,
        action_timeout_s: float = 30.0,
        limits: ExecuteLimits = DEFAULT_LIMITS,
        file_links: FileLinks | None = None,
    ) -> None:
        self._store = store
        self._file_links = file_links
        self._source = source
        self._connections = connections
        self._executions = executions
        self._state = state
        self._http = http
        self._tokens = tokens
        self._policies = policies
        self._approvals = approvals
        self._ledger = IdempotencyLedger(store, limits=limits)
        self._limits = limits
        self._cache: ConfigCache[ResolvedConfig] = ConfigCache()
        self._action_timeout_s = action_timeout_s
        install_library_log_redaction()

    # -- public entry points --------------------------------------------------------------------------------------

    def execute(self, request: ExecuteRequest, caller: Caller) -> ExecuteResult:
        # Each write of the pipeline commits as it happens (an idempotency claim before the provider call, an action's
        # state, the record): no transaction spans the action, and a provider call cannot be rolled back anyway.
        with self._store.own_transactions():
            return self._execute(request, caller)

    def _execute(self, request: ExecuteRequest, caller: Caller) -> ExecuteResult:
        prepared = self._prepare(request, caller, for_run=True)
        problems = check_input(prepared.action_info, prepared.merged.values)
        if problems:
            raise validation_error(prepared.action_info, problems)
        admission: Admission | None = None
        verdict = self._verdict(prepared)
        if verdict.decision is ApprovalDecision.BLOCK:
            raise _blocked(prepared, verdict)
        if verdict.decision is not None:
            if request.idempotency_key:  # a call that already ran replays, whatever the policies say now
                recorded = self._ledger.completed(caller.org_id, request.idempotency_key, fingerprint_of(request))
                if recorded is not None:
                    return _replayed(prepared, recorded)
            admission = self._approvals.admit(self._approval_call(prepared), verdict)  # 202 / refusals raise
        result = self._claimed_run(prepared)
        if admission is not None and not result.replayed:
            self._approvals.executed(admission.approval_id, result.execution_id)
        return result

    def _claimed_run(self, prepared: Prepared) -> ExecuteResult:
        request, caller = prepared.request, prepared.caller
        # Counted from before the claim, so that the claim is never older than the execute's time allowance.
        deadline = time.monotonic() + self._limits.max_execute_s
        if request.idempotency_key:
            claim = self._ledger.claim(caller.org_id, request.idempotency_key, fingerprint_of(request))
            if claim.replay is not None:
                return _replayed(prepared, claim.replay)
            try:
                result = self._run(prepared, deadline)
            except BaseException:
                self._ledger.release(claim)
                raise
            recorded = self._ledger.complete(claim, {
                "output": _jsonable(result.output), "duration": result.duration_ms, "executionId": result.execution_id})
            if not recorded:  # only if this execute outlived the bound the takeover rests on (a paused process)
                log.warning("execution %s finished after its idempotency claim was taken over", result.execution_id)
            return result
        return self._run(prepared, deadline)

    # -- the gate -------------------------------------------------------------------------------------------------

    def _verdict(self, prepared: Prepared) -> GateVerdict:
        if not prepared.policies:
            return _ALLOW
        request = prepared.request
        return evaluate(prepared.policies, GateCall(
            workspace_id=request.workspace_id, source=request.source, integration_name=prepared.integration.name,
            action_name=prepared.action_info.name, integration_alias=prepared.target.alias,
            workspace_integration_id=prepared.target.id, connection_strategy=_strategy(prepared),
            end_user_id=request.end_user_id, mcp_server_id=request.mcp_server_id, input=prepared.merged.values,
        ))

    def _approval_call(self, prepared: Prepared) -> ApprovalCall:
        request, merged = prepared.request, prepared.merged
        secrets = (*(prepared.credentials.secret_strings() if prepared.credentials is not None else ()),
                   *request.redact)
        return ApprovalCall(
            org_id=prepared.caller.org_id, workspace_id=request.workspace_id,
            requested_by_api_key_id=prepared.caller.api_key_id, source=str(request.source),
            integration_name=prepared.integration.name, action_name=prepared.action_info.name,
            workspace_integration_id=prepared.target.id, integration_alias=prepared.target.alias,
            connection_strategy=_strategy(prepared),
            connection_id=prepared.connection.id if prepared.connection is not None else None,
            end_user_id=request.end_user_id, mcp_server_id=request.mcp_server_id, input=_jsonable(merged.values),
            partial_ids=merged.partial_ids, enforced_keys=merged.enforced_keys, secrets=secrets,
            idempotency_key=request.idempotency_key,
        )

    def resolve(self, request: ExecuteRequest, caller: Caller) -> ResolvedExecution:
        """Steps 1-7 without running: the final input, the enforced keys, the connection that would be used."""
        prepared = self._prepare(request, caller, for_run=False)
        merged = prepared.merged
        return ResolvedExecution(
            integration_name=prepared.integration.name,
            action_name=prepared.action_info.name,
            workspace_id=request.workspace_id,
            workspace_integration_id=prepared.target.id,
            integration_alias=prepared.target.alias,
            connection=prepared.connection,
            input=dict(merged.values),
            partial_ids=merged.partial_ids,
            partials=merged.partials,
            enforced_keys=merged.enforced_keys,
            overridden_keys=merged.overridden_keys,
            sources=dict(merged.sources),
            namespace=prepared.namespace,
            base_url=prepared.base_url,
            executable=prepared.native is not None,
            problems=check_input(prepared.action_info, merged.values),
        )

    def list_options(
        self, request: ExecuteRequest, caller: Caller, property_name: str, search: str | None,
    ) -> PropertyOptions:
        """A property's dynamic options: steps 1-6 as for an execute of the action (the same alias, connection and
        partials), then the provider's listing with that connection instead of the action."""
        integration = self._source.catalog().integration(request.integration_name)  # 404s before anything else
        action_info = self._source.catalog().action(integration.name, request.action_name)
        source = option_source(self._source.natives, action_info, property_name)  # 400 NOT_DYNAMIC
        prepared = self._prepare(request, caller, for_run=True)
        # An OAuth access token near its expiry is refreshed first, as for a run of the action.
        credentials = self._tokens.fresh(caller.org_id, prepared.connection, prepared.credentials)
        ctx, _ = self._context(prepared, time.monotonic() + self._limits.max_execute_s, credentials)
        try:
            with redacting_library_logs(ctx.redactor):
                listed = list_options(source, ctx, prepared.merged, property_name, search)
        except ApiError as exc:
            raise redacted_error(exc, ctx.redactor) from None
        except Exception as exc:  # a listing bug or an untranslated library error, as _run answers it
            log.debug("unexpected error listing options of %s.%s:\n%s", action_info.key, property_name,
                      ctx.redactor.text("".join(traceback.format_exception(exc))))
            raise ApiError(ErrorCode.OPTIONS_FAILED,
                           ctx.redactor.text(f"Listing {source.name} failed: {type(exc).__name__}: {exc}"),
                           details={"integrationName": integration.name, "actionName": action_info.name,
                                    "propertyName": property_name}) from None
        # As an action's output: the credential's strings masked, a provider's lone surrogate made printable.
        redact = ctx.redactor
        return replace(listed, options=tuple(Option(repair(redact.text(o.label)), repair(redact.data(o.value)))
                                             for o in listed.options))

    # -- steps 1-7 ------------------------------------------------------------------------------------------------

    def _prepare(self, request: ExecuteRequest, caller: Caller, *, for_run: bool) -> Prepared:
        catalog = self._source.catalog()
        key = _cache_key(request, caller, for_run)
        resolved = self._cache.get(key, current_config_version(self._store))
        if resolved is not None:
            # The key holds the caller, so its scope was checked when the entry was made; checking again is cheap.
            caller.check_workspace(request.workspace_id)
            integration, action_info, native = self._catalog_step(catalog, request, for_run=for_run)
        else:
            with self._store.read() as conn:
                version = read_config_version(conn)
                workspace_row(conn, caller, request.workspace_id)  # 1: 403 SCOPE_DENIED / 404
                integration, action_info, native = self._catalog_step(catalog, request, for_run=for_run)
                resolved = self._resolve_config(conn, request, caller, integration, action_info.name,
                                                for_run=for_run)
            self._cache.put(key, version, resolved)
        target, row, credentials, partials, policies = resolved
        if partials:
            # Actions get the merged values; a nested value from a cached partial must not be shared with them.
            partials = tuple(replace(p, values=copy.deepcopy(p.values)) for p in partials)
        merged = merge_input(action_info.defaults(), partials, request.input)  # 6
        namespace = persistence_namespace(request.workspace_id, target.settings, request.end_user_id)
        default_base = self._source.natives[integration.name].default_base_url if native is not None else None
        base_url = provider_base_url(integration, target, row, default_base)
        connection = connection_ref(row) if row is not None else None
        return Prepared(request, caller, integration, action_info, native, target, connection, credentials, merged,
                        namespace, base_url, policies)

    def _resolve_config(
        self, conn: sa.Connection, request: ExecuteRequest, caller: Caller, integration: IntegrationInfo,
        action_name: str, *, for_run: bool,
    ) -> ResolvedConfig:
        """Steps 3-5 from the database: the alias, the connection (and its credential when running), the partials."""
        target = pick_workspace_integration(  # 3
            conn, request.workspace_id, integration.name,
            workspace_integration_id=request.workspace_integration_id,
            integration_alias=request.integration_alias,
        )
        check_action_enabled(target, action_name)
        row = resolve_connection(  # 4
            conn, org_id=caller.org_id, workspace_id=request.workspace_id, integration_name=integration.name,
            needs_connection=integration.needs_connection, target=target,
            connection_external_id=request.connection_external_id, end_user_id=request.end_user_id,
        )
        credentials = self._connections.load_credentials(conn, row.id) if (row is not None and for_run) else None
        partials = select_partials(  # 5
            conn, workspace_id=request.workspace_id, target=target, action_name=action_name,
            partial_ids=request.partial_ids,
        )
        policies = self._policies.applicable(conn, caller.org_id, request.workspace_id) if for_run else ()
        return target, row, credentials, tuple(partials), policies

    def _catalog_step(
        self, catalog: Catalog, request: ExecuteRequest, *, for_run: bool,
    ) -> tuple[IntegrationInfo, ActionInfo, NativeAction | None]:
        integration = catalog.integration(request.integration_name)  # 2: 404s
        action_info = catalog.action(request.integration_name, request.action_name)
        native = self._native(integration.name, action_info.name)
        if for_run and native is None:
            raise ApiError(
                ErrorCode.NATIVE_ACTION_UNSUPPORTED,
                f"'{action_info.key}' is in the Weavz catalog but does not run on the local engine; "
                "run it through a hosted Weavz backend",
                details={"integrationName": integration.name, "actionName": action_info.name},
            )
        return integration, action_info, native

    def _native(self, integration: str, action: str) -> NativeAction | None:
        native = self._source.natives.get(integration)
        return native.actions.get(action) if native is not None else None

    # -- steps 8-9 ------------------------------------------------------------------------------------------------

    def _context(
        self, prepared: Prepared, deadline: float, credentials: Credentials | None,
    ) -> tuple[ActionContext, list[str]]:
        """What a provider call gets (credentials, HTTP client, persistence, redaction), and the secrets redacted."""
        request = prepared.request
        return provider_context(
            integration=prepared.integration.name, name=prepared.action_info.name, http=self._http,
            credentials=credentials, base_url=prepared.base_url, state=self._state, namespace=prepared.namespace,
            file_links=self._file_links, redact=request.redact, timeout=self._action_timeout_s, deadline=deadline,
            idempotency_key=request.idempotency_key, provider_retries=request.provider_retries,
        )

    def _run(self, prepared: Prepared, deadline: float) -> ExecuteResult:
        # An OAuth access token is refreshed before it expires, and once more if the provider refuses it (401); a
        # refresh that fails is the execution's failure.
        org_id, connection = prepared.caller.org_id, prepared.connection
        started = time.perf_counter()
        output: Any = None
        secrets = list(prepared.credentials.secret_strings() if prepared.credentials is not None else ())
        try:
            credentials = self._tokens.fresh(org_id, connection, prepared.credentials)
            output, failure, secrets = self._attempt(prepared, credentials, deadline)
            renewed = self._tokens.after_unauthorized(org_id, connection, credentials, failure) if failure else None
            if renewed is not None:
                output, failure, more = self._attempt(prepared, renewed, deadline)
                secrets = [*secrets, *more]
        except ApiError as exc:  # only a refresh raises here: _attempt returns the action's failures
            failure = redacted_error(exc, Redactor([*secrets, *prepared.request.redact]))
        duration_ms = round((time.perf_counter() - started) * 1000, 3)
        execution_id = new_id()
        self._record(prepared, secrets, execution_id, duration_ms, output, failure)
        if failure is not None:
            # Raised outside the except blocks so the original exception (whose text may hold a secret) is not
            # chained onto it as __context__.
            raise failure
        return ExecuteResult(
            output=output,
            duration_ms=duration_ms,
            execution_id=execution_id,
            workspace_integration_id=prepared.target.id,
            integration_alias=prepared.target.alias,
            connection_id=prepared.connection.id if prepared.connection else None,
            partial_ids=prepared.merged.partial_ids,
            enforced_keys=prepared.merged.enforced_keys,
            partials=prepared.merged.partials,
        )

    def _attempt(
        self, prepared: Prepared, credentials: Credentials | None, deadline: float,
    ) -> tuple[Any, ApiError | None, list[str]]:
        """One run of the action: its output (redacted) or failure, and the secret strings it was redacted with."""
        ctx, secrets = self._context(prepared, deadline, credentials)
        redactor = ctx.redactor
        assert prepared.native is not None
        failure: ApiError | None = None
        output: Any = None
        try:
            with redacting_library_logs(redactor):
                output = prepared.native.run(ctx, dict(prepared.merged.values))
        except ApiError as exc:
            failure = redacted_error(exc, redactor)
        except Exception as exc:  # an action bug or an untranslated library error: one line out, traceback to the log
            failure = ApiError(
                ErrorCode.ACTION_FAILED,
                redactor.text(f"{prepared.action_info.key} failed: {type(exc).__name__}: {exc}"),
                details={"integrationName": prepared.integration.name, "actionName": prepared.action_info.name},
            )
            log.debug("unexpected error in %s:\n%s", prepared.action_info.key,
                      redactor.text("".join(traceback.format_exception(exc))))
        return repair(redactor.data(output)), failure, secrets  # a lone surrogate must not make the response fail

    def _record(
        self, prepared: Prepared, secrets: list[str], execution_id: str, duration_ms: float, output: Any,
        failure: ApiError | None,
    ) -> None:
        request = prepared.request
        merged = prepared.merged
        recorded_input = {k: (REDACTED if k in merged.enforced_keys else v) for k, v in merged.values.items()}
        # Enforced values may be secrets of their own (a locked API route, a tenant id): the record masks them
        # wherever they show up, the output included, on top of the credential's strings.
        enforced_text = [v for k, v in merged.values.items() if k in merged.enforced_keys and isinstance(v, str)]
        redactor = Redactor([*secrets, *enforced_text])
        capped, truncated = cap_output(redactor.data(output)) if failure is None else (None, False)
        try:
            self._executions.record({
                "id": execution_id,
                "org_id": prepared.caller.org_id,
                "workspace_id": request.workspace_id,
                "api_key_id": prepared.caller.api_key_id,
                "integration_name": prepared.integration.name,
                "action_name": prepared.action_info.name,
                "workspace_integration_id": prepared.target.id,
                "integration_alias": prepared.target.alias,
                "connection_id": prepared.connection.id if prepared.connection else None,
                "end_user_id": request.end_user_id,
                "partial_ids": list(merged.partial_ids),
                "applied_partials": [p.to_json() for p in merged.partials],
                "enforced_keys": list(merged.enforced_keys),
                "input": redactor.data(_jsonable(recorded_input)),
                "status": "failed" if failure is not None else "success",
                "duration_ms": duration_ms,
                "error_code": str(failure.code) if failure is not None else None,
                "error_message": redactor.text(failure.message) if failure is not None else None,
                "output": capped,
                "output_truncated": truncated,
                "idempotency_key": request.idempotency_key,
                "source": str(request.source),
                "created_at": utc_now(),
            })
        except sa.exc.SQLAlchemyError as exc:
            # The action has run; losing its record must not turn its result into an error for the caller.
            log.error("could not record execution %s: %s", execution_id, type(exc).__name__)


_ALLOW = GateVerdict(decision=None, policy=None, matched=(), reasons=())


def _strategy(prepared: Prepared) -> str | None:
    """How the connection was picked: the alias's strategy, or None when the call named a connection itself."""
    integration = prepared.target.integration
    if integration is None or prepared.request.connection_external_id is not None:
        return None
    return str(integration.connection_strategy)


def _blocked(prepared: Prepared, verdict: GateVerdict) -> ApiError:
    policy = verdict.policy
    assert policy is not None
    return ApiError(
        ErrorCode.APPROVAL_POLICY_BLOCKED,
        f"Approval policy '{policy.name}' blocks {prepared.action_info.key} here",
        details={"policyId": policy.id, "policyName": policy.name,
                 "integrationName": prepared.integration.name, "actionName": prepared.action_info.name,
                 "reasons": list(verdict.reasons)},
    )


def redacted_error(exc: ApiError, redactor: Redactor) -> ApiError:
    details = redactor.data(exc.details) if exc.details is not None else None
    return ApiError(exc.code, redactor.text(exc.message), details=details, status=exc.status)


def validation_error(action: ActionInfo, problems: list[Any]) -> ApiError:
    listed = "; ".join(p.message for p in problems)
    return ApiError(
        ErrorCode.VALIDATION_ERROR,
        f"Invalid input for {action.key}: {listed}",
        details={
            "integrationName": action.integration,
            "actionName": action.name,
            "fields": [{"field": p.field, "problem": p.problem, "message": p.message} for p in problems],
        },
    )


def fingerprint_of(request: ExecuteRequest) -> str:
    """What an idempotency key is bound to: the whole request but the key, with the values it names as secret
    redacted first: the ledger keeps an unkeyed hash, which must not let a reader of the database test guesses."""
    parts = request.model_dump(exclude={"idempotency_key"})
    return request_fingerprint(Redactor(request.redact).data(parts) if request.redact else parts)


def _replayed(prepared: Prepared, recorded: dict[str, Any]) -> ExecuteResult:
    return ExecuteResult(
        output=recorded.get("output"),
        duration_ms=float(recorded.get("duration") or 0.0),
        execution_id=str(recorded.get("executionId") or ""),
        replayed=True,
        workspace_integration_id=prepared.target.id,
        integration_alias=prepared.target.alias,
        connection_id=prepared.connection.id if prepared.connection else None,
        partial_ids=prepared.merged.partial_ids,
        enforced_keys=prepared.merged.enforced_keys,
        partials=prepared.merged.partials,
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
