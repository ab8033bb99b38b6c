"""Read the SDK's generated catalogue (``weavz_sdk.integrations``) into catalog values and write the cache.

Importing that module costs about 8 s of CPU and 250 MiB, so this runs in a child process
(``python -m weavz_flow.catalog.sdk_extract CACHE_FILE``) that exits once the file is written; a long-lived server
that triggers a build never holds that memory. Nothing else in weavz-flow imports the SDK catalogue.
"""

from __future__ import annotations

import sys
import types
import typing
from pathlib import Path
from typing import Any

from weavz_flow.catalog.model import ActionInfo, InputField, IntegrationInfo
from weavz_flow.catalog.sdk_cache_format import encode, write_atomically
from weavz_flow.catalog.sdk_version import sdk_version

# Model docstrings read "<Integration display name> — <Action display name>".
_DOC_SEPARATOR = " — "

_SCALARS: dict[Any, str] = {str: "string", float: "number", int: "integer", bool: "boolean"}


def json_type(annotation: Any) -> str | None:
    """The JSON type of a field annotation; ``None`` (any JSON value) for ``Any`` and real unions.

    ``Optional[X]`` is ``X``: optionality is the field's ``required`` flag, not its type.
    """
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        return json_type(members[0]) if len(members) == 1 else None
    base = origin or annotation
    if base in _SCALARS:
        return _SCALARS[base]
    if base in (list, tuple, set, frozenset):
        return "array"
    if base is dict:
        return "object"
    return None


def extract(module: types.ModuleType) -> list[IntegrationInfo]:
    models = module.INTEGRATION_ACTION_INPUT_MAP
    out: list[IntegrationInfo] = []
    for integration, action_names in module.INTEGRATION_ACTIONS.items():
        display_name = ""
        actions: dict[str, ActionInfo] = {}
        for action_name in action_names:
            model = models[f"{integration}.{action_name}"]
            doc = (model.__doc__ or "").strip()
            integration_display, sep, action_display = doc.partition(_DOC_SEPARATOR)
            if not sep:
                integration_display, action_display = "", doc
            display_name = display_name or integration_display
            fields = tuple(
                InputField(
                    name=info.alias or py_name,
                    type=json_type(info.annotation),
                    required=info.is_required(),
                    description=info.description or "",
                )
                for py_name, info in model.model_fields.items()
            )
            actions[action_name] = ActionInfo(
                integration=integration, name=action_name, display_name=action_display or action_name, fields=fields
            )
        out.append(IntegrationInfo(name=integration, display_name=display_name or integration, actions=actions))
    return out


def build(cache_file: Path) -> None:
    """Import the SDK catalogue in this process and write the cache file atomically."""
    import weavz_sdk.integrations as sdk_catalog  # the 8-second import, confined to this child process

    write_atomically(cache_file, encode(sdk_version(), extract(sdk_catalog)))


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write("usage: python -m weavz_flow.catalog.sdk_extract CACHE_FILE\n")
        return 2
    build(Path(argv[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
