"""The template context of one run: exactly the names the template contract (config/templates.py) promises."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from weavz_flow.config.model.flow import FlowFile


@dataclass(frozen=True, slots=True)
class RunInfo:
    id: str
    started_at: datetime


@dataclass(frozen=True, slots=True)
class StepState:
    """What later templates may read of a finished step."""

    status: str
    output: Any = None
    error: str | None = None

    def as_context(self) -> dict[str, Any]:
        return {"status": self.status, "output": self.output, "error": self.error}


@dataclass(frozen=True, slots=True)
class RunContext:
    flow: FlowFile
    run: RunInfo
    inputs: Mapping[str, Any]
    secrets: Mapping[str, str]  # plain values: templates need them; every record goes through the run's Redactor
    env: Mapping[str, str]
    end_user: str | None = None
    steps: dict[str, StepState] = field(default_factory=dict)

    def template_vars(self, visible: frozenset[str], loop: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The context for one step: only steps in ``visible`` (its guaranteed predecessors) are present, so a
        template cannot read a concurrently running step's half-state."""
        names: dict[str, Any] = {
            "inputs": dict(self.inputs),
            "steps": {sid: state.as_context() for sid, state in self.steps.items() if sid in visible},
            "secrets": dict(self.secrets),
            "env": dict(self.env),
            "flow": {"name": self.flow.name, "workspace": self.flow.workspace},
            "run": {"id": self.run.id, "started_at": self.run.started_at.isoformat()},
        }
        if loop is not None:
            names.update(loop)
        return names
