"""The template context of one run: exactly the names the template contract (config/templates.py) promises."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from weavz_flow.config.model.flow import FlowFile


@dataclass(frozen=True, slots=True)
class RunInfo:
    id: str
    started_at: datetime


@dataclass(frozen=True, slots=True)
class TriggeringEvent:
    """The event that started a run (a flow's ``on:`` entry fired), as templates read it under ``trigger``
    (config/templates.py's TRIGGER_FIELDS). Its data is the provider's, handed over as a value: Jinja never renders
    a value it outputs, so a title of ``{{ 7*7 }}`` stays that text."""

    id: str  # the stored event's id (evt_...)
    data: Mapping[str, Any]
    source: str  # the trigger source's id
    occurred_at: str | None
    integration: str
    name: str  # the trigger's name

    def as_context(self) -> dict[str, Any]:
        return {"id": self.id, "data": self.data, "source": self.source, "occurredAt": self.occurred_at,
                "integration": self.integration, "name": self.name}


@dataclass(frozen=True, slots=True)
class StepState:
    """What later templates may read of a finished step."""

    status: str
    output: Any = None
    error: str | None = None

    def as_context(self) -> dict[str, Any]:
        return {"status": self.status, "output": self.output, "error": self.error}


class VisibleSteps(Mapping[str, Mapping[str, Any]]):
    """``steps`` as one template sees it: the finished steps it is guaranteed to follow. A view, not a copy, so that
    step N of a long flow does not rebuild N entries."""

    __slots__ = ("_states", "_visible")

    def __init__(self, states: Mapping[str, StepState], visible: frozenset[str]) -> None:
        self._states = states
        self._visible = visible

    def __getitem__(self, step_id: str) -> Mapping[str, Any]:
        if step_id not in self._visible:
            raise KeyError(step_id)
        return self._states[step_id].as_context()

    def __contains__(self, step_id: object) -> bool:
        return step_id in self._visible and step_id in self._states

    def __iter__(self) -> Iterator[str]:
        return (sid for sid in self._states if sid in self._visible)

    def __len__(self) -> int:
        return sum(1 for _ in self)


@dataclass(frozen=True, slots=True)
class RunContext:
    flow: FlowFile
    run: RunInfo
    inputs: Mapping[str, Any]
    secrets: Mapping[str, str]  # plain values: templates need them; every record goes through the run's Redactor
    env: Mapping[str, str]
    end_user: str | None = None
    steps: dict[str, StepState] = field(default_factory=dict)
    event: TriggeringEvent | None = None  # None: the run was not started by an event (``trigger`` is None then)

    def template_vars(self, visible: frozenset[str], loop: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The context for one step: only steps in ``visible`` (its guaranteed predecessors) are present, so a
        template cannot read a concurrently running step's half-state."""
        names: dict[str, Any] = {
            "inputs": dict(self.inputs),
            "steps": VisibleSteps(self.steps, visible),
            "secrets": dict(self.secrets),
            "env": dict(self.env),
            "flow": {"name": self.flow.name, "workspace": self.flow.workspace},
            "run": {"id": self.run.id, "started_at": self.run.started_at.isoformat()},
            "trigger": self.event.as_context() if self.event is not None else None,
        }
        if loop is not None:
            names.update(loop)
        return names
