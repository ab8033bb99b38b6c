"""Running a flow: inputs and secrets resolved, main steps scheduled by their dependencies, then ``finally`` steps.

Scheduling (runner.ready_queue): a step starts once its direct dependencies (``needs``, else the step before it)
have finished. When a step fails without ``continue_on_error`` no further main step starts; those already running
finish, the rest are recorded as skipped, and the ``finally`` steps run regardless, in order.

Before the first step, the run checks what it can know (runner.preflight): a flow whose alias, end user or needed
connection is missing fails then, naming every problem, before any step has had an effect.

A step whose call needs a person's approval (a ``require_approval`` policy: the backend answers "approval required")
does not finish: its dependents do not start, independent steps go on, and once nothing is running the run is
recorded ``waiting_approval`` with the approvals it waits for and the flow version it runs. Its ``finally`` steps
wait too: they run when the run really ends, after :meth:`FlowRunner.resume` (see runner.resume) has run the
waiting step again with its same idempotency key.
"""

from __future__ import annotations

import os
import random
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import replace
from datetime import datetime
from typing import Any

from weavz_flow.backends.protocol import Backend
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.config.model.base import SecretRef
from weavz_flow.config.model.flow import FlowFile
from weavz_flow.config.model.workspace import WorkspaceFile
from weavz_flow.config.project import Project
from weavz_flow.config.secret_values import SecretUnavailableError, resolve_secret
from weavz_flow.errors import WeavzFlowError
from weavz_flow.plan.deployment import version_document
from weavz_flow.redact import Redactor
from weavz_flow.runner.context import RunContext, RunInfo, StepState, TriggeringEvent
from weavz_flow.runner.inputs import resolve_inputs
from weavz_flow.runner.outcome import EventKind, RunEvent, RunResult, RunStatus, StepResult, StepStatus
from weavz_flow.runner.preflight import PreflightError, PreflightReport, check_flow
from weavz_flow.runner.prepare import CallScope
from weavz_flow.runner.ready_queue import ReadyQueue
from weavz_flow.runner.records import RunRecords, RunTrigger
from weavz_flow.runner.restored import Restored
from weavz_flow.runner.retry import InProgressWait
from weavz_flow.runner.step import StepRuntime, now, run_step
from weavz_flow.suggest import did_you_mean


def find_flow(project: Project, name: str) -> FlowFile:
    flow = project.flows.get(name)
    if flow is None:
        hint = did_you_mean(name, project.flows)
        known = ", ".join(sorted(project.flows)) or "none"
        raise WeavzFlowError(f"no flow named '{name}'" + (f" ({hint})" if hint else f"; flows: {known}"))
    return flow


def _ignore(_event: RunEvent) -> None:
    return None


