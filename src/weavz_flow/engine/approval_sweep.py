"""The background work of human gates, for a long-running process (``serve``): every few seconds, time out the
pending approvals past their ``expiresAt`` and deliver the webhook events that are due.

Both are safe to run in several processes at once (``serve --workers N``, or several servers on one PostgreSQL):
each timeout is a conditional UPDATE and each delivery is leased, so every transition and every attempt happens
once. One round at a time per sweeper; :meth:`ApprovalSweeper.stop` waits for the round in progress (at most one
delivery's timeout) and returns.
"""

from __future__ import annotations

import logging
import threading

from weavz_flow.engine.services.approval_webhooks import ApprovalWebhookService
from weavz_flow.engine.services.approvals import ApprovalService

DEFAULT_INTERVAL_S = 2.0

log = logging.getLogger("weavz_flow.engine")


class ApprovalSweeper:
    def __init__(self, approvals: ApprovalService, webhooks: ApprovalWebhookService,
                 interval_s: float = DEFAULT_INTERVAL_S) -> None:
        self._approvals = approvals
        self._webhooks = webhooks
        self._interval_s = interval_s
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="weavz-flow-approval-sweeper", daemon=True)

    def start(self) -> ApprovalSweeper:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()

    def sweep(self) -> None:
        """One round: timeouts first, so the events they make go out in the same round."""
        self._approvals.expire_due()
        self._webhooks.deliver_due()

    def _loop(self) -> None:
        while not self._stopping.wait(self._interval_s):
            try:
                self.sweep()
            except Exception as exc:  # a database hiccup: the next round tries again
                # The type only: a database error's text may quote SQL, parameters or the server's address.
                log.warning("approval sweep failed (%s); trying again in %gs", type(exc).__name__, self._interval_s)
                log.debug("approval sweep failed", exc_info=True)
