"""Approval policies (issue 17): CRUD for the API, and the typed policies the gate matches calls against.

A policy belongs to a workspace, or to the whole organization (``workspaceId`` null, which only an org-wide key may
write). A workspace-scoped caller sees and writes only its workspaces' policies; any other is answered as one that
does not exist. Filters naming integrations and aliases are stored as given (the GitOps validator checks them against
the workspace); ``workspaceIntegrationIds`` must name workspace integrations of the policy's workspace (of the
organization for an org-wide policy). Writes bump the configuration version (database triggers, revision 0020), so
every process's execute cache sees them at once.

Webhook approvers sign with a secret that is write-only: one generated when none is given is answered once, in the
create or update that made it; rows keep every approver's secret as one ciphertext of the credential cipher in
``approver_secrets`` and answers say ``webhookSecretSet: true``.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from pydantic import ValidationError
from pydantic.alias_generators import to_camel

from weavz_flow.engine import tables as t
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.credential_cipher import CredentialCipher
from weavz_flow.engine.gates.matching import evaluate
from weavz_flow.engine.gates.model import Approver, GateCall, GateVerdict, Policy
from weavz_flow.engine.gates.rules import check_rules
from weavz_flow.engine.naming import invalid
from weavz_flow.engine.services.scope import not_found, workspace_row
from weavz_flow.engine.stamps import new_id, utc_now
from weavz_flow.engine.store import Store
from weavz_flow.engine.tables import AnyRow
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.wire.approval_policies import (
    ApprovalPolicy,
    ApprovalPolicyCreate,
    ApprovalPolicyUpdate,
    ApproverIn,
    ApproverOut,
    PolicyFields,
    PolicyTest,
)
from weavz_flow.wire.base import invalid_request
from weavz_flow.wire.vocabulary import (
    ApprovalAccessMode,
    ApprovalDecision,
    ApproverType,
    DefaultOnTimeout,
    EndUserMode,
    ExecuteSource,
    RiskMode,
)

_p = t.approval_policies
_wi = t.workspace_integrations

_FILTERS = ("sources", "mcp_server_ids", "workspace_integration_ids", "integration_names", "integration_aliases",
            "action_names", "connection_strategies")
_NOT_NULL = ("name", "enabled", "priority", "end_user_mode", "decision", "risk_mode", "approvers",
             "timeout_seconds", "default_on_timeout", "approval_access_mode")
_ORDER = (_p.c.priority, _p.c.created_at, _p.c.id)


class ApprovalPolicyService:
    def __init__(self, store: Store, cipher: CredentialCipher) -> None:
        self._store = store
        self._cipher = cipher

    # -- the API ----------------------------------------------------------------------------------------------------

    def create(self, caller: Caller, request: ApprovalPolicyCreate) -> ApprovalPolicy:
        """The new policy; a webhook approver's generated secret shows in this answer only."""
        values = self._checked(request.model_dump())
        approvers, stored, shown = _approvers(request.approvers, previous=[])
        now = utc_now()
        row = {"id": new_id(), "org_id": caller.org_id, **values, "approvers": stored,
               "approver_secrets": self._seal(approvers), "created_at": now, "updated_at": now}
        with self._store.write() as conn:
            self._check_place(conn, caller, row["workspace_id"], row["workspace_integration_ids"])
            conn.execute(sa.insert(_p).values(row))
        return _wire(row, shown)

    def list_all(self, caller: Caller, *, workspace_id: str | None = None) -> list[ApprovalPolicy]:
        where: list[Any] = [_p.c.org_id == caller.org_id]
        with self._store.read() as conn:
            if workspace_id is not None:
                workspace_row(conn, caller, workspace_id)
                where.append(_p.c.workspace_id == workspace_id)
            elif caller.workspace_ids is not None:
                where.append(_p.c.workspace_id.in_(sorted(caller.workspace_ids)))
            rows = conn.execute(sa.select(_p).where(*where).order_by(*_ORDER)).all()
        return [_wire(dict(r._mapping)) for r in rows]

    def get(self, caller: Caller, policy_id: str) -> ApprovalPolicy:
        with self._store.read() as conn:
            return _wire(dict(_row(conn, caller, policy_id)._mapping))

    def update(self, caller: Caller, policy_id: str, request: ApprovalPolicyUpdate) -> ApprovalPolicy:
        fields = request.model_fields_set
        if not fields:
            raise ApiError(ErrorCode.NO_UPDATES, "Nothing to update")
        for name in _NOT_NULL:
            if name in fields and getattr(request, name) is None:
                raise invalid(to_camel(name), f"{to_camel(name)} cannot be cleared")
        with self._store.write() as conn:
            current = dict(_row(conn, caller, policy_id)._mapping)
            merged = {**current, **request.model_dump(include=fields - {"approvers"})}
            values = self._checked(merged)
            shown: dict[int, str] = {}
            changes: dict[str, Any] = {k: values[k] for k in values if k in fields or k in ("rules",)}
            if request.approvers is not None:
                previous = self._unseal(current["approver_secrets"])
                approvers, changes["approvers"], shown = _approvers(
                    request.approvers, previous=_previous(current["approvers"], previous))
                changes["approver_secrets"] = self._seal(approvers)
            if "workspace_id" in fields or "workspace_integration_ids" in fields:
                self._check_place(conn, caller, values["workspace_id"], values["workspace_integration_ids"])
            changes["updated_at"] = utc_now()
            conn.execute(sa.update(_p).where(_p.c.id == policy_id).values(changes))
            return _wire({**current, **changes}, shown)

    def delete(self, caller: Caller, policy_id: str) -> str:
        with self._store.write() as conn:
            _row(conn, caller, policy_id)
            conn.execute(sa.delete(_p).where(_p.c.id == policy_id))
        return policy_id

    def draft(self, caller: Caller, body: PolicyFields) -> Policy:
        """A policy that is not saved (``/test``), checked as a create would check it (scope included)."""
        values = self._checked(body.model_dump())
        if values["workspace_id"] is not None:
            caller.check_workspace(values["workspace_id"])
        _, stored, _ = _approvers(body.approvers, previous=[])
        return policy_of({"id": "draft", "org_id": caller.org_id, **values, "approvers": stored})

    def saved(self, caller: Caller, policy_id: str) -> Policy:
        with self._store.read() as conn:
            return policy_of(dict(_row(conn, caller, policy_id)._mapping))

    def test(self, caller: Caller, request: PolicyTest) -> GateVerdict:
        """``approval-policies/test``: the verdict of one policy (a draft body, or ``{id}`` for a saved one) on the
        call ``context`` describes."""
        if set(request.policy) == {"id"}:
            policy = self.saved(caller, str(request.policy["id"]))
        else:
            try:
                body = PolicyFields.model_validate(request.policy)
            except ValidationError as exc:
                raise invalid_request([{**e, "loc": ("policy", *e["loc"])} for e in exc.errors()]) from None
            policy = self.draft(caller, body)
        ctx = request.context
        if ctx.workspace_id is not None:
            caller.check_workspace(ctx.workspace_id)
        call = GateCall(
            workspace_id=ctx.workspace_id or policy.workspace_id or "", source=ctx.source,
            integration_name=ctx.integration_name, action_name=ctx.action_name,
            integration_alias=ctx.integration_alias, workspace_integration_id=ctx.workspace_integration_id,
            connection_strategy=None if ctx.connection_strategy is None else str(ctx.connection_strategy),
            end_user_id=ctx.end_user_id, mcp_server_id=ctx.mcp_server_id, input=ctx.input,
        )
        return evaluate([policy], call)

    # -- for the gate and the webhook approvers ---------------------------------------------------------------------

    def applicable(self, conn: sa.Connection, org_id: str, workspace_id: str) -> tuple[Policy, ...]:
        """The enabled policies of the organization that apply to the workspace (its own and the org-wide ones)."""
        rows = conn.execute(sa.select(_p).where(
            _p.c.org_id == org_id, _p.c.enabled == sa.true(),
            sa.or_(_p.c.workspace_id.is_(None), _p.c.workspace_id == workspace_id),
        ).order_by(*_ORDER)).all()
        return tuple(policy_of(dict(r._mapping)) for r in rows)

    def get_policy(self, conn: sa.Connection, policy_id: str) -> Policy | None:
        row = conn.execute(sa.select(_p).where(_p.c.id == policy_id)).first()
        return policy_of(dict(row._mapping)) if row is not None else None

    def webhook_secret(self, policy_id: str, approver_index: int) -> str | None:
        """The signing secret of the policy's webhook approver at ``approver_index`` (None for another kind)."""
        with self._store.read() as conn:
            sealed = conn.execute(sa.select(_p.c.approver_secrets).where(_p.c.id == policy_id)).scalar_one_or_none()
        found = self._unseal(sealed)
        return found[approver_index] if 0 <= approver_index < len(found) else None

    # -- for plan (GitOps): fingerprints of the write-only secrets ------------------------------------------------

    def secret_fingerprints(self, caller: Caller, policy_ids: Sequence[str]) -> dict[str, tuple[str | None, ...]]:
        """Per policy, a keyed fingerprint of each approver's stored webhook secret (None for one without), so a
        plan can tell a changed secret without reading it; one query for all the policies."""
        if not policy_ids:
            return {}
        with self._store.read() as conn:
            rows = conn.execute(sa.select(_p.c.id, _p.c.workspace_id, _p.c.approvers, _p.c.approver_secrets).where(
                _p.c.id.in_(list(policy_ids)), _p.c.org_id == caller.org_id)).all()
        out: dict[str, tuple[str | None, ...]] = {}
        for row in rows:
            if row.workspace_id is not None and not caller.may_access(row.workspace_id):
                continue
            found = self._unseal(row.approver_secrets)
            out[row.id] = tuple(self.secret_fingerprint(found[i]) if i < len(found) and found[i] else None
                                for i in range(len(row.approvers)))
        return out

    def secret_fingerprint(self, secret: str | None) -> str | None:
        """What :meth:`secret_fingerprints` reports for a stored ``secret``."""
        return self._cipher.fingerprint({"webhookSecret": secret}) if secret else None

    # -- checks and secrets -----------------------------------------------------------------------------------------

    @staticmethod
    def _checked(data: Mapping[str, Any]) -> dict[str, Any]:
        """The columns of a policy from its fields, every rule of a write checked (but not the database's)."""
        risk = RiskMode(data["risk_mode"])
        if risk is RiskMode.MODEL_ASSISTED:
            raise invalid("riskMode", "riskMode model_assisted needs Weavz's risk model, which weavz-flow does not "
                          "have: use always, or rules with conditions over the input")
        rules = data.get("rules")
        if risk is RiskMode.RULES or rules is not None:
            rules = check_rules(rules)
        values = {name: data.get(name) for name in (
            "workspace_id", "name", "description", "enabled", "priority", "reuse_window_seconds", "metadata",
            "timeout_seconds")}
        values["name"] = str(values["name"]).strip() or values["name"]
        for name in _FILTERS:
            listed = data.get(name)
            values[name] = None if listed is None else list(dict.fromkeys(str(v) for v in listed))
        for name in ("end_user_mode", "decision", "risk_mode", "default_on_timeout", "approval_access_mode"):
            values[name] = str(data[name])
        values["rules"] = rules
        return values

    @staticmethod
    def _check_place(conn: sa.Connection, caller: Caller, workspace_id: str | None, wi_ids: list[str] | None) -> None:
        if workspace_id is None:
            caller.require_org_wide("An organization-wide approval policy (workspaceId null)")
        else:
            workspace_row(conn, caller, workspace_id)
        if not wi_ids:
            return
        where = [_wi.c.id.in_(wi_ids), _wi.c.org_id == caller.org_id]
        if workspace_id is not None:
            where.append(_wi.c.workspace_id == workspace_id)
        known = set(conn.execute(sa.select(_wi.c.id).where(*where)).scalars())
        unknown = [i for i in wi_ids if i not in known]
        if unknown:
            where_text = "this workspace" if workspace_id is not None else "this organization"
            raise invalid("workspaceIntegrationIds",
                          f"workspaceIntegrationIds names no workspace integration of {where_text}: "
                          f"{', '.join(unknown)}")

    def _seal(self, approvers: Sequence[tuple[ApproverIn, str | None]]) -> str | None:
        found = [s for _, s in approvers]
        if not any(found):
            return None
        return self._cipher.encrypt({"secrets": found}).decode("ascii")

    def _unseal(self, sealed: str | None) -> list[str | None]:
        if not sealed:
            return []
        found: list[str | None] = self._cipher.decrypt(sealed.encode("ascii"))["secrets"]
        return found


