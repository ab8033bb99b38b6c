"""Running one step: ``if``, ``for_each`` with ``max_parallel``, rendering, retry with one idempotency key, timeout."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Mapping
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
from weavz_flow.runner.outcome import EventKind, RunEvent, StepResult, StepStatus
from weavz_flow.runner.render import RenderError, Where, render_value
from weavz_flow.runner.retry import InProgressWait, RetryPolicy, StepTimeoutError, idempotency_key, is_in_progress

EventSink = Callable[[RunEvent], None]
Applied = tuple[AppliedPartial, ...] | None  # the partials a call applied, as its backend reports them


class StepFailedError(Exception):
    """One call of a step failed for good; the message is already redacted."""

    def __init__(self, message: str, code: str | None, attempts: int) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.attempts = attempts


@dataclass(slots=True)
class StepRuntime:
    """What every step of one run shares."""

    backend: Backend
    context: RunContext
    aliases: Mapping[str, str]  # alias -> integration name, from the flow's workspace
    file: str  # the flow file, as messages name it
    redactor: Redactor
    emit: EventSink
    sleep: Callable[[float], None]
    rng: random.Random
    in_progress: InProgressWait = field(default_factory=InProgressWait)


def now() -> datetime:
    return datetime.now(UTC)


def run_step(step: StepConfig, rt: StepRuntime, visible: frozenset[str], *, is_finally: bool = False) -> StepResult:
    started = now()
    ctx = rt.context
    rt.emit(RunEvent(EventKind.STEP_STARTED, ctx.run.id, ctx.flow.name, step_id=step.id))
    names = ctx.template_vars(visible)
    try:
        if step.if_ is not None:
            condition = render_value(step.if_, names, Where(rt.file, step.id, "if"))
            if not _truthy(condition):
                return StepResult(step.id, StepStatus.SKIPPED, started_at=started, finished_at=now(),
                                  is_finally=is_finally)
        end_user = ctx.end_user
        if step.end_user is not None:
            end_user = render_value(step.end_user, names, Where(rt.file, step.id, "end_user"))
        if step.for_each is None:
            status, output, attempts, partials = _call(step, rt, names, end_user, None)
            return StepResult(step.id, status, attempts, started, now(), output, is_finally=is_finally,
                              partials=partials)
        items = render_value(step.for_each, names, Where(rt.file, step.id, "for_each"))
        if not isinstance(items, list | tuple):
            raise RenderError(Where(rt.file, step.id, "for_each"), str(step.for_each),
                              f"must render to a list, got {type(items).__name__}")
        return _for_each(step, rt, names, end_user, list(items), started, is_finally)
    except RenderError as exc:
        message = rt.redactor.text(str(exc))
        return _failed(step, started, message, "TEMPLATE_ERROR", 0, is_finally)
    except StepFailedError as exc:
        return _failed(step, started, exc.message, exc.code, exc.attempts, is_finally)


def _failed(step: StepConfig, started: datetime, message: str, code: str | None, attempts: int,
            is_finally: bool, output: Any = None, items: int | None = None) -> StepResult:
    return StepResult(step.id, StepStatus.FAILED, attempts, started, now(), output, message, code,
                      is_finally=is_finally, tolerated=step.continue_on_error, items=items)


def _truthy(value: Any) -> bool:
    # A rendered (non single-expression) template is a string: "False" and "" must read as false.
    if isinstance(value, str):
        return value.strip().lower() not in {"", "false", "0", "no", "none", "null"}
    return bool(value)


def _for_each(step: StepConfig, rt: StepRuntime, names: Mapping[str, Any], end_user: str | None,
              items: list[Any], started: datetime, is_finally: bool) -> StepResult:
    def one(index: int) -> tuple[StepStatus, Any, int, StepFailedError | RenderError | None, Applied]:
        loop_names = {**names, "item": items[index], "index": index}
        try:
            status, output, attempts, partials = _call(step, rt, loop_names, end_user, index)
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
        code = first.code if isinstance(first, StepFailedError) else "TEMPLATE_ERROR"
        message = rt.redactor.text(f"{len(failures)} of {len(items)} items failed; item {index}: {first}")
        return _failed(step, started, message, code, attempts, is_finally, outputs, len(items))
    status = StepStatus.APPROVAL_REQUIRED if any(r[0] is StepStatus.APPROVAL_REQUIRED for r in results) \
        else StepStatus.SUCCEEDED
    return StepResult(step.id, status, attempts, started, now(), outputs, is_finally=is_finally, items=len(items),
                      partials=partials)


def _call(step: StepConfig, rt: StepRuntime, names: Mapping[str, Any], end_user: str | None,
          index: int | None) -> tuple[StepStatus, Any, int, Applied]:
    ctx = rt.context
    field = "with" if index is None else f"with (item {index})"
    rendered = render_value(step.with_, names, Where(rt.file, step.id, field))
    integration = rt.aliases.get(step.alias)
    if integration is None:
        raise StepFailedError(f"alias '{step.alias}' is not declared in workspace '{ctx.flow.workspace}'",
                              "ALIAS_NOT_DECLARED", 0)
    call = ExecuteCall(
        workspace=ctx.flow.workspace, integration=integration, action=step.action, input=rendered,
        alias=step.alias, end_user=end_user, partials=tuple(step.partials) if step.partials is not None else None,
        idempotency_key=idempotency_key(ctx.run.id, step.id, index),
        redact=tuple(ctx.secrets.values()),  # the engine redacts them before it records or returns anything
        provider_retries=step.retry is None,  # a step with `retry` is the one owner of its call's retries
    )
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
            raise StepFailedError(rt.redactor.text(str(exc)), "ERROR", attempt) from None
        if outcome.status is OutcomeStatus.APPROVAL_REQUIRED:
            return StepStatus.APPROVAL_REQUIRED, rt.redactor.data(outcome.approval), attempt, outcome.partials
        return StepStatus.SUCCEEDED, outcome.output, attempt, outcome.partials


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ApiError):
        return f"{exc.code} ({exc.status}): {exc.message}"
    return str(exc) or type(exc).__name__


def _code(exc: BaseException) -> str:
    return str(exc.code) if isinstance(exc, ApiError) else "TIMEOUT"


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
