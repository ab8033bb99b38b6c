"""Hosted approval links (issue 17 item 4): the ``apl_`` token of a pending approval's review page.

A link exists for an approval whose policy's ``approvalAccessMode`` offers one (``dashboard_and_hosted_link``,
``hosted_link_only``); it is made inside the transaction that requests the approval (a listener of
:class:`~weavz_flow.engine.services.approvals.ApprovalService`). The token is derived, not drawn: a keyed digest of the
approval's id under the engine's key, so the same pending approval always shows the same link and the plain token is
never stored; the row keeps only its sha256 (as connect sessions and portal tokens do), the approval's ``expiresAt``
and when it was used. A reader of the database can neither recover a token nor test a guess against an approval id.

Whoever holds the token may approve or reject that one approval once (the token is the authority; there is no
caller). A link that is unknown, used, past its expiry, or whose approval is no longer pending is refused with one
code, APPROVAL_LINK_INVALID, which never says which of these it was.

Who is shown a link (:meth:`ApprovalLinkService.shown`): the key that made the request (in the 202 of its execute and
when it reads the approval), keys with ``permissions.approvals.decide``, and the operator. It is never part of an
approval event, so webhook payloads and logs never carry it.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from weavz_flow.engine import tables as t
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.credential_cipher import CredentialCipher
from weavz_flow.engine.dialect_insert import insert_for
from weavz_flow.engine.services.api_keys import hash_key
from weavz_flow.engine.services.approvals import Action, ApprovalService, Via
from weavz_flow.engine.stamps import new_id, utc_now
from weavz_flow.engine.store import Store
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.wire.approvals import Approval, DecisionReceipt
from weavz_flow.wire.vocabulary import APPROVAL_LINK_PREFIX, ApprovalAccessMode, ApprovalEvent, ApprovalStatus

_l = t.approval_links
_a = t.approvals

LINKED_MODES = frozenset({ApprovalAccessMode.DASHBOARD_AND_HOSTED_LINK, ApprovalAccessMode.HOSTED_LINK_ONLY})
DECISIONS = (Action.APPROVE, Action.REJECT)  # a link decides; canceling is the requester's, through the API


@dataclass(frozen=True, slots=True)
class OpenedLink:
    """A usable link: its approval (pending) and what the review page names besides it."""

    link_id: str
    approval: Approval
    workspace_name: str
    requested_by_api_key_id: str | None  # None: the operator, or an MCP token (``mcp_server_name`` then)
    requested_by_key_name: str | None  # None as well when that key has been deleted since
    mcp_server_name: str | None


def link_invalid() -> ApiError:
    return ApiError(ErrorCode.APPROVAL_LINK_INVALID, "This approval link is not valid")


class ApprovalLinkService:
    def __init__(self, store: Store, cipher: CredentialCipher, approvals: ApprovalService) -> None:
        self._store = store
        self._cipher = cipher
        self._approvals = approvals

    def token(self, approval_id: str) -> str:
        """The link token of an approval (whether or not its mode offers a link)."""
        digest = self._cipher.keyed_digest("approval-link", approval_id.encode("utf-8"))
        return APPROVAL_LINK_PREFIX + base64.urlsafe_b64encode(bytes.fromhex(digest)).decode("ascii").rstrip("=")

    def ensure(self, conn: sa.Connection, approval: Approval) -> str | None:
        """The approval's link token, its row written if it is not yet (None: the approval's mode has no link)."""
        if approval.approval_access_mode not in LINKED_MODES:
            return None
        token = self.token(approval.id)
        conn.execute(insert_for(conn, _l).values(
            id=new_id(), approval_id=approval.id, token_hash=hash_key(token), expires_at=approval.expires_at,
            used_at=None, created_at=utc_now(),
        ).on_conflict_do_nothing(index_elements=[_l.c.token_hash]))
        return token

    def on_event(
        self, conn: sa.Connection, approval: Approval, event: ApprovalEvent, receipt: DecisionReceipt | None,
    ) -> None:
        """The approvals listener: a requested approval gets its link in the same transaction."""
        if event is ApprovalEvent.REQUESTED:
            self.ensure(conn, approval)

    def shown(self, caller: Caller, approvals: Iterable[Approval], *, requester: bool = False) -> dict[str, str]:
        """The link tokens ``caller`` may be shown, by approval id: of pending approvals whose mode offers a link, to
        a decider, the operator, or the key that requested them (``requester``: ``caller`` is known to be it, as in
        the answer to its own execute)."""
        linked = [a for a in approvals if a.status is ApprovalStatus.PENDING and a.approval_access_mode in LINKED_MODES]
        if not linked:
            return {}
        if not (requester or caller.may_decide_approvals):
            linked = self._requested_by(caller, linked)
        return {a.id: self.token(a.id) for a in linked}

    def open(self, token: str) -> OpenedLink:
        """The link's approval, while the link may be used; else APPROVAL_LINK_INVALID."""
        with self._store.read() as conn:
            return self._open(conn, token, utc_now())

    def decide(self, token: str, action: str, reason: str | None = None) -> Approval:
        """Approve or reject the link's approval and spend the link, in one transaction; a second use, or a decision
        the approval no longer takes (decided elsewhere, timed out meanwhile), is APPROVAL_LINK_INVALID."""
        if action not in DECISIONS:
            raise ValueError(f"a link cannot {action!r}")
        now = utc_now()
        decided: Approval | None = None
        with self._store.write() as conn:
            opened = self._open(conn, token, now)
            used = conn.execute(sa.update(_l).where(_l.c.id == opened.link_id, _l.c.used_at.is_(None))
                                .values(used_at=now))
            if used.rowcount != 1:  # another request spent it first
                raise link_invalid()
            try:
                decided, _ = self._approvals.decide(None, opened.approval.id, action, reason=reason, via=Via.LINK,
                                                    conn=conn)
            except ApiError:
                # Decided through the API or timed out since the page opened: the link is spent all the same,
                # and what the decision found (a timeout) commits with it.
                decided = None
        if decided is None:
            raise link_invalid()
        return decided

    # -- internals --------------------------------------------------------------------------------------------------

    def _open(self, conn: sa.Connection, token: str, now: str) -> OpenedLink:
        if not isinstance(token, str) or not token.startswith(APPROVAL_LINK_PREFIX):
            raise link_invalid()
        row = conn.execute(sa.select(_l).where(_l.c.token_hash == hash_key(token))).first()
        if row is None or row.used_at is not None or row.expires_at <= now:
            raise link_invalid()
        approval = self._approvals.get_any(conn, row.approval_id)
        if approval is None or approval.status is not ApprovalStatus.PENDING or approval.expires_at <= now:
            raise link_invalid()
        found = conn.execute(
            sa.select(_a.c.requested_by_api_key_id, t.api_keys.c.name.label("key_name"),
                      t.workspaces.c.name.label("workspace_name"), t.mcp_servers.c.name.label("mcp_server_name"))
            .select_from(_a.join(t.workspaces, t.workspaces.c.id == _a.c.workspace_id)
                         .outerjoin(t.api_keys, t.api_keys.c.id == _a.c.requested_by_api_key_id)
                         .outerjoin(t.mcp_servers, t.mcp_servers.c.id == _a.c.mcp_server_id))
            .where(_a.c.id == approval.id)).one()
        return OpenedLink(link_id=row.id, approval=approval, workspace_name=found.workspace_name,
                          requested_by_api_key_id=found.requested_by_api_key_id,
                          requested_by_key_name=found.key_name, mcp_server_name=found.mcp_server_name)

    def _requested_by(self, caller: Caller, approvals: Sequence[Approval]) -> list[Approval]:
        if caller.api_key_id is None:
            return []
        with self._store.read() as conn:
            own = set(conn.execute(sa.select(_a.c.id).where(
                _a.c.id.in_([a.id for a in approvals]), _a.c.requested_by_api_key_id == caller.api_key_id)).scalars())
        return [a for a in approvals if a.id in own]