def _approvers(
    requested: Sequence[ApproverIn], *, previous: Sequence[str | None],
) -> tuple[list[tuple[ApproverIn, str | None]], list[dict[str, Any]], dict[int, str]]:
    """Each approver with its secret, the stored (secret-free) list, and the secrets generated now, by index. A
    webhook approver sent without a secret keeps the one it had at the same place, else gets a new one."""
    with_secrets: list[tuple[ApproverIn, str | None]] = []
    stored: list[dict[str, Any]] = []
    generated: dict[int, str] = {}
    if not requested:
        raise invalid("approvers", "approvers must name at least one approver")
    for i, approver in enumerate(requested):
        secret: str | None = None
        if approver.type is ApproverType.WEBHOOK:
            _check_webhook_url(i, approver.webhook_url)
            if approver.webhook_secret is not None:
                secret = approver.webhook_secret.get_secret_value()
            elif i < len(previous) and previous[i]:
                secret = previous[i]
            else:
                secret = generated[i] = "whsec_" + secrets.token_urlsafe(32)
        elif approver.webhook_url is not None or approver.webhook_secret is not None:
            raise invalid(f"approvers[{i}].webhookUrl", f"approvers[{i}]: webhookUrl and webhookSecret are only for "
                          "type webhook")
        with_secrets.append((approver, secret))
        stored.append({"type": str(approver.type), "roles": list(approver.roles), "userIds": list(approver.user_ids),
                       **({"webhookUrl": approver.webhook_url} if approver.webhook_url else {})})
    return with_secrets, stored, generated


