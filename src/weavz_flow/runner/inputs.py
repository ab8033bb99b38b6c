"""The flow's inputs from the caller: typed per the flow's input specs, defaults applied, unknown names refused."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from weavz_flow.config.model.flow import FlowFile, InputSpec, InputType, value_has_type
from weavz_flow.errors import WeavzFlowError
from weavz_flow.suggest import did_you_mean


class InputError(WeavzFlowError):
    pass


def parse_text(name: str, spec: InputSpec, text: str) -> Any:
    """A command-line ``key=value`` value converted to the input's declared type."""
    kind = spec.type
    try:
        if kind is InputType.STRING:
            return text
        if kind is InputType.INTEGER:
            return int(text)
        if kind is InputType.NUMBER:
            number = float(text)
            return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
        if kind is InputType.BOOLEAN:
            lowered = text.strip().lower()
            if lowered in {"true", "yes", "1", "on"}:
                return True
            if lowered in {"false", "no", "0", "off"}:
                return False
            raise ValueError(text)
        value = json.loads(text)
    except (ValueError, json.JSONDecodeError):
        raise InputError(f"input '{name}' must be {kind.value}, got {text!r}") from None
    if not value_has_type(value, kind):
        raise InputError(f"input '{name}' must be a JSON {kind.value}, got {text!r}")
    return value


def resolve_inputs(flow: FlowFile, given: Mapping[str, Any]) -> dict[str, Any]:
    """Values given as strings are parsed per type; typed values (from an inputs file or a caller) are checked."""
    for name in given:
        if name not in flow.inputs:
            hint = did_you_mean(name, flow.inputs)
            raise InputError(f"flow '{flow.name}' has no input '{name}'" + (f" ({hint})" if hint else ""))
    out: dict[str, Any] = {}
    for name, spec in flow.inputs.items():
        if name in given:
            value = given[name]
            if isinstance(value, str) and spec.type is not InputType.STRING:
                value = parse_text(name, spec, value)
            elif not value_has_type(value, spec.type):
                raise InputError(f"input '{name}' must be {spec.type.value}, got {type(value).__name__}")
            out[name] = value
        elif spec.has_default:
            out[name] = spec.default
        elif spec.required:
            raise InputError(f"flow '{flow.name}' needs input '{name}' ({spec.type.value}); pass -i {name}=...")
        else:
            out[name] = None
    return out