class FlowRunner:
    def __init__(
        self,
        project: Project,
        backend: Backend,
        *,
        records: RunRecords | None = None,
        environ: Mapping[str, str] | None = None,
        on_event: Callable[[RunEvent], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        max_concurrent_steps: int = 8,
        in_progress: InProgressWait | None = None,
        catalog: Catalog | None = None,
        preflight: bool = True,
        flow_version: Mapping[str, Any] | None = None,
    ) -> None:
        self.project = project
        self.backend = backend
        self.records = records
        self.environ = os.environ if environ is None else environ
        self.on_event = on_event or _ignore
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.max_concurrent_steps = max_concurrent_steps
        self.in_progress = in_progress or InProgressWait.for_backend(backend.capabilities)
        self.catalog = catalog  # says which integrations need a connection; None: the native integrations' own
        self.preflight = preflight
        # The flow version document the flows come from (a deployed or resumed one); else made from the project when
        # a run has to wait for approval (plan.deployment.version_document).
        self.flow_version = flow_version

    # -- preparation ----------------------------------------------------------------------------------------------

    def prepare(self, flow_name: str, inputs: Mapping[str, Any] | None = None, *, end_user: str | None = None,
                run_id: str | None = None, started_at: datetime | None = None,
                event: TriggeringEvent | None = None) -> tuple[RunContext, Redactor, dict[str, str]]:
        """The run's context (inputs typed, secrets read), its Redactor, and the workspace's alias -> integration."""
        flow = find_flow(self.project, flow_name)
        values = resolve_inputs(flow, inputs or {})
        secrets = {name: resolve_secret(ref, self.project.root, self.environ).reveal()
                   for name, ref in flow.secrets.items()}
        allowed = self.project.settings.env
        env = {name: self.environ[name] for name in allowed if name in self.environ}
        info = RunInfo(run_id or uuid.uuid4().hex, started_at or now())
        context = RunContext(flow, info, values, secrets, env, end_user or flow.end_user, event=event)
        workspace = self.project.workspaces.get(flow.workspace)
        aliases = {alias: cfg.integration for alias, cfg in (workspace.integrations if workspace else {}).items()}
        known = [*secrets.values(), *(self._connection_secrets(workspace) if workspace else ())]
        return context, Redactor(known), aliases

    def scope(self, context: RunContext, aliases: Mapping[str, str]) -> CallScope:
        """What the run's steps prepare their calls from (runner.prepare), naming the flow's file in messages."""
        source = self.project.flow_sources.get(context.flow.name)
        return CallScope(context, aliases, source.display if source else context.flow.name)

    def check(self, context: RunContext) -> PreflightReport:
        """What would fail the run's steps and can be known before the first (see runner.preflight)."""
        return check_flow(self.project, self.backend, context, self._needs_connection)

    def check_run(self, flow_name: str, inputs: Mapping[str, Any] | None = None, *,
                  end_user: str | None = None) -> tuple[PreflightReport, Redactor]:
        """The checks ``run`` makes before its first step, without running (``--dry-run``)."""
        context, redactor, _aliases = self.prepare(flow_name, inputs, end_user=end_user, run_id="dry-run")
        return self.check(context), redactor

    def _needs_connection(self, integration: str) -> bool | None:
        if self.catalog is None:
            from weavz_flow.integrations.registry import native_catalog  # imports the natives: only when asked

            self.catalog = native_catalog()
        info = self.catalog.find(integration)
        return None if info is None else info.needs_connection

    def _connection_secrets(self, workspace: WorkspaceFile) -> list[str]:
        """The workspace's credentials as far as this process can read them: a backend that does not redact them
        itself (hosted Weavz) may echo one into an output, which the run's records and events must not keep."""
        found: list[str] = []
        for conn in workspace.connections.values():
            refs = [conn.secret, conn.password, conn.access_token, conn.refresh_token, *(conn.props or {}).values()]
            if isinstance(conn.username, SecretRef):
                refs.append(conn.username)
            for ref in refs:
                if ref is None:
                    continue
                try:
                    found.append(resolve_secret(ref, self.project.root, self.environ).reveal())
                except SecretUnavailableError:
                    continue  # not set for this run: then this run cannot hold it either
        return found

    # -- running --------------------------------------------------------------------------------------------------

    def run(self, flow_name: str, inputs: Mapping[str, Any] | None = None, *, end_user: str | None = None,
            run_id: str | None = None, trigger: RunTrigger = RunTrigger.MANUAL,
            event: TriggeringEvent | None = None) -> RunResult:
        """``event``: the event that started the run (``trigger`` EVENT), which its templates read as ``trigger``."""
        context, redactor, aliases = self.prepare(flow_name, inputs, end_user=end_user, run_id=run_id, event=event)
        if self.preflight:
            report = self.check(context)
            if not report.ok:
                error = PreflightError(report, redactor)
                if trigger is not RunTrigger.MANUAL:  # nobody watches a fire: `runs list` must show why it did not run
                    self._record_refused(context, redactor, trigger, error.format_message())
                raise error
        flow, info = context.flow, context.run
        recorded_inputs = redactor.data(dict(context.inputs))
        if self.records is not None:
            self.records.start(run_id=info.id, flow=flow.name, workspace=flow.workspace, started_at=info.started_at,
                               inputs=recorded_inputs, end_user=context.end_user, trigger=trigger)
        try:
            return self._run(context, redactor, aliases)
        finally:  # finish() stops the run's heartbeat; this also covers whatever escapes before it
            if self.records is not None:
                self.records.stop_heartbeat(info.id)

    def resume(self, restored: Restored) -> RunResult:
        """Go on with a waiting run (see runner.resume, which claims it): its steps that had finished are taken as
        recorded, the rest run, the waiting ones again with their same idempotency keys."""
        run = restored.run
        # A secret missing from this environment raises here, before any step: the caller puts the run back.
        context, redactor, aliases = self.prepare(run.flow, run.inputs, end_user=run.end_user, run_id=run.id,
                                                  started_at=run.started_at)
        for sid, result in restored.results.items():
            context.steps[sid] = StepState(result.status.value, restored.outputs.get(sid), result.error)
        try:
            return self._run(context, redactor, aliases, restored)
        finally:
            if self.records is not None:
                self.records.stop_heartbeat(run.id)

    def _run(self, context: RunContext, redactor: Redactor, aliases: dict[str, str],
             restored: Restored | None = None) -> RunResult:
        flow, info = context.flow, context.run
        self.on_event(RunEvent(EventKind.RUN_STARTED, info.id, flow.name))
        rt = StepRuntime(self.backend, self.scope(context, aliases), redactor, self.on_event, self.sleep, self.rng,
                         self.in_progress)
        results: dict[str, StepResult] = {}
        if restored is not None:
            results.update(restored.results)
            rt.approvals.update(restored.approvals)
        error: str | None = None
        try:
            if self._run_main(flow, rt, results, restored):
                return self._record(context, redactor, results, None)  # waits: finally steps run at the real end
            for step in flow.finally_:
                if step.id not in results:  # else it ran before a resumed run waited for a later finally step
                    self._finish(rt, results, run_step(step, rt, flow.predecessors(step.id), is_finally=True))
        except BaseException as exc:  # a bug or an interrupt: the record must not stay "running"
            error = redactor.text(f"{type(exc).__name__}: {exc}")
            self._record(context, redactor, results, error)
            raise
        return self._record(context, redactor, results, error)

    def _run_main(self, flow: FlowFile, rt: StepRuntime, results: dict[str, StepResult],
                  restored: Restored | None) -> bool:
        """Run the main steps; True when the run waits for approval (then the steps it did not start are not
        recorded: they run on resume)."""
        queue = ReadyQueue.of(flow)
        if restored is not None:
            queue.restore({sid: self._stops(r) for sid, r in restored.results.items()})
        by_id = {s.id: s for s in flow.steps}
        running: dict[Future[StepResult], str] = {}
        pool: ThreadPoolExecutor | None = None
        waiting: list[str] = []

        def finished(result: StepResult) -> None:
            self._finish(rt, results, result)
            if result.status is StepStatus.APPROVAL_REQUIRED:
                waiting.append(result.step_id)  # not finished: its dependents wait for the decision
                return
            queue.finish(result.step_id, stops=self._stops(result))

        try:
            while True:
                batch = queue.take()
                if not batch and not running:
                    break
                if len(batch) == 1 and not running:
                    # The common sequential case runs on this thread: no pool round trip per step.
                    finished(run_step(by_id[batch[0]], rt, flow.predecessors(batch[0])))
                    continue
                for sid in batch:
                    pool = pool or ThreadPoolExecutor(self.max_concurrent_steps, thread_name_prefix="flow-step")
                    running[pool.submit(run_step, by_id[sid], rt, flow.predecessors(sid))] = sid
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    running.pop(future)
                    finished(future.result())
        finally:
            if pool is not None:
                pool.shutdown(wait=True)
        if waiting and queue.stopped_by is None:
            return True
        reason = queue.skip_reason()
        for sid in waiting:  # a failure ended the run while these waited: they never ran
            results[sid] = replace(results[sid], status=StepStatus.SKIPPED, output=None,
                                   error=f"not run: step '{queue.stopped_by}' failed while it waited for approval")
            rt.context.steps[sid] = StepState(StepStatus.SKIPPED.value, None, results[sid].error)
        for sid in queue.not_started():
            results[sid] = StepResult(sid, StepStatus.SKIPPED, error=reason)
            rt.context.steps[sid] = StepState(StepStatus.SKIPPED.value, None, reason)
        return False

    @staticmethod
    def _stops(result: StepResult) -> bool:
        return result.status is StepStatus.FAILED and not result.tolerated

    def _finish(self, rt: StepRuntime, results: dict[str, StepResult], result: StepResult) -> None:
        # Outputs stay as the provider returned them for later templates; what leaves the run is redacted.
        rt.context.steps[result.step_id] = StepState(result.status.value, result.output, result.error)
        if rt.approvals and not result.approvals and result.step_id in rt.approvals:
            result = replace(result, approvals=rt.approvals[result.step_id])  # what it waited for, decided now
        shown = replace(result, output=rt.redactor.data(result.output))
        results[result.step_id] = shown
        rt.emit(RunEvent(EventKind.STEP_FINISHED, rt.context.run.id, rt.context.flow.name, step_id=result.step_id,
                         step=shown))

    def _version(self, flow: FlowFile) -> Mapping[str, Any]:
        if self.flow_version is not None:
            return self.flow_version
        return version_document(self.project, flow)

    def _record_refused(self, context: RunContext, redactor: Redactor, trigger: RunTrigger, error: str) -> None:
        """A run the checks refused, recorded as failed with no step (it executed nothing)."""
        if self.records is None:
            return
        flow, info = context.flow, context.run
        inputs = redactor.data(dict(context.inputs))
        self.records.start(run_id=info.id, flow=flow.name, workspace=flow.workspace, started_at=info.started_at,
                           inputs=inputs, end_user=context.end_user, trigger=trigger)
        try:
            self.records.finish(RunResult(info.id, flow.name, RunStatus.FAILED, info.started_at, now(), inputs, [],
                                          f"refused before its first step: {error}"))
        finally:
            self.records.stop_heartbeat(info.id)

    def _record(self, context: RunContext, redactor: Redactor, results: dict[str, StepResult],
                error: str | None) -> RunResult:
        flow = context.flow
        ordered = [results[s.id] for s in flow.all_steps if s.id in results]
        error_free = error is None  # nothing escaped the steps (a bug, an interrupt)
        failed = error is not None or any(r.status is StepStatus.FAILED and not r.tolerated for r in ordered)
        if error is None and failed:
            first = next(r for r in ordered if r.status is StepStatus.FAILED and not r.tolerated)
            error = f"step '{first.step_id}' failed: {first.error}"
        # Only a finally step can wait in a failed run (a failure ends the main steps that wait): the run waits for
        # it, and ends failed once it has run.
        waiting = error_free and any(r.status is StepStatus.APPROVAL_REQUIRED for r in ordered)
        status = RunStatus.WAITING_APPROVAL if waiting else RunStatus.FAILED if failed else RunStatus.SUCCEEDED
        result = RunResult(context.run.id, flow.name, status, context.run.started_at, now(),
                           redactor.data(dict(context.inputs)), ordered, error)
        if self.records is not None:
            self.records.finish(result, self._version(flow) if waiting else None)
        self.on_event(RunEvent(EventKind.RUN_FINISHED, result.run_id, flow.name, run=result))
        return result
