"""Reading one YAML file into plain data plus the position of every node, so later errors can name file:line:column.

The text is composed into a node tree (with the C loader when PyYAML has it) and turned into data by our own walk,
which also records positions, reports duplicate keys and refuses tags the config language does not use. Mapping keys
keep their source spelling (``on:`` stays the string ``"on"``) because config keys are names, not YAML 1.1 booleans.
Timestamps stay strings for the same reason: the models decide what a value means.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from weavz_flow.config.yaml_hints import TEMPLATE_HINT, syntax_hint
from weavz_flow.diagnostics import Diagnostic, Position, Severity

try:  # the C loader composes several times faster; fall back quietly where libyaml is missing
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

# A path from the document root to a node: mapping keys and sequence indexes, as pydantic ``loc`` tuples spell them.
NodePath = tuple[str | int, ...]

_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_SCALAR_TAGS = {_STR, "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
                "tag:yaml.org,2002:null", _TIMESTAMP}
_MAP_TAGS = {"tag:yaml.org,2002:map"}
_SEQ_TAGS = {"tag:yaml.org,2002:seq"}
_MAX_DEPTH = 200  # deeper than any config; stops runaway alias recursion cheaply
# Values built from one file, aliases expanded: far more than any config, far fewer than an alias bomb (nine
# aliases of nine aliases... is 9**9 values from a few lines).
_MAX_VALUES = 200_000


@dataclass(frozen=True, slots=True)
class NodeSpot:
    """Where a node sits: ``key`` is the mapping key's position (the value's own for sequence items)."""

    key: Position
    value: Position


@dataclass(slots=True)
class PositionMap:
    """Positions of every node of one document, by path."""

    file: str
    spots: dict[NodePath, NodeSpot] = field(default_factory=dict)

    def value(self, path: NodePath) -> Position:
        """The position of the value at ``path``, or of its nearest recorded ancestor."""
        return self._nearest(path).value

    def key(self, path: NodePath) -> Position:
        """The position of the key at ``path`` (for an unknown key, the key itself is the mistake)."""
        return self._nearest(path).key

    def has(self, path: NodePath) -> bool:
        return path in self.spots

    def _nearest(self, path: NodePath) -> NodeSpot:
        for end in range(len(path), -1, -1):
            spot = self.spots.get(path[:end])
            if spot is not None:
                return spot
        start = Position(self.file, 1, 1)
        return NodeSpot(start, start)


@dataclass(slots=True)
class YamlDocument:
    data: Any
    positions: PositionMap
    diagnostics: list[Diagnostic]


def parse_yaml(text: str, file: str) -> YamlDocument:
    """Parse one single-document YAML text. Never raises for bad input: problems come back as diagnostics."""
    positions = PositionMap(file)
    try:
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        return YamlDocument(None, positions, [_syntax_diagnostic(exc, file, text)])
    except yaml.YAMLError as exc:  # errors without a mark (e.g. a bad byte in a stream)
        diag = Diagnostic(Severity.ERROR, "yaml-syntax", f"invalid YAML: {exc}", Position(file, 1, 1))
        return YamlDocument(None, positions, [diag])
    if root is None:
        return YamlDocument(None, positions, [])
    builder = _Builder(file, positions)
    start = _pos(file, root)
    positions.spots[()] = NodeSpot(start, start)
    data = builder.build(root, (), 0)
    return YamlDocument(data, positions, builder.diagnostics)


def _pos(file: str, node: yaml.Node) -> Position:
    return Position(file, node.start_mark.line + 1, node.start_mark.column + 1)


def _syntax_diagnostic(exc: yaml.MarkedYAMLError, file: str, text: str) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    where = Position(file, mark.line + 1, mark.column + 1) if mark is not None else Position(file, 1, 1)
    # The problem text only: PyYAML's full str() quotes the offending line, which may hold a secret.
    problem = exc.problem or "invalid YAML"
    if exc.context:
        problem = f"{problem} ({exc.context})"
    return Diagnostic(Severity.ERROR, "yaml-syntax", f"YAML syntax error: {problem}", where, syntax_hint(exc, text))


class _Builder:
    def __init__(self, file: str, positions: PositionMap) -> None:
        self.file = file
        self.positions = positions
        self.diagnostics: list[Diagnostic] = []
        self._constructor = SafeConstructor()
        self._stack: set[int] = set()
        self._values = 0

    def _error(self, code: str, message: str, node: yaml.Node, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(Severity.ERROR, code, message, _pos(self.file, node), hint))

    def build(self, node: yaml.Node, path: NodePath, depth: int) -> Any:
        if id(node) in self._stack or depth > _MAX_DEPTH:
            self._error("yaml-syntax", "recursive or too deeply nested YAML alias", node)
            return None
        self._values += 1
        if self._values > _MAX_VALUES:
            if self._values == _MAX_VALUES + 1:
                self._error("yaml-syntax", f"YAML aliases expand to more than {_MAX_VALUES} values", node)
            return None
        self._stack.add(id(node))
        try:
            if isinstance(node, yaml.ScalarNode):
                return self._scalar(node)
            if isinstance(node, yaml.SequenceNode):
                return self._sequence(node, path, depth)
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path, depth)
        finally:
            self._stack.discard(id(node))
        return None  # pragma: no cover - the composer only makes the three node kinds

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag not in _SCALAR_TAGS:
            self._error("yaml-tag", f"unsupported YAML tag '{node.tag}'", node, "remove the tag")
            return node.value
        if node.tag in (_STR, _TIMESTAMP):
            return node.value
        try:
            return self._constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError):
            return node.value

    def _sequence(self, node: yaml.SequenceNode, path: NodePath, depth: int) -> list[Any]:
        if node.tag not in _SEQ_TAGS:
            self._error("yaml-tag", f"unsupported YAML tag '{node.tag}'", node, "remove the tag")
        items: list[Any] = []
        for index, child in enumerate(node.value):
            child_path = (*path, index)
            where = _pos(self.file, child)
            self.positions.spots[child_path] = NodeSpot(where, where)
            items.append(self.build(child, child_path, depth + 1))
        return items

    def _mapping(self, node: yaml.MappingNode, path: NodePath, depth: int) -> dict[str, Any]:
        if node.tag not in _MAP_TAGS:
            self._error("yaml-tag", f"unsupported YAML tag '{node.tag}'", node, "remove the tag")
        out: dict[str, Any] = {}
        first_seen: dict[str, Position] = {}
        merged: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merged.append(value_node)
                continue
            if isinstance(key_node, yaml.MappingNode) and key_node.flow_style and node.flow_style:
                # `text: {{ inputs.x }}` parses as a mapping keyed by a mapping: the classic unquoted template.
                self._error("yaml-template", "unquoted template: YAML reads '{{' here as a nested mapping", node,
                            TEMPLATE_HINT)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self._error("yaml-key", "mapping keys must be plain names", key_node,
                            "a key is a plain name; quote a key that holds '[', '{', '?' or ': '")
                continue
            key = str(key_node.value)
            key_pos = _pos(self.file, key_node)
            if key in first_seen:
                self._error("duplicate-key", f"duplicate key '{key}'", key_node,
                            f"first defined at line {first_seen[key].line}")
                continue
            first_seen[key] = key_pos
            child_path = (*path, key)
            self.positions.spots[child_path] = NodeSpot(key_pos, _pos(self.file, value_node))
            out[key] = self.build(value_node, child_path, depth + 1)
        for source in merged:  # YAML merge keys: explicit keys win over merged ones
            for merged_map in self._merge_sources(source):
                for key, value in self._mapping(merged_map, path, depth + 1).items():
                    out.setdefault(key, value)
        return out

    def _merge_sources(self, node: yaml.Node) -> Iterator[yaml.MappingNode]:
        if isinstance(node, yaml.MappingNode):
            yield node
        elif isinstance(node, yaml.SequenceNode):
            for child in node.value:
                if isinstance(child, yaml.MappingNode):
                    yield child
                else:
                    self._error("yaml-syntax", "a merge key takes a mapping or a list of mappings", child)
        else:
            self._error("yaml-syntax", "a merge key takes a mapping or a list of mappings", node)
