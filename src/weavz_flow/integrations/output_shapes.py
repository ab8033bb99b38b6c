"""What each native action returns, read from ``outputs.yaml`` beside this module (one entry per action): the shape
``integrations show NAME ACTION`` prints and the README documents."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from weavz_flow.integrations.custom_api_names import profile_names

OUTPUTS_FILE = "outputs.yaml"
CUSTOM_API_CALL = "custom_api_call"  # the top-level entry shared by custom_api_profiles.yaml's integrations


@dataclass(frozen=True, slots=True)
class OutputField:
    name: str
    type: str
    description: str


@dataclass(frozen=True, slots=True)
class OutputShape:
    type: str  # object, array, string or any: of the output itself
    description: str
    fields: tuple[OutputField, ...] = ()  # of the object, or of each item of an array


@cache
def output_shapes() -> dict[str, dict[str, OutputShape]]:
    """Every declared shape: integration -> action -> shape."""
    text = resources.files(__package__).joinpath(OUTPUTS_FILE).read_text(encoding="utf-8")
    data: dict[str, dict[str, Any]] = yaml.safe_load(text)
    shapes = {integration: {action: _shape(entry) for action, entry in actions.items()}
              for integration, actions in data.items() if integration != CUSTOM_API_CALL}
    # The data-file integrations' one action answers as every custom_api_call does: declared once.
    shared = _shape(data[CUSTOM_API_CALL])
    for name in profile_names():
        shapes.setdefault(name, {CUSTOM_API_CALL: shared})
    return shapes


def output_shape(integration: str, action: str) -> OutputShape | None:
    """The declared shape of a native action's output; None for an action this engine does not run itself."""
    return output_shapes().get(integration, {}).get(action)


def _shape(entry: dict[str, Any]) -> OutputShape:
    fields = tuple(OutputField(name, str(kind), str(description))
                   for name, (kind, description) in (entry.get("fields") or {}).items())
    return OutputShape(str(entry["type"]), str(entry["description"]), fields)