def _previous(stored: Sequence[Mapping[str, Any]], found: Sequence[str | None]) -> list[str | None]:
    """The secrets a new approver list may keep: those of the webhook approvers at each place."""
    return [found[i] if i < len(found) and a.get("type") == ApproverType.WEBHOOK else None
            for i, a in enumerate(stored)]


def _check_webhook_url(index: int, url: str | None) -> None:
    field = f"approvers[{index}].webhookUrl"
    if not url:
        raise invalid(field, f"{field} is required for a webhook approver")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise invalid(field, f"{field} must be an http(s) URL")


def _row(conn: sa.Connection, caller: Caller, policy_id: str) -> AnyRow:
    row = conn.execute(sa.select(_p).where(_p.c.id == policy_id, _p.c.org_id == caller.org_id)).first()
    if row is None or (caller.workspace_ids is not None
                       and (row.workspace_id is None or not caller.may_access(row.workspace_id))):
        raise not_found("Approval policy", policy_id, ErrorCode.APPROVAL_POLICY_NOT_FOUND)
    return row


def _wire(row: Mapping[str, Any], shown: Mapping[int, str] | None = None) -> ApprovalPolicy:
    approvers = []
    for i, a in enumerate(row["approvers"]):
        webhook = a.get("type") == ApproverType.WEBHOOK
        approvers.append(ApproverOut(
            type=a["type"], roles=a.get("roles", []), user_ids=a.get("userIds", []), webhook_url=a.get("webhookUrl"),
            webhook_secret_set=True if webhook else None, webhook_secret=(shown or {}).get(i)))
    data = {c.name: row[c.name] for c in _p.c if c.name not in ("approvers", "approver_secrets")}
    return ApprovalPolicy.model_validate({**data, "approvers": approvers})


