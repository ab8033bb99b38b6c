"""Approval requests (issue 17; weavz-api.md §1.8, §2.8): made by the gate, decided by people, consumed by the retry.

Lifecycle. The gate finds a ``require_approval`` policy deciding a call and asks :meth:`ApprovalService.admit`:

- the call's approval is looked up by (organization, idempotency key, input hash). The hash is a keyed digest of the
  resolved call (workspace, integration, action, alias, connection, end user, final merged input), so an approval
  covers exactly what was reviewed: the same key with a changed input finds nothing and asks again;
- none: a ``pending`` approval is made (``approval.requested``) and :class:`ApprovalRequiredError` raised;
- ``pending``: the same error again, until it is decided or its ``expiresAt`` passes;
- ``approved``: the call may run. With the caller's own key, the idempotency ledger then makes it run once and replay
  afterwards; the approval becomes ``consumed`` as the run starts (a run that fails may be retried under the same key:
  it succeeds at most once). Without a key, the gate derives one from the input hash (shown in the 202 as
  ``retry.idempotencyKey``) and consuming the approval is what lets one retry through: a later identical call without
  a key asks again;
- ``rejected`` / ``canceled`` / ``expired``: the call is refused with APPROVAL_REJECTED / _CANCELED / _EXPIRED.

Every transition is one conditional UPDATE (``WHERE status = 'pending'``...), so two deciders, a decider and the
expiry sweep, or two retries never both win; listeners (:meth:`subscribe`: webhook deliveries) run inside the
transition's transaction, so an event is recorded exactly when its transition is. Approved requests must be retried
within the policy's ``timeoutSeconds`` of the decision (the receipt's ``expiresAt``).

Deciding (:meth:`decide`) needs ``permissions.approvals.decide`` (the operator in process always may), may not be done
by the key that made the request, and is refused for ``hosted_link_only`` policies except through the link
(``via="link"``, with no caller: the link token is the authority). The requester may always cancel.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from weavz_flow.engine import tables as t
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.credential_cipher import CredentialCipher
from weavz_flow.engine.gates.model import GateVerdict, Policy
from weavz_flow.engine.gates.pending import ApprovalRequiredError
from weavz_flow.engine.gates.preview import preview_of
from weavz_flow.engine.services.scope import not_found, page_bounds
from weavz_flow.engine.stamps import format_time, new_id, parse_time, utc_now
from weavz_flow.engine.store import Store
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.wire.approvals import Approval, ApprovalList, DecisionReceipt
from weavz_flow.wire.vocabulary import (
    ApprovalAccessMode,
    ApprovalDecision,
    ApprovalEvent,
    ApprovalStatus,
    DefaultOnTimeout,
)

_a = t.approvals

DERIVED_KEY_PREFIX = "apv_"  # a key the gate made for a call that came without one
RECEIPT_PREFIX = "rcpt_"


class Via:
    """How a decision was made (``decidedVia``)."""

    API = "api"
    CLI = "cli"
    LINK = "link"
    POLICY = "policy"  # auto_approve / notify_only: the policy decided
    REUSE = "reuse"  # an identical call approved by a person within the policy's reuseWindowSeconds
    TIMEOUT = "timeout"


class Action:
    APPROVE = "approve"
    REJECT = "reject"
    CANCEL = "cancel"


_DECIDED: dict[str, tuple[ApprovalStatus, ApprovalEvent]] = {
    Action.APPROVE: (ApprovalStatus.APPROVED, ApprovalEvent.APPROVED),
    Action.REJECT: (ApprovalStatus.REJECTED, ApprovalEvent.REJECTED),
    Action.CANCEL: (ApprovalStatus.CANCELED, ApprovalEvent.CANCELED),
}
_REFUSED: dict[str, ErrorCode] = {
    ApprovalStatus.REJECTED: ErrorCode.APPROVAL_REJECTED,
    ApprovalStatus.CANCELED: ErrorCode.APPROVAL_CANCELED,
    ApprovalStatus.EXPIRED: ErrorCode.APPROVAL_EXPIRED,
}

# (conn, approval after the transition, event, receipt of a decision or None), inside the transition's transaction.
Listener = Callable[[sa.Connection, Approval, ApprovalEvent, DecisionReceipt | None], None]


@dataclass(frozen=True, slots=True)
class ApprovalCall:
    """What the gate hands over: the resolved call, the winning policy, and who asked."""

    org_id: str
    workspace_id: str
    requested_by_api_key_id: str | None
    source: str
    integration_name: str
    action_name: str
    workspace_integration_id: str | None
    integration_alias: str | None
    connection_strategy: str | None
    connection_id: str | None
    end_user_id: str | None
    mcp_server_id: str | None
    input: Mapping[str, Any]
    partial_ids: tuple[str, ...]
    enforced_keys: tuple[str, ...]
    secrets: tuple[str, ...]  # masked in the preview (the credential's strings, the caller's redactions)
    idempotency_key: str | None  # the caller's own; None: the gate derives one


@dataclass(frozen=True, slots=True)
class Admission:
    """The call may run: under ``idempotency_key`` (the caller's, or None for a derived one, which needs no ledger),
    and the approval ``approval_id`` is marked with the execution afterwards."""

    approval_id: str
    idempotency_key: str | None


@dataclass(frozen=True, slots=True)
class ListFilters:
    workspace_id: str | None = None
    status: ApprovalStatus | None = None
    source: str | None = None
    integration_name: str | None = None
    workspace_integration_id: str | None = None
    integration_alias: str | None = None
    action_name: str | None = None
    limit: int | None = None


class ApprovalService:
    def __init__(self, store: Store, cipher: CredentialCipher) -> None:
        self._store = store
        self._cipher = cipher
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    # -- the gate ---------------------------------------------------------------------------------------------------

    def input_hash(self, call: ApprovalCall) -> str:
        bound = {
            "workspaceId": call.workspace_id, "integrationName": call.integration_name,
            "actionName": call.action_name, "workspaceIntegrationId": call.workspace_integration_id,
            "connectionId": call.connection_id, "endUserId": call.end_user_id, "input": call.input,
        }
        text = json.dumps(bound, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
        return self._cipher.keyed_digest("approval-input", text.encode("utf-8"))

    def admit(self, call: ApprovalCall, verdict: GateVerdict) -> Admission:
        """For a call a policy gates: the admission to run, or :class:`ApprovalRequiredError`, or the refusal."""
        policy = verdict.policy
        assert policy is not None
        digest = self.input_hash(call)
        key = call.idempotency_key or f"{DERIVED_KEY_PREFIX}{digest[:48]}"
        now = utc_now()
        # Answers that are not an admission are returned from the transaction and raised after it: what the
        # transaction wrote (a new pending approval, a timeout) must commit.
        with self._store.write() as conn:
            outcome = self._admit(conn, call, verdict, policy, digest, key, now)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def _admit(
        self, conn: sa.Connection, call: ApprovalCall, verdict: GateVerdict, policy: Policy, digest: str, key: str,
        now: str,
    ) -> Admission | ApprovalRequiredError | ApiError:
        if policy.decision is not ApprovalDecision.REQUIRE_APPROVAL:  # auto_approve, notify_only
            auto = self._insert(conn, call, verdict, digest, key, now, status=ApprovalStatus.APPROVED,
                                decided_via=Via.POLICY, reason=f"{policy.decision} by policy {policy.name}")
            if policy.decision is ApprovalDecision.NOTIFY_ONLY:
                self._emit(conn, auto, ApprovalEvent.APPROVED)
            return self._consume(conn, auto, call.idempotency_key)
        found = self._find(conn, call.org_id, key, digest, derived=call.idempotency_key is None)
        if found is not None and found["status"] == ApprovalStatus.PENDING and found["expires_at"] <= now:
            found = self._time_out(conn, found) or self._reread(conn, found["id"])
        if found is None or (call.idempotency_key is None and found["status"] not in _OPEN):
            reused = self._reusable(conn, policy, call.org_id, digest, now)
            if reused is not None:
                again = self._insert(conn, call, verdict, digest, key, now, status=ApprovalStatus.APPROVED,
                                     decided_via=Via.REUSE, reason=f"reuses approval {reused}")
                return self._consume(conn, again, call.idempotency_key)
            made = self._insert(conn, call, verdict, digest, key, now, status=ApprovalStatus.PENDING)
            self._emit(conn, made, ApprovalEvent.REQUESTED)
            return ApprovalRequiredError(_wire(made), key)
        row = found
        status = row["status"]
        if status == ApprovalStatus.PENDING:
            return ApprovalRequiredError(_wire(row), key)
        if status == ApprovalStatus.APPROVED and row["expires_at"] <= now:
            expired = self._transition(conn, row["id"], (ApprovalStatus.APPROVED,), {
                "status": ApprovalStatus.EXPIRED, "updated_at": now})
            if expired is not None:
                self._emit(conn, expired, ApprovalEvent.EXPIRED)
            return _refusal(expired or row, ApprovalStatus.EXPIRED)
        if status in (ApprovalStatus.APPROVED, ApprovalStatus.CONSUMED):
            return self._consume(conn, row, call.idempotency_key)
        return _refusal(row, ApprovalStatus(status))

    def executed(self, approval_id: str, execution_id: str) -> None:
        """Which execution an approval let through (shown on the approval and in a flow's run record)."""
        with self._store.write() as conn:
            conn.execute(sa.update(_a).where(_a.c.id == approval_id)
                         .values(execution_id=execution_id, updated_at=utc_now()))

    # -- the API ----------------------------------------------------------------------------------------------------

    def get(self, caller: Caller, approval_id: str) -> Approval:
        with self._store.read() as conn:
            return _wire(self._visible(conn, caller, approval_id))

    def get_any(self, conn: sa.Connection, approval_id: str) -> Approval | None:
        """An approval by id with no caller (the hosted page, which holds a link token for it; flows resuming)."""
        row = conn.execute(sa.select(_a).where(_a.c.id == approval_id)).first()
        return _wire(dict(row._mapping)) if row is not None else None

    def list(self, caller: Caller, filters: ListFilters) -> ApprovalList:
        if filters.workspace_integration_id is not None and filters.integration_alias is not None:
            message = "Give workspaceIntegrationId or integrationAlias, not both"
            raise ApiError(ErrorCode.VALIDATION_ERROR, message, details={"fields": [
                {"field": "workspaceIntegrationId", "message": message},
                {"field": "integrationAlias", "message": message}]})
        limit, _ = page_bounds(filters.limit, None, default=50, maximum=200)
        where: list[sa.ColumnElement[bool]] = [_a.c.org_id == caller.org_id]
        if caller.workspace_ids is not None:
            where.append(_a.c.workspace_id.in_(sorted(caller.workspace_ids)))
        for column, value in ((_a.c.workspace_id, filters.workspace_id), (_a.c.status, filters.status),
                              (_a.c.source, filters.source), (_a.c.integration_name, filters.integration_name),
                              (_a.c.workspace_integration_id, filters.workspace_integration_id),
                              (_a.c.integration_alias, filters.integration_alias),
                              (_a.c.action_name, filters.action_name)):
            if value is not None:
                where.append(column == str(value))
        with self._store.read() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(_a).where(*where)).scalar_one()
            rows = conn.execute(sa.select(_a).where(*where)
                                .order_by(_a.c.created_at.desc(), _a.c.id.desc()).limit(limit)).all()
        return ApprovalList(approvals=[_wire(dict(r._mapping)) for r in rows], total=int(total))

    def decide(
        self, caller: Caller | None, approval_id: str, action: str, *, reason: str | None = None,
        metadata: Mapping[str, Any] | None = None, via: str = Via.API, conn: sa.Connection | None = None,
    ) -> tuple[Approval, DecisionReceipt]:
        """Approve, reject or cancel a pending approval. ``caller`` None only for a hosted link's decision, whose
        token the caller (the page) has checked, inside ``conn`` (the link's own transaction)."""
        if conn is not None:
            outcome = self._decide(conn, caller, approval_id, action, reason, metadata, via)
        else:
            with self._store.write() as own:  # a timeout found on the way commits before its error is raised
                outcome = self._decide(own, caller, approval_id, action, reason, metadata, via)
        if isinstance(outcome, ApiError):
            raise outcome
        return outcome

    def expire_due(self, now: str | None = None) -> int:
        """Time out every pending approval past its ``expiresAt`` (per its policy's ``defaultOnTimeout``); how many.
        Each one is its own conditional UPDATE, so several sweepers (processes on PostgreSQL) time each out once."""
        now = now or utc_now()
        with self._store.read() as conn:
            due = [dict(r._mapping) for r in conn.execute(sa.select(_a).where(
                _a.c.status == ApprovalStatus.PENDING, _a.c.expires_at <= now).order_by(_a.c.expires_at).limit(500))]
        done = 0
        for row in due:
            with self._store.write() as conn:
                if self._time_out(conn, row, now) is not None:
                    done += 1
        return done

    # -- internals --------------------------------------------------------------------------------------------------

    def _decide(
        self, conn: sa.Connection, caller: Caller | None, approval_id: str, action: str, reason: str | None,
        metadata: Mapping[str, Any] | None, via: str,
    ) -> tuple[Approval, DecisionReceipt] | ApiError:
        if action not in _DECIDED:
            raise ValueError(f"unknown decision {action!r}")
        if caller is not None:
            row = self._visible(conn, caller, approval_id)
            requester = row["requested_by_api_key_id"]
            own = requester is not None and requester == caller.api_key_id
            if action != Action.CANCEL or not own:
                if not caller.may_decide_approvals:
                    raise ApiError(ErrorCode.APPROVAL_DECISION_SCOPE_REQUIRED,
                                   "Deciding approvals needs an API key with permissions.approvals.decide",
                                   details={"approvalId": approval_id})
                if own:
                    raise ApiError(ErrorCode.APPROVAL_SELF_DECISION_DENIED,
                                   "An API key may not decide an approval request it made",
                                   details={"approvalId": approval_id})
                if row["approval_access_mode"] == ApprovalAccessMode.HOSTED_LINK_ONLY and action != Action.CANCEL:
                    raise ApiError(ErrorCode.APPROVAL_DECISION_DENIED,
                                   "This approval can only be decided through its hosted approval link",
                                   details={"approvalId": approval_id,
                                            "approvalAccessMode": row["approval_access_mode"]})
        else:
            found = conn.execute(sa.select(_a).where(_a.c.id == approval_id)).first()
            if found is None:
                raise not_found("Approval", approval_id, ErrorCode.APPROVAL_NOT_FOUND)
            row = dict(found._mapping)
        now = utc_now()
        status, event = _DECIDED[action]
        values: dict[str, Any] = {
            "status": status, "decided_at": now, "decided_via": via, "decision_reason": reason,
            "decision_metadata": dict(metadata) if metadata is not None else None,
            "decided_by_api_key_id": caller.api_key_id if caller is not None else None, "updated_at": now,
        }
        if status is ApprovalStatus.APPROVED:
            values["expires_at"] = _plus(now, _retry_window(row))
        decided = self._transition(conn, approval_id, (ApprovalStatus.PENDING,), values, not_after=now)
        if decided is None:
            current = self._reread(conn, approval_id)
            if current["status"] == ApprovalStatus.PENDING:  # past its expiresAt: time it out now
                current = self._time_out(conn, current) or self._reread(conn, approval_id)
                return ApiError(ErrorCode.APPROVAL_EXPIRED, f"Approval '{approval_id}' expired before it was decided",
                                details={"approvalId": approval_id, "status": current["status"]})
            return ApiError(ErrorCode.APPROVAL_ALREADY_DECIDED,
                            f"Approval '{approval_id}' is already {current['status']}",
                            details={"approvalId": approval_id, "status": current["status"]}, status=409)
        receipt = DecisionReceipt(id=f"{RECEIPT_PREFIX}{approval_id}", expires_at=decided["expires_at"])
        self._emit(conn, decided, event, receipt)
        return _wire(decided), receipt

    def _visible(self, conn: sa.Connection, caller: Caller, approval_id: str) -> dict[str, Any]:
        row = conn.execute(sa.select(_a).where(_a.c.id == approval_id, _a.c.org_id == caller.org_id)).first()
        if row is None or not caller.may_access(row.workspace_id):  # outside the key's scope: as if absent
            raise not_found("Approval", approval_id, ErrorCode.APPROVAL_NOT_FOUND)
        return dict(row._mapping)

    def _find(self, conn: sa.Connection, org_id: str, key: str, digest: str, *, derived: bool) -> dict[str, Any] | None:
        query = sa.select(_a).where(_a.c.org_id == org_id, _a.c.idempotency_key == key, _a.c.input_hash == digest)
        if derived:
            query = query.where(_a.c.status.in_(_OPEN))
        row = conn.execute(query.order_by(_a.c.created_at.desc(), _a.c.id.desc()).limit(1)).first()
        return dict(row._mapping) if row is not None else None

    @staticmethod
    def _reusable(conn: sa.Connection, policy: Policy, org_id: str, digest: str, now: str) -> str | None:
        """A person's approval of the identical call within the policy's reuse window, if it sets one."""
        if not policy.reuse_window_seconds:
            return None
        since = _plus(now, -policy.reuse_window_seconds)
        found = conn.execute(sa.select(_a.c.id).where(
            _a.c.org_id == org_id, _a.c.input_hash == digest, _a.c.policy_id == policy.id,
            _a.c.status.in_((ApprovalStatus.APPROVED, ApprovalStatus.CONSUMED)),
            _a.c.decided_via.in_((Via.API, Via.CLI, Via.LINK)), _a.c.decided_at >= since,
        ).order_by(_a.c.decided_at.desc()).limit(1)).scalar_one_or_none()
        return str(found) if found is not None else None

    def _insert(
        self, conn: sa.Connection, call: ApprovalCall, verdict: GateVerdict, digest: str, key: str, now: str, *,
        status: ApprovalStatus, decided_via: str | None = None, reason: str | None = None,
    ) -> dict[str, Any]:
        policy = verdict.policy
        assert policy is not None
        preview = preview_of(call.input, enforced_keys=call.enforced_keys, secrets=call.secrets)
        decided = status is not ApprovalStatus.PENDING
        row = {
            "id": new_id(), "org_id": call.org_id, "workspace_id": call.workspace_id, "policy_id": policy.id,
            "policy_name": policy.name, "status": status, "source": call.source,
            "integration_name": call.integration_name, "action_name": call.action_name,
            "workspace_integration_id": call.workspace_integration_id, "integration_alias": call.integration_alias,
            "connection_strategy": call.connection_strategy, "connection_id": call.connection_id,
            "end_user_id": call.end_user_id, "mcp_server_id": call.mcp_server_id,
            "requested_by_api_key_id": call.requested_by_api_key_id, "idempotency_key": key, "input_hash": digest,
            "input_preview": preview.input, "redacted_paths": list(preview.redacted_paths),
            "risk_reasons": list(verdict.reasons), "risk_score": None, "partial_ids": list(call.partial_ids),
            "enforced_keys": list(call.enforced_keys), "approval_access_mode": policy.approval_access_mode,
            "default_on_timeout": policy.default_on_timeout, "expires_at": _plus(now, policy.timeout_seconds),
            "decided_at": now if decided else None, "decided_by_api_key_id": None,
            "decided_via": decided_via, "decision_reason": reason, "decision_metadata": None,
            "consumed_at": None, "execution_id": None, "created_at": now, "updated_at": now,
        }
        conn.execute(sa.insert(_a).values(**row))
        return row

    def _consume(self, conn: sa.Connection, row: Mapping[str, Any], caller_key: str | None) -> Admission | ApiError:
        now = utc_now()
        if row["status"] == ApprovalStatus.APPROVED:
            consumed = self._transition(conn, row["id"], (ApprovalStatus.APPROVED,), {
                "status": ApprovalStatus.CONSUMED, "consumed_at": now, "updated_at": now})
            if consumed is None and caller_key is None:
                # A twin retry without a key consumed it first: this call must be approved on its own.
                return ApiError(ErrorCode.APPROVAL_ALREADY_DECIDED,
                                f"Approval '{row['id']}' was used by another call; ask again",
                                details={"approvalId": row["id"], "status": ApprovalStatus.CONSUMED}, status=409)
        return Admission(approval_id=str(row["id"]), idempotency_key=caller_key)

    def _time_out(self, conn: sa.Connection, row: Mapping[str, Any], now: str | None = None) -> dict[str, Any] | None:
        now = now or utc_now()
        reject = row["default_on_timeout"] == DefaultOnTimeout.REJECT
        status = ApprovalStatus.REJECTED if reject else ApprovalStatus.EXPIRED
        done = self._transition(conn, row["id"], (ApprovalStatus.PENDING,), {
            "status": status, "decided_at": now if reject else None, "decided_via": Via.TIMEOUT,
            "decision_reason": "timed out" if reject else None, "updated_at": now}, due_by=now)
        if done is not None:
            self._emit(conn, done, ApprovalEvent.REJECTED if reject else ApprovalEvent.EXPIRED)
        return done

    @staticmethod
    def _transition(
        conn: sa.Connection, approval_id: str, statuses: Iterable[ApprovalStatus], values: Mapping[str, Any], *,
        not_after: str | None = None, due_by: str | None = None,
    ) -> dict[str, Any] | None:
        """One conditional UPDATE: the row after it, or None when another transition won."""
        query = sa.update(_a).where(_a.c.id == approval_id, _a.c.status.in_([str(s) for s in statuses]))
        if not_after is not None:  # still open at this moment
            query = query.where(_a.c.expires_at > not_after)
        if due_by is not None:  # already past its deadline
            query = query.where(_a.c.expires_at <= due_by)
        done = conn.execute(query.values(**values).returning(*_a.c)).first()
        return dict(done._mapping) if done is not None else None

    @staticmethod
    def _reread(conn: sa.Connection, approval_id: str) -> dict[str, Any]:
        return dict(conn.execute(sa.select(_a).where(_a.c.id == approval_id)).one()._mapping)

    def _emit(self, conn: sa.Connection, row: Mapping[str, Any], event: ApprovalEvent,
              receipt: DecisionReceipt | None = None) -> None:
        if self._listeners:
            approval = _wire(row)
            for listener in self._listeners:
                listener(conn, approval, event, receipt)


_OPEN = (ApprovalStatus.PENDING, ApprovalStatus.APPROVED)


def _retry_window(row: Mapping[str, Any]) -> int:
    """How long an approved request may wait for its retry: as long as it was given to be decided."""
    created, expires = parse_time(row["created_at"]), parse_time(row["expires_at"])
    return max(60, int((expires - created).total_seconds()))


def _plus(moment: str, seconds: int) -> str:
    return format_time(parse_time(moment) + timedelta(seconds=seconds))


def _refusal(row: Mapping[str, Any], status: ApprovalStatus) -> ApiError:
    code = _REFUSED[status]
    reason = row.get("decision_reason")
    text = {ApprovalStatus.REJECTED: "was rejected", ApprovalStatus.CANCELED: "was canceled",
            ApprovalStatus.EXPIRED: "expired"}[status]
    message = f"Approval '{row['id']}' {text}" + (f": {reason}" if reason else "")
    return ApiError(code, message, details={"approvalId": row["id"], "status": str(status),
                                            "decidedAt": row.get("decided_at"), "reason": reason})


def _wire(row: Mapping[str, Any]) -> Approval:
    return Approval(
        id=row["id"], workspace_id=row["workspace_id"], policy_id=row["policy_id"], policy_name=row["policy_name"],
        status=ApprovalStatus(row["status"]), source=row["source"], integration_name=row["integration_name"],
        action_name=row["action_name"], workspace_integration_id=row["workspace_integration_id"],
        integration_alias=row["integration_alias"], connection_strategy=row["connection_strategy"],
        end_user_id=row["end_user_id"], mcp_server_id=row["mcp_server_id"], input_hash=row["input_hash"],
        input_preview=dict(row["input_preview"] or {}), redacted_paths=list(row["redacted_paths"] or []),
        risk_reasons=list(row["risk_reasons"] or []), risk_score=row["risk_score"],
        partial_ids=list(row["partial_ids"] or []), enforced_keys=list(row["enforced_keys"] or []),
        idempotency_key=row["idempotency_key"], approval_access_mode=ApprovalAccessMode(row["approval_access_mode"]),
        expires_at=row["expires_at"], decided_at=row["decided_at"], decided_by_api_key_id=row["decided_by_api_key_id"],
        decided_via=row["decided_via"], decision_reason=row["decision_reason"], consumed_at=row["consumed_at"],
        execution_id=row["execution_id"], created_at=row["created_at"], updated_at=row["updated_at"],
    )
