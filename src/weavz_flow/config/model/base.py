"""Building blocks shared by every config file model: the strict base, name rules, durations and secret references."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError


class StrictModel(BaseModel):
    """Every config object: unknown keys are errors, values are immutable once loaded."""

    # defer_build: a command validates the three file models, whose schemas take in the nested ones; building every
    # nested model's own validator at import was ~30 ms of a cold `validate` for nothing.
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False, str_strip_whitespace=False,
                              defer_build=True)


# Name rules. Each pattern is also exported in the JSON Schema, so editors flag a bad name as it is typed.
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
ALIAS_PATTERN = r"^[a-z][a-z0-9_-]*$"
# Step ids and input names appear in templates as `steps.<id>` and `inputs.<name>`, so they must be identifiers.
STEP_ID_PATTERN = r"^[a-z_][a-z0-9_]*$"
INPUT_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
FLOW_NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
EXTERNAL_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:@+-]*$"
USES_PATTERN = r"^[a-z][a-z0-9_-]*\.[A-Za-z0-9_-]+$"

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=64)]
AliasName = Annotated[str, StringConstraints(pattern=ALIAS_PATTERN, max_length=64)]
StepId = Annotated[str, StringConstraints(pattern=STEP_ID_PATTERN, max_length=64)]
InputName = Annotated[str, StringConstraints(pattern=INPUT_NAME_PATTERN, max_length=64)]
EnvName = Annotated[str, StringConstraints(pattern=ENV_NAME_PATTERN, max_length=128)]
FlowName = Annotated[str, StringConstraints(pattern=FLOW_NAME_PATTERN, max_length=100)]
ExternalId = Annotated[str, StringConstraints(pattern=EXTERNAL_ID_PATTERN, max_length=255)]
# End-user ids are the user's own product ids (often emails or UUIDs): anything non-blank.
EndUserId = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"\S")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
IntegrationName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=100)]
ActionName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]+$", max_length=100)]
HttpUrl = Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=2000)]

# --- durations ---------------------------------------------------------------------------------------------------

DURATION_PATTERN = r"^(\d+(\.\d+)?(ms|s|m|h|d))+$"
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(value: Any) -> timedelta:
    """'500ms', '2s', '5m', '1h30m' -> timedelta. Numbers are refused: a bare 2 could mean seconds or minutes."""
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str) or not re.fullmatch(DURATION_PATTERN, value.strip()):
        raise PydanticCustomError(
            "duration", "expected a duration such as '500ms', '2s', '5m' or '1h30m'"
        )
    seconds = sum(float(n) * _UNIT_SECONDS[unit] for n, unit in _DURATION_PART.findall(value.strip()))
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    ms = round(value.total_seconds() * 1000)
    if ms % 1000:
        return f"{ms}ms"
    return f"{ms // 1000}s"


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema({"type": "string", "pattern": DURATION_PATTERN, "examples": ["500ms", "2s", "5m"]}),
]

# --- secret references -------------------------------------------------------------------------------------------


class SecretRef(StrictModel):
    """Where a credential comes from: exactly one of ``env`` (a variable name) or ``file`` (a path, relative to the
    project root). The value itself never appears in config; it is read at apply or run time
    (:mod:`weavz_flow.config.secret_values`)."""

    env: EnvName | None = None
    file: Annotated[str, StringConstraints(min_length=1)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _refuse_literals(cls, data: Any) -> Any:
        if isinstance(data, str | int | float | bool):
            # The literal is never quoted back: it may be a real credential.
            raise PydanticCustomError("literal_secret", "a literal secret is not allowed here")
        return data

    @model_validator(mode="after")
    def _exactly_one(self) -> SecretRef:
        if (self.env is None) == (self.file is None):
            raise PydanticCustomError("secret_ref", "give exactly one of 'env' or 'file'",
                                      {"fix": "write {env: NAME} or {file: PATH}"})
        return self

    def describe(self) -> str:
        return f"env:{self.env}" if self.env is not None else f"file:{self.file}"
