"""Running one step: its calls as :mod:`weavz_flow.runner.prepare` makes them, ``for_each`` items with
``max_parallel``, retry with one idempotency key, timeout."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from weavz_flow.backends.applied import AppliedPartial
from weavz_flow.backends.execution import ExecuteCall, ExecuteOutcome, OutcomeStatus
from weavz_flow.backends.protocol import Backend
from weavz_flow.config.model.flow import StepConfig
from weavz_flow.errors import ApiError, WeavzFlowError
from weavz_flow.redact import Redactor
from weavz_flow.runner.context import RunContext
from weavz_flow.runner.error_codes import StepErrorCode
from weavz_flow.runner.outcome import EventKind, RunEvent, StepResult, StepStatus
from weavz_flow.runner.prepare import CallScope, Skip, StepCalls, StepFailedError, prepare_call
from weavz_flow.runner.render import RenderError
from weavz_flow.runner.retry import InProgressWait, RetryPolicy, StepTimeoutError, is_in_progress

EventSink = Callable[[RunEvent], None]
Applied = tuple[AppliedPartial, ...] | None  # the partials a call applied, as its backend reports them


@dataclass(slots=True)
class StepRuntime:
    """What every step of one run shares."""

    backend: Backend
    scope: CallScope
    redactor: Redactor
    emit: EventSink
    sleep: Callable[[float], None]
    rng: random.Random
    in_progress: InProgressWait = field(default_factory=InProgressWait)
    # A resumed run's waiting steps -> the approvals they waited for (kept on their records once they end).
    approvals: dict[str, tuple[dict[str, Any], ...]] = field(default_factory=dict)

    @property
    def context(self) -> RunContext:
        return self.scope.context


def now() -> datetime:
    return datetime.now(UTC)


def run_step(step: StepConfig, rt: StepRuntime, visible: frozenset[str], *, is_finally: bool = False) -> StepResult:
    started = now()
    ctx = rt.context
    rt.emit(RunEvent(EventKind.STEP_STARTED, ctx.run.id, ctx.flow.name, step_id=step.id))
    try:
        prepared = prepare_call(step, rt.scope, ctx.template_vars(visible))
        if isinstance(prepared, Skip):
            return StepResult(step.id, StepStatus.SKIPPED, started_at=started, finished_at=now(),
                              is_finally=is_finally)
        if prepared.items is None:
            status, output, attempts, partials = _call(prepared, rt, None)
            return StepResult(step.id, status, attempts, started, now(), output, is_finally=is_finally,
                              partials=partials, approvals=(output,) if status is StepStatus.APPROVAL_REQUIRED else ())
        return _for_each(prepared, rt, prepared.items, started, is_finally)
    except RenderError as exc:
        message = rt.redactor.text(str(exc))
        return _failed(step, started, message, StepErrorCode.TEMPLATE_ERROR, 0, is_finally)
    except StepFailedError as exc:
        return _failed(step, started, exc.message, exc.code, exc.attempts, is_finally)


def _failed(step: StepConfig, started: datetime, message: str, code: str | None, attempts: int,
            is_finally: bool, output: Any = None, items: int | None = None) -> StepResult:
    return StepResult(step.id, StepStatus.FAILED, attempts, started, now(), output, message, code,
                      is_finally=is_finally, tolerated=step.continue_on_error, items=items)


def _for_each(prepared: StepCalls, rt: StepRuntime, items: list[Any], started: datetime,
              is_finally: bool) -> StepResult:
    step = prepared.step

    def one(index: int) -> tuple[StepStatus, Any, int, StepFailedError | RenderError | None, Applied]:
        try:
            status, output, attempts, partials = _call(prepared, rt, index)
            return status, output, attempts, None, partials
        except (StepFailedError, RenderError) as exc:
            return StepStatus.FAILED, None, getattr(exc, "attempts", 0), exc, None

    workers = min(step.max_parallel or 1, max(len(items), 1))
    if workers == 1:
        results = [one(i) for i in range(len(items))]
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"step-{step.id}") as pool:
            results = list(pool.map(one, range(len(items))))
    outputs = [r[1] for r in results]
    attempts = max((r[2] for r in results), default=0)
    failures = [(i, r[3]) for i, r in enumerate(results) if r[3] is not None]
    # The same for every item (selection reads the step's alias, action and `partials`, never its input).
    partials = next((r[4] for r in results if r[4] is not None), None)
    if failures:
        index, first = failures[0]
        code = first.code if isinstance(first, StepFailedError) else StepErrorCode.TEMPLATE_ERROR
        message = rt.redactor.text(f"{len(failures)} of {len(items)} items failed; item {index}: {first}")
        return _failed(step, started, message, code, attempts, is_finally, outputs, len(items))
    # Items that ran (or replay) keep their outputs; the step waits for the approvals of the others.
    approvals = tuple(r[1] for r in results if r[0] is StepStatus.APPROVAL_REQUIRED)
    status = StepStatus.APPROVAL_REQUIRED if approvals else StepStatus.SUCCEEDED
    return StepResult(step.id, status, attempts, started, now(), outputs, is_finally=is_finally, items=len(items),
                      partials=partials, approvals=approvals)


def _call(prepared: StepCalls, rt: StepRuntime, index: int | None) -> tuple[StepStatus, Any, int, Applied]:
    ctx, step = rt.context, prepared.step
    call = prepared.call(index)
    policy = RetryPolicy.of(step.retry, idempotent=step.idempotent)
    timeout = step.timeout.total_seconds() if isinstance(step.timeout, timedelta) else None
    attempt = 0
    waits, waited = 0, 0.0  # asking again while an earlier attempt holds the key: not an attempt of its own
    while True:
        attempt += 1
        try:
            outcome = _execute(rt.backend, call, timeout)
        except (ApiError, StepTimeoutError) as exc:
            wait_for = rt.in_progress.delay(waits, waited) if is_in_progress(exc, call.idempotency_key) else None
            if wait_for is not None:
                attempt -= 1
                rt.emit(RunEvent(EventKind.STEP_RETRYING, ctx.run.id, ctx.flow.name, step_id=step.id,
                                 attempt=attempt + 1,
                                 message="waiting for an earlier attempt of this call, which still holds its "
                                         "idempotency key"))
                rt.sleep(wait_for)
                waits, waited = waits + 1, waited + wait_for
                continue
            if attempt < policy.attempts and policy.should_retry(exc):
                wait = policy.delay(attempt, rt.rng, exc)
                rt.emit(RunEvent(EventKind.STEP_RETRYING, ctx.run.id, ctx.flow.name, step_id=step.id,
                                 attempt=attempt + 1, message=rt.redactor.text(_describe(exc))))
                rt.sleep(wait)
                continue
            raise StepFailedError(rt.redactor.text(_describe(exc)), _code(exc), attempt) from None
        except WeavzFlowError as exc:
            raise StepFailedError(rt.redactor.text(str(exc)), StepErrorCode.ERROR, attempt) from None
        if outcome.status is OutcomeStatus.APPROVAL_REQUIRED:
            return StepStatus.APPROVAL_REQUIRED, rt.redactor.data(outcome.approval), attempt, outcome.partials
        return StepStatus.SUCCEEDED, outcome.output, attempt, outcome.partials


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ApiError):
        return f"{exc.code} ({exc.status}): {exc.message}"
    return str(exc) or type(exc).__name__


def _code(exc: BaseException) -> str:
    return str(exc.code) if isinstance(exc, ApiError) else StepErrorCode.TIMEOUT


def _execute(backend: Backend, call: ExecuteCall, timeout: float | None) -> ExecuteOutcome:
    if timeout is None:
        return backend.execute(call)
    # The backend is synchronous: the call runs on a daemon thread that is abandoned (not killed) on timeout. The
    # idempotency key keeps a retry from running the action a second time if the abandoned call completes.
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["outcome"] = backend.execute(call)
        except BaseException as exc:  # handed to the waiting thread as is
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True, name="step-call")
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise StepTimeoutError(f"timed out after {timeout:g}s")
    if "error" in box:
        raise box["error"]
    return box["outcome"]
