"""A flow file (top-level key ``flow: <name>``): typed inputs, steps, ``finally`` steps and an optional schedule.

Step order and concurrency: a step without ``needs`` runs after the step before it; a step with ``needs`` runs as
soon as the listed (earlier) steps have finished, so steps whose needs are met may run concurrently. A template may
only read ``steps.<id>`` of a step that is guaranteed to have finished first (:meth:`FlowFile.predecessors`).
``finally`` steps run after all steps, whatever happened, in order; they may read any step.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any

from pydantic import Field, StringConstraints, field_validator, model_validator
from pydantic_core import PydanticCustomError

from weavz_flow.config.model.base import (
    USES_PATTERN,
    Duration,
    EndUserId,
    EnvName,
    FlowName,
    InputName,
    SecretRef,
    Slug,
    StepId,
    StrictModel,
)
from weavz_flow.config.model.flow_on import OnEntry
from weavz_flow.config.model.flow_policies import Overlap
from weavz_flow.suggest import did_you_mean

__all__ = ["FlowFile", "InputSpec", "InputType", "Missed", "OnEntry", "Overlap", "RetryConfig", "ScheduleConfig",
           "StepConfig", "value_has_type"]


class InputType(StrEnum):
    STRING = "string"
    NUMBER = "number"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    ARRAY = "array"
    OBJECT = "object"


_PYTHON_TYPES: dict[InputType, tuple[type, ...]] = {
    InputType.STRING: (str,),
    InputType.NUMBER: (int, float),
    InputType.INTEGER: (int,),
    InputType.BOOLEAN: (bool,),
    InputType.ARRAY: (list,),
    InputType.OBJECT: (dict,),
}


def value_has_type(value: Any, kind: InputType) -> bool:
    if isinstance(value, bool) and kind is not InputType.BOOLEAN:
        return False
    return isinstance(value, _PYTHON_TYPES[kind])


class InputSpec(StrictModel):
    """A flow input. A required input without a default must be given by the caller."""

    type: InputType = InputType.STRING
    default: Any = None
    required: bool = False
    description: str | None = None

    @property
    def has_default(self) -> bool:
        return "default" in self.model_fields_set and self.default is not None

    @model_validator(mode="after")
    def _default_has_type(self) -> InputSpec:
        if self.has_default and not value_has_type(self.default, self.type):
            raise PydanticCustomError("default_type", "default does not match type '{type}'",
                                      {"type": self.type.value, "at_key": "default",
                                       "fix": f"give a default of type '{self.type.value}', or change 'type'"})
        return self


class RetryConfig(StrictModel):
    """``attempts`` counts every try, the first included; the wait doubles from ``backoff`` after each failure."""

    attempts: Annotated[int, Field(ge=1, le=100)] = 3
    backoff: Duration = Field(default="1s", validate_default=True)
    jitter: bool = True


class StepConfig(StrictModel):
    """One action call. String values in ``with``, ``if``, ``for_each`` and ``end_user`` may be Jinja templates."""

    id: StepId
    uses: Annotated[str, StringConstraints(pattern=USES_PATTERN)] = Field(
        description="<alias>.<action>, the alias declared in the flow's workspace"
    )
    with_: dict[str, Any] = Field(default_factory=dict, alias="with")
    if_: bool | str | None = Field(default=None, alias="if", description="template; the step runs when truthy")
    for_each: str | list[Any] | None = Field(
        default=None, description="a list, or a template that renders to one; each item runs the step once"
    )
    max_parallel: Annotated[int, Field(ge=1, le=100)] | None = Field(
        default=None, description="for_each items run at once (default 1)"
    )
    retry: RetryConfig | None = None
    idempotent: bool = Field(default=False, description="send an idempotency key so a retried call runs once")
    timeout: Duration | None = None
    continue_on_error: bool = False
    end_user: EndUserId | None = Field(default=None, description="externalId; overrides the flow's end_user")
    partials: list[str] | None = Field(
        default=None,
        description="these partials of the alias, after its default partials that enforce keys (those always apply); "
                    "absent = all of the alias's default partials",
    )
    needs: list[StepId] | None = Field(default=None, description="earlier steps this step waits for")

    @property
    def alias(self) -> str:
        return self.uses.split(".", 1)[0]

    @property
    def action(self) -> str:
        return self.uses.split(".", 1)[1]

    @model_validator(mode="after")
    def _max_parallel_needs_for_each(self) -> StepConfig:
        if self.max_parallel is not None and self.for_each is None:
            raise PydanticCustomError("max_parallel_unused", "'max_parallel' only applies with 'for_each'",
                                      {"at_key": "max_parallel", "fix": "remove 'max_parallel', or add 'for_each'"})
        return self


class Missed(StrEnum):
    LAST = "last"  # after downtime, run once for the most recent missed tick
    ALL = "all"  # run every missed tick, in order
    NONE = "none"  # skip them all


_CRON_FIELDS = (
    ("minute", "0-59"),
    ("hour", "0-23"),
    ("day-of-month", "1-31"),
    ("month", "1-12 or JAN-DEC"),
    ("day-of-week", "0-7 (0 and 7 are Sunday) or SUN-SAT"),
)


class ScheduleConfig(StrictModel):
    cron: str = Field(description="five fields: minute hour day-of-month month day-of-week")
    timezone: str = Field(default="UTC", description="IANA name, e.g. Europe/Berlin")
    overlap: Overlap = Overlap.SKIP
    missed: Missed = Missed.LAST
    enabled: bool = True

    @field_validator("cron")
    @classmethod
    def _cron_is_valid(cls, value: str) -> str:
        if len(value.split()) != 5:
            raise PydanticCustomError(
                "cron", "cron expression must have 5 fields (minute hour day month weekday), got {n}",
                {"n": len(value.split())},
            )
        # croniter is needed only by files that hold a schedule; importing it here keeps plain loads quick.
        from croniter import croniter

        if not croniter.is_valid(value):
            fields = value.split()
            # Name the field at fault: croniter's own message says only "not acceptable".
            for index, (name, accepts) in enumerate(_CRON_FIELDS):
                alone = " ".join(fields[index] if i == index else "*" for i in range(5))
                if not croniter.is_valid(alone):
                    raise PydanticCustomError(
                        "cron", "invalid cron expression '{cron}': the {field} field takes {accepts}",
                        {"cron": value, "field": name, "accepts": accepts},
                    )
            raise PydanticCustomError("cron", "invalid cron expression '{cron}'", {"cron": value})
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone_is_iana(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            from zoneinfo import available_timezones

            hint = did_you_mean(value, available_timezones()) or "use an IANA name such as 'Europe/Berlin'"
            raise PydanticCustomError("timezone", "unknown time zone '{tz}'", {"tz": value, "fix": hint}) from None
        return value


class FlowFile(StrictModel):
    """The whole of one flow file."""

    flow: FlowName
    workspace: Slug
    description: str | None = None
    end_user: EndUserId | None = Field(default=None, description="externalId used by every step unless it sets one")
    inputs: dict[InputName, InputSpec] = Field(default_factory=dict)
    secrets: dict[EnvName, SecretRef] = Field(
        default_factory=dict, description="values templates read as secrets.<name>; resolved at run time"
    )
    steps: list[StepConfig] = Field(min_length=1)
    finally_: list[StepConfig] = Field(default_factory=list, alias="finally")
    schedule: ScheduleConfig | None = None
    on: list[OnEntry] = Field(default_factory=list, description="events that start the flow (triggers, webhooks)")
    concurrency: Annotated[int, Field(ge=1, le=1000)] | None = Field(
        default=None, description="runs of this flow at once, at most (fires of its schedule and events); default no "
                                  "limit beyond each entry's overlap"
    )

    @property
    def name(self) -> str:
        return self.flow

    @property
    def all_steps(self) -> list[StepConfig]:
        return [*self.steps, *self.finally_]

    @cached_property
    def _predecessors(self) -> dict[str, frozenset[str]]:
        out: dict[str, frozenset[str]] = {}
        previous: str | None = None
        for step in self.steps:
            direct = list(step.needs) if step.needs is not None else ([previous] if previous else [])
            closure: set[str] = set()
            for dep in direct:
                if dep in out:
                    closure |= {dep} | out[dep]
            out[step.id] = frozenset(closure)
            previous = step.id
        main = frozenset(s.id for s in self.steps)
        done: set[str] = set()
        for step in self.finally_:
            out[step.id] = main | done
            done.add(step.id)
        return out

    def predecessors(self, step_id: str) -> frozenset[str]:
        """Steps guaranteed to have finished before ``step_id`` starts (by ``needs`` or by order)."""
        return self._predecessors.get(step_id, frozenset())