def policy_of(row: Mapping[str, Any]) -> Policy:
    """The typed policy of a row (or of a draft's columns)."""
    def listed(name: str) -> tuple[str, ...] | None:
        value = row.get(name)
        return None if value is None else tuple(value)

    sources = listed("sources")
    return Policy(
        id=row["id"], org_id=row["org_id"], workspace_id=row.get("workspace_id"), name=row["name"],
        description=row.get("description"), enabled=bool(row["enabled"]), priority=int(row["priority"]),
        sources=None if sources is None else tuple(ExecuteSource(s) for s in sources),
        mcp_server_ids=listed("mcp_server_ids"), workspace_integration_ids=listed("workspace_integration_ids"),
        integration_names=listed("integration_names"), integration_aliases=listed("integration_aliases"),
        action_names=listed("action_names"), connection_strategies=listed("connection_strategies"),
        end_user_mode=EndUserMode(row["end_user_mode"]), decision=ApprovalDecision(row["decision"]),
        risk_mode=RiskMode(row["risk_mode"]), rules=row.get("rules"),
        approvers=tuple(Approver(
            type=ApproverType(a["type"]), roles=tuple(a.get("roles", ())), user_ids=tuple(a.get("userIds", ())),
            webhook_url=a.get("webhookUrl"), has_webhook_secret=a.get("type") == ApproverType.WEBHOOK,
        ) for a in row["approvers"]),
        timeout_seconds=int(row["timeout_seconds"]), default_on_timeout=DefaultOnTimeout(row["default_on_timeout"]),
        reuse_window_seconds=row.get("reuse_window_seconds"),
        approval_access_mode=ApprovalAccessMode(row["approval_access_mode"]), metadata=row.get("metadata"),
    )

