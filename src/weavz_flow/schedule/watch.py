"""``watch``: re-validate and re-plan a project on every save of its YAML files; never apply.

Each save gives one :class:`WatchCycle`, a value: what changed, the diagnostics, and (when the project is valid) the
plan, what it says differently from the previous plan, and optionally a dry run of one flow. :meth:`Watcher.cycle`
computes one cycle; :meth:`Watcher.cycles` yields the first cycle once the file watcher is listening and then one per
batch of saves, until a stop event is set. Nothing here prints.

The backend is opened once, at the first valid project, and kept across cycles (reopened only when the project
file's ``backend:`` changes). Watch only reads live state: it never calls apply, never takes the apply lock, and the
local engine's store holds no transaction between cycles, so an ``apply`` can run beside it at any time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from watchfiles import Change
from watchfiles import watch as watch_files

from weavz_flow.backends.protocol import Backend
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.config.discovery import display_path, find_project_root
from weavz_flow.config.model.project_file import PROJECT_FILE_NAME
from weavz_flow.config.project import Project
from weavz_flow.config.validate import validate_project
from weavz_flow.diagnostics import Diagnostic, Position, Severity
from weavz_flow.errors import ConfigError, ProjectNotFoundError, WeavzFlowError
from weavz_flow.plan.model import Plan
from weavz_flow.plan.session import make_plan, open_backend
from weavz_flow.runner.dry_run import StepPreview, dry_run
from weavz_flow.runner.run import FlowRunner
from weavz_flow.schedule.watch_delta import PlanDelta, diff_plans
from weavz_flow.schedule.watch_paths import (
    ConfigPathFilter,
    FileChange,
    FileStamp,
    batch_changes,
    snapshot,
    snapshot_changes,
)

# watchfiles groups events for up to ``debounce`` ms and yields once ``step`` ms pass without a new one. Its default
# debounce (1.6 s) is for restarting servers; a plan should follow a save at once, and one save is a burst of events
# a few milliseconds long, so a short quiet step is enough to see it whole.
DEBOUNCE_MS = 200
STEP_MS = 50
# How often an idle watcher compares the files' stamps with the last cycle's (see watch_paths' docstring).
RECONCILE_S = 1.0
_TICK_MS = 250  # watchfiles returns this often when nothing happens, so that the loop can reconcile


@dataclass(frozen=True, slots=True)
class WatchOptions:
    api_url: str | None = None
    run_flow: str | None = None  # a flow to preview (`run --dry-run`) after each valid plan
    run_inputs: Mapping[str, Any] = field(default_factory=dict)
    environ: Mapping[str, str] | None = None
    debounce_ms: int = DEBOUNCE_MS
    step_ms: int = STEP_MS
    force_polling: bool | None = None  # None: watchfiles decides (WATCHFILES_FORCE_POLLING, WSL)


@dataclass(frozen=True)
class WatchCycle:
    """One re-validation and re-plan. Exactly one of these holds: error diagnostics, ``error``, or ``plan``."""

    number: int  # 1 for the first cycle
    at: datetime  # local time, aware
    trigger: tuple[FileChange, ...]  # empty for the first cycle
    diagnostics: tuple[Diagnostic, ...] = ()  # errors and warnings, sorted by file, line and column
    files_checked: int = 0
    plan: Plan | None = None
    delta: PlanDelta | None = None  # against the last plan shown; None for the first plan
    error: str | None = None  # the plan could not be made (backend unreachable, missing secret, ...)
    run_flow: str | None = None
    previews: tuple[StepPreview, ...] | None = None  # the dry run of ``run_flow``, after a plan
    run_error: str | None = None  # why the dry run could not be made
    fixed: str | None = None  # this plan follows cycles that had a problem: what it was (see ``problem``)

    @property
    def valid(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)

    @property
    def problem(self) -> str | None:
        """What kept this cycle from a plan: ``"invalid"`` (error diagnostics), ``"not-planned"`` (``error``)."""
        if not self.valid:
            return "invalid"
        return "not-planned" if self.error is not None else None


class Watcher:
    def __init__(self, path: Path | str | None, catalog: Catalog, options: WatchOptions | None = None) -> None:
        """Watch the project containing ``path``; raises ProjectNotFoundError when there is none."""
        self.root = find_project_root(path)
        self.catalog = catalog
        self.options = options or WatchOptions()
        self.filter = ConfigPathFilter(self.root)
        self._backend: Backend | None = None
        self._backend_settings: Any = None
        self._last_plan: Plan | None = None
        self._last_problem: str | None = None  # of the latest cycle; cleared by a plan
        self._stamps: dict[Path, FileStamp] = {}
        self._count = 0

    @property
    def backend(self) -> Backend | None:
        return self._backend

    # -- one cycle ------------------------------------------------------------------------------------------------

    def cycle(self, trigger: tuple[FileChange, ...] = ()) -> WatchCycle:
        """Re-read, re-validate and re-plan the project now; a plan after a problem says what was fixed."""
        made = self._make_cycle(trigger)
        before, self._last_problem = self._last_problem, made.problem
        return replace(made, fixed=before) if before is not None and made.plan is not None else made

    def _make_cycle(self, trigger: tuple[FileChange, ...]) -> WatchCycle:
        self._count += 1
        head: dict[str, Any] = {"number": self._count, "at": datetime.now().astimezone(), "trigger": trigger,
                                "run_flow": self.options.run_flow}
        # Stamps first: a save that lands while this cycle reads is then seen as a difference by the next reconcile.
        self._stamps = snapshot(self.root, self.filter.include)
        if not (self.root / PROJECT_FILE_NAME).is_file():
            missing = Diagnostic(Severity.ERROR, "project-not-found", f"{PROJECT_FILE_NAME} is gone",
                                 Position(display_path(self.root / PROJECT_FILE_NAME), 1, 1))
            return WatchCycle(**head, diagnostics=(missing,))
        try:
            report = validate_project(self.root, self.catalog)
        except ProjectNotFoundError as exc:  # removed between the check and the read
            return WatchCycle(**head, diagnostics=(Diagnostic(Severity.ERROR, "project-not-found", str(exc)),))
        self.filter.include = report.project.settings.include
        checked: dict[str, Any] = {"diagnostics": tuple(report.diagnostics), "files_checked": report.files_checked}
        if not report.valid:
            return WatchCycle(**head, **checked)
        project = report.project
        try:
            backend = self._open(project)
            plan = make_plan(project, backend, environ=self.options.environ)
        except ConfigError as exc:  # e.g. a secret the environment does not hold: diagnostics with positions
            return WatchCycle(**head, **{**checked, "diagnostics": (*report.diagnostics, *exc.diagnostics)})
        except WeavzFlowError as exc:
            return WatchCycle(**head, **checked, error=exc.format_message())
        delta = diff_plans(self._last_plan, plan) if self._last_plan is not None else None
        self._last_plan = plan
        previews: tuple[StepPreview, ...] | None = None
        run_error: str | None = None
        if self.options.run_flow is not None:
            try:
                runner = FlowRunner(project, backend, environ=self.options.environ)
                previews = tuple(dry_run(runner, self.options.run_flow, self.options.run_inputs))
            except WeavzFlowError as exc:
                run_error = exc.format_message()
        return WatchCycle(**head, **checked, plan=plan, delta=delta, previews=previews, run_error=run_error)

    def _open(self, project: Project) -> Backend:
        settings = project.settings.backend
        if self._backend is not None and settings != self._backend_settings:
            self._backend.close()
            self._backend = None
        if self._backend is None:
            self._backend = open_backend(project, api_url=self.options.api_url, environ=self.options.environ,
                                         catalog=self.catalog)
            self._backend_settings = settings
        return self._backend

    # -- the loop -------------------------------------------------------------------------------------------------

    def cycles(self, stop: threading.Event | None = None) -> Iterator[WatchCycle]:
        """The first cycle as soon as the file watcher listens, then one per batch of saves, until ``stop`` is set.

        The first cycle waits for the watcher so that a save made right after it was shown cannot be missed.
        """
        stop = stop or threading.Event()
        batches = watch_files(
            self.root, watch_filter=self.filter, debounce=self.options.debounce_ms, step=self.options.step_ms,
            stop_event=stop, rust_timeout=_TICK_MS, yield_on_timeout=True, raise_interrupt=False,
            force_polling=self.options.force_polling)
        try:
            if _next_batch(batches, self.root) is None:  # the first return of watchfiles: it is listening now
                return
            yield self.cycle()
            last_reconcile = time.monotonic()
            while (batch := _next_batch(batches, self.root)) is not None:
                if batch:
                    trigger = self._batch_trigger(batch)
                    if not trigger:
                        continue
                elif time.monotonic() - last_reconcile >= RECONCILE_S:
                    last_reconcile = time.monotonic()
                    trigger = snapshot_changes(self._stamps, snapshot(self.root, self.filter.include))
                    if not trigger:
                        continue
                else:
                    continue
                if stop.is_set():
                    return
                yield self.cycle(trigger)
                last_reconcile = time.monotonic()
        finally:
            batches.close()  # stops the notifier thread now rather than at garbage collection

    def _batch_trigger(self, batch: set[tuple[Change, str]]) -> tuple[FileChange, ...]:
        files = {(change, raw) for change, raw in batch if self.filter.matches(Path(raw))}
        trigger = batch_changes(files, self._stamps.keys())
        if len(files) < len(batch):  # a folder changed: find what moved with it
            named = {c.path.resolve() for c in trigger}
            moved = snapshot_changes(self._stamps, snapshot(self.root, self.filter.include))
            trigger = tuple(sorted(trigger + tuple(c for c in moved if c.path.resolve() not in named)))
        return trigger

    def close(self) -> None:
        if self._backend is not None:
            self._backend.close()
            self._backend = None

    def __enter__(self) -> Watcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()



def _next_batch(batches: Iterator[set[tuple[Change, str]]], root: Path) -> set[tuple[Change, str]] | None:
    """The next batch of events (empty on an idle tick), or None once the watcher stopped."""
    try:
        return next(batches)
    except StopIteration:
        return None
    except (OSError, RuntimeError) as exc:  # the watched folder vanished, or the notifier failed
        raise WeavzFlowError(f"stopped watching {root}: {exc}") from None
