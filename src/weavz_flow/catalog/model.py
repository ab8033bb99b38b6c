"""Catalog values: integrations, their actions and each action's input fields.

These are plain immutable data so that the catalog can be cached compactly and read in milliseconds. The JSON Schema
and the Weavz ``props`` shape of an action are derived from its fields on demand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# JSON Schema type names used for input fields; ``None`` means any JSON value.
JSON_TYPES = ("string", "number", "integer", "boolean", "array", "object")

# How a JSON type shows as a Weavz/Activepieces prop type in GET /api/v1/integrations (weavz-sdk-wire.md §5).
_PROP_TYPE = {
    "string": "SHORT_TEXT",
    "number": "NUMBER",
    "integer": "NUMBER",
    "boolean": "CHECKBOX",
    "array": "ARRAY",
    "object": "OBJECT",
    None: "JSON",
}

_NO_DEFAULT = object()


@dataclass(frozen=True, slots=True)
class InputField:
    name: str  # the wire name, as sent in ``input``
    type: str | None  # one of JSON_TYPES, or None for any JSON value
    required: bool = False
    description: str = ""
    enum: tuple[Any, ...] | None = None
    default: Any = _NO_DEFAULT
    display_name: str = ""

    @property
    def has_default(self) -> bool:
        return self.default is not _NO_DEFAULT

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {}
        if self.type is not None:
            schema["type"] = self.type
        if self.description:
            schema["description"] = self.description
        if self.enum is not None:
            schema["enum"] = list(self.enum)
        if self.has_default:
            schema["default"] = self.default
        return schema

    def accepts(self, value: Any) -> bool:
        """Whether a literal value has this field's JSON type (None is accepted for optional fields)."""
        if value is None:
            return not self.required
        t = self.type
        if t is None:
            return True
        if t == "string":
            return isinstance(value, str)
        if t == "boolean":
            return isinstance(value, bool)
        if t == "integer":
            return isinstance(value, int) and not isinstance(value, bool)
        if t == "number":
            return isinstance(value, int | float) and not isinstance(value, bool)
        if t == "array":
            return isinstance(value, list)
        if t == "object":
            return isinstance(value, dict)
        return True


@dataclass(frozen=True, slots=True)
class ActionInfo:
    integration: str
    name: str
    display_name: str = ""
    description: str = ""
    fields: tuple[InputField, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.integration}.{self.name}"

    def field(self, name: str) -> InputField | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    def defaults(self) -> dict[str, Any]:
        return {f.name: f.default for f in self.fields if f.has_default}

    def input_schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {f.name: f.json_schema() for f in self.fields},
            "required": list(self.required),
        }

    def props(self) -> dict[str, Any]:
        """The Weavz metadata shape: a map of prop name to ``{type, displayName, description, required}``."""
        props: dict[str, Any] = {}
        for f in self.fields:
            prop: dict[str, Any] = {
                "type": _PROP_TYPE.get(f.type, "JSON"),
                "displayName": f.display_name or f.name,
                "description": f.description,
                "required": f.required,
            }
            if f.enum is not None:
                prop["type"] = "STATIC_DROPDOWN"
                prop["options"] = {"options": [{"label": str(v), "value": v} for v in f.enum]}
            props[f.name] = prop
        return props


@dataclass(frozen=True, slots=True)
class AuthProp:
    """One field a person fills in to connect a CUSTOM_AUTH integration (a prop of the connection's ``props``)."""

    name: str
    display_name: str
    description: str = ""
    required: bool = True
    secret: bool = False  # entered as a password, never shown again


@dataclass(frozen=True, slots=True)
class AuthForm:
    """What the hosted connect page asks a person for, beyond the connection types: what the integration calls its
    SECRET_TEXT (a bot token, an API key) and the props of its CUSTOM_AUTH. Empty: generic labels, and no
    CUSTOM_AUTH form (its props are unknown, as for the SDK's integrations)."""

    secret_label: str = ""
    secret_description: str = ""
    props: tuple[AuthProp, ...] = ()


# How a trigger learns of events (weavz-api.md §1.11): the engine asks the provider on an interval, or the provider
# (or anyone holding the source's URL) posts to an inbound webhook URL of this server.
TRIGGER_TYPES = ("POLLING", "WEBHOOK")


@dataclass(frozen=True, slots=True)
class TriggerInfo(ActionInfo):
    """A trigger's catalog entry. Its input fields are an action's (checked, merged with partials and enforced the
    same way), so it is an :class:`ActionInfo` with a type and the sample event ``triggers/test`` answers."""

    type: str = "POLLING"  # one of TRIGGER_TYPES
    sample_data: Mapping[str, Any] = field(default_factory=dict)

    def metadata(self) -> dict[str, Any]:
        """The trigger as ``GET /api/v1/integrations`` shows it in ``triggers``."""
        return {
            "name": self.name,
            "displayName": self.display_name or self.name,
            "description": self.description,
            "type": self.type,
            "props": self.props(),
            "sampleData": dict(self.sample_data),
        }


@dataclass(frozen=True, slots=True)
class IntegrationInfo:
    name: str
    display_name: str = ""
    description: str = ""
    # Connection types the integration accepts; empty means it needs no connection at all.
    auth_types: tuple[str, ...] = ()
    auth_form: AuthForm = field(default_factory=AuthForm)
    native: bool = False  # executable by this engine, not only configurable
    actions: Mapping[str, ActionInfo] = field(default_factory=dict)
    # Of a native integration, the actions this engine runs; the SDK twin's others are listed but not executable.
    native_actions: frozenset[str] = frozenset()
    # Triggers this engine runs (native integrations only: the SDK catalog ships no trigger definitions).
    triggers: Mapping[str, TriggerInfo] = field(default_factory=dict)

    @property
    def needs_connection(self) -> bool:
        return bool(self.auth_types)

    def runs_here(self, action: str) -> bool:
        """Whether the embedded engine executes ``action`` (else NATIVE_ACTION_UNSUPPORTED)."""
        return action in self.native_actions

    def metadata(self, *, summary: bool = False) -> dict[str, Any]:
        """The integration as ``GET /api/v1/integrations`` shows it."""
        data: dict[str, Any] = {
            "name": self.name,
            "displayName": self.display_name or self.name,
            "description": self.description,
            "logoUrl": None,
            "categories": [],
            "auth": {"type": list(self.auth_types)},
            "native": self.native,
        }
        if summary:
            data["actionCount"] = len(self.actions)
            data["triggerCount"] = len(self.triggers)  # a weavz-flow extension of the summary
            return data
        data["actions"] = {
            a.name: {"name": a.name, "displayName": a.display_name or a.name, "description": a.description,
                     "props": a.props()}
            for a in self.actions.values()
        }
        data["triggers"] = {name: trigger.metadata() for name, trigger in self.triggers.items()}
        return data
