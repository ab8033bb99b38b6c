"""Which main steps of a flow may start: a step is ready once its direct dependencies (``needs``, else the step
before it) have finished. Fail-fast: once a step fails without ``continue_on_error``, no further step becomes ready;
those already running finish, and :meth:`ReadyQueue.not_started` names the rest, which the run records as skipped.

The queue only keeps the books; running the steps (on this thread or a pool) is the runner's."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from weavz_flow.config.model.flow import FlowFile


def direct_dependencies(flow: FlowFile) -> dict[str, list[str]]:
    deps: dict[str, list[str]] = {}
    previous: str | None = None
    for step in flow.steps:
        deps[step.id] = list(step.needs) if step.needs is not None else ([previous] if previous else [])
        previous = step.id
    return deps


class ReadyQueue:
    def __init__(self, order: Sequence[str], dependencies: Mapping[str, Sequence[str]]) -> None:
        """``order``: the steps in flow order (ready steps are handed out in it); ``dependencies``: each step's
        direct dependencies. An unknown dependency (an unvalidated flow) never finishes: its dependents never run."""
        self._position = {sid: i for i, sid in enumerate(order)}
        self._waiting = {sid: len(dependencies.get(sid, ())) for sid in order}
        self._dependents: dict[str, list[str]] = {sid: [] for sid in order}
        for sid in order:
            for dep in dependencies.get(sid, ()):
                self._dependents.setdefault(dep, []).append(sid)
        self._ready = [sid for sid in order if self._waiting[sid] == 0]
        self._started: set[str] = set()
        self.stopped_by: str | None = None  # the step whose failure stopped the run

    @classmethod
    def of(cls, flow: FlowFile) -> ReadyQueue:
        return cls([s.id for s in flow.steps], direct_dependencies(flow))

    def take(self) -> list[str]:
        """The steps that may start now, in flow order, marked started; none once the run has stopped."""
        if self.stopped_by is not None:
            return []
        batch, self._ready = self._ready, []
        self._started.update(batch)
        return batch

    def finish(self, step_id: str, *, stops: bool) -> None:
        """``step_id`` has finished; ``stops``: it failed and the run must start no further step."""
        for child in self._dependents.get(step_id, ()):
            self._waiting[child] -= 1
            if self._waiting[child] == 0:
                self._ready.append(child)
        self._ready.sort(key=self._position.__getitem__)
        if stops:  # of several failures, the last one is named
            self.stopped_by = step_id

    def restore(self, finished: Mapping[str, bool]) -> None:
        """Mark the steps of ``finished`` (a resumed run's steps that ended before it waited -> whether that stopped
        the run) as started and finished, as they were; the rest become ready as their dependencies are."""
        while done := [sid for sid in self._ready if sid in finished]:
            self._ready = [sid for sid in self._ready if sid not in finished]
            self._started.update(done)
            for sid in done:
                self.finish(sid, stops=finished[sid])

    def not_started(self) -> list[str]:
        """The steps never handed out by :meth:`take`, in flow order."""
        return [sid for sid in self._position if sid not in self._started]

    def skip_reason(self) -> str:
        """Why :meth:`not_started` did not run."""
        if self.stopped_by is not None:
            return f"not run: step '{self.stopped_by}' failed"
        return "not run: a dependency never finished"
