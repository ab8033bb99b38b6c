"""Building a model from what is valid in a document that fails its schema, so that one mistake hides nothing else.

Each schema error names a node; that node is left out (a missing required key leaves out the mapping that lacks it)
and the rest is validated again, until it validates or nothing is left to try. The result keeps what was left out
(:class:`Damage`) so that checks can stay quiet where they would only repeat a reported error, e.g. "alias
'slack_bot' is not declared" for an alias whose ``strategy`` was misspelled.

Only the errors of the first validation are reported: later passes' errors follow from what was left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from weavz_flow.config.schema_errors import error_paths
from weavz_flow.config.yaml_source import NodePath, PositionMap

_MAX_PASSES = 25  # each pass leaves out at least one more node; real files need two or three


@dataclass(frozen=True, slots=True)
class Damage:
    """What recovery left out of one document, in the paths of the data the model was built from.

    ``origin`` maps a path of the recovered data to the path the user wrote (list items shift when one is left out).
    """

    removed: frozenset[NodePath] = frozenset()  # paths as written
    origin: Mapping[NodePath, NodePath] = field(default_factory=dict)
    lost_names: Mapping[NodePath, frozenset[str]] = field(default_factory=dict)  # container as written -> names
    stray_key: bool = False  # an unknown top-level key was left out: it may be a misspelled section

    def _written(self, path: NodePath) -> NodePath:
        # The path may end below what the recovered data holds (a key left out): map its longest recorded prefix.
        for end in range(len(path), 0, -1):
            prefix = self.origin.get(path[:end])
            if prefix is not None:
                return (*prefix, *path[end:])
        return path

    def touches(self, *path: str | int) -> bool:
        """Whether something at, under or above ``path`` had a schema error (and was left out)."""
        written = self._written(tuple(path))
        n = len(written)
        return any(r[:n] == written or written[: len(r)] == r for r in self.removed)

    def may_hold(self, name: str, *container: str | int) -> bool:
        """Whether the file may declare ``name`` under ``container`` although the model lacks it: its entry, the
        container or a top-level key (perhaps a misspelling of the container) was left out."""
        written = self._written(tuple(container))
        return name in self.lost_names.get(written, frozenset()) or self._container_lost(written)

    def lost_any(self, *container: str | int) -> bool:
        """Whether any entry of ``container`` (or the container itself, or a top-level key) was left out."""
        written = self._written(tuple(container))
        return bool(self.lost_names.get(written)) or self._container_lost(written)

    def _container_lost(self, written: NodePath) -> bool:
        return self.stray_key or any(written[: len(r)] == r for r in self.removed)


NO_DAMAGE = Damage()


@dataclass(frozen=True, slots=True)
class Recovered:
    model: BaseModel | None  # None when not even the document's identity (its required top-level keys) is valid
    positions: PositionMap  # of the recovered data
    damage: Damage


def recover(model: type[BaseModel], data: Any, positions: PositionMap, first: ValidationError) -> Recovered:
    removed: set[NodePath] = set()
    error = first
    current_positions = positions
    origin: dict[NodePath, NodePath] = {}
    for _ in range(_MAX_PASSES):
        paths = {origin.get(p, p) for p in _paths_to_remove(error, current_positions)}
        if () in paths or paths <= removed:
            break
        removed |= paths
        pruned, current_positions, origin = _prune(data, positions, removed)
        try:
            built = model.model_validate(pruned)
        except ValidationError as exc:
            error = exc
            continue
        known = {f.alias or name for name, f in model.model_fields.items()}
        stray = any(len(r) == 1 and r[0] not in known for r in removed)
        damage = Damage(frozenset(removed), origin, _lost_names(data, removed), stray)
        return Recovered(built, current_positions, damage)
    return Recovered(None, positions, Damage(frozenset({()})))  # nothing of the file can be relied on


def _paths_to_remove(exc: ValidationError, positions: PositionMap) -> set[NodePath]:
    out: set[NodePath] = set()
    for path, missing in error_paths(exc, positions):
        out.add(path[:-1] if missing else path)  # a missing key: the mapping that lacks it is incomplete
    return out


def _prune(
    data: Any, positions: PositionMap, removed: set[NodePath]
) -> tuple[Any, PositionMap, dict[NodePath, NodePath]]:
    new_positions = PositionMap(positions.file)
    origin: dict[NodePath, NodePath] = {}

    def walk(value: Any, written: NodePath, now: NodePath) -> Any:
        spot = positions.spots.get(written)
        if spot is not None:
            new_positions.spots[now] = spot
        if written != now:
            origin[now] = written
        if isinstance(value, dict):
            return {k: walk(v, (*written, k), (*now, k)) for k, v in value.items() if (*written, k) not in removed}
        if isinstance(value, list):
            kept = [(i, v) for i, v in enumerate(value) if (*written, i) not in removed]
            return [walk(v, (*written, i), (*now, j)) for j, (i, v) in enumerate(kept)]
        return value

    return walk(data, (), ()), new_positions, origin


def _lost_names(data: Any, removed: set[NodePath]) -> dict[NodePath, frozenset[str]]:
    """The names of the entries left out, by container: a mapping's key, a list item's ``id`` or its text."""
    names: dict[NodePath, set[str]] = {}
    for path in removed:
        if not path:
            continue
        last = path[-1]
        if isinstance(last, str):
            names.setdefault(path[:-1], set()).add(last)
            continue
        item = _at(data, path)
        name = item.get("id") if isinstance(item, dict) else item
        if isinstance(name, str):
            names.setdefault(path[:-1], set()).add(name)
    return {k: frozenset(v) for k, v in names.items()}


def _at(data: Any, path: NodePath) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data
