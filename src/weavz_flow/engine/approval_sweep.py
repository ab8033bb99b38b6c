"""The background work of human gates, for a long-running process (``serve``): every few seconds, time out the
pending approvals past their ``expiresAt`` and deliver the webhook events that are due.

Both are safe to run in several processes at once (``serve --workers N``, or several servers on one PostgreSQL):
each timeout is a conditional UPDATE and each delivery is leased, so every transition and every attempt happens
once. One round at a time per sweeper; :meth:`ApprovalSweeper.stop` waits for the round in progress (at most one
delivery's timeout) and returns.
"""

from __future__ import annotations

from weavz_flow.engine.periodic_sweep import PeriodicSweep
from weavz_flow.engine.services.approval_webhooks import ApprovalWebhookService
from weavz_flow.engine.services.approvals import ApprovalService

DEFAULT_INTERVAL_S = 2.0


class ApprovalSweeper(PeriodicSweep):
    name = "approval sweep"

    def __init__(self, approvals: ApprovalService, webhooks: ApprovalWebhookService,
                 interval_s: float = DEFAULT_INTERVAL_S) -> None:
        super().__init__(interval_s)
        self._approvals = approvals
        self._webhooks = webhooks

    def sweep(self) -> None:
        """One round: timeouts first, so the events they make go out in the same round."""
        self._approvals.expire_due()
        self._webhooks.deliver_due()
