"""Agent Memory (``agent-memory``): a knowledge graph an agent keeps across calls, per persistence scope.

Entities (unique name, type, observations) and the relations between them; the graph and its rules are
:mod:`~weavz_flow.integrations.memory_graph`, its storage :mod:`~weavz_flow.integrations.state_document` (one
document per persistence namespace, so a whole graph is bounded by the store's ``kv_value_bytes``). Input schemas are
the SDK catalog's; its descriptions name an entity's and a relation's kind ``type``, and ``entityType`` /
``relationType`` (the names the MCP reference memory server uses) are read as the same field.

Every change is atomic: a call that names a missing entity or breaks a bound fails whole and writes nothing. Outputs
name what changed rather than echo the graph, and reads are bounded (``read_graph`` at most
:data:`READ_GRAPH_ENTITIES` entities and :data:`READ_GRAPH_RELATIONS` relations, ``search`` at most
:data:`SEARCH_LIMIT` entities, with the totals), so an agent's context stays small.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.base import ActionContext, NativeIntegration
from weavz_flow.integrations.catalog_action import catalog_actions
from weavz_flow.integrations.memory_graph import Graph, Relation, empty_graph
from weavz_flow.integrations.native_action import invalid_input
from weavz_flow.integrations.state_document import Document, StateDocument
from weavz_flow.integrations.text_search import search_query

NAME = "agent-memory"
TEXT_MAX = 200  # characters of an entity name, an entity type or a relation type
OBSERVATION_MAX = 5000  # characters of one observation
BATCH_MAX = 100  # items of one call's list (entities, observation batches, relations, names, observations)
READ_GRAPH_ENTITIES = 200
READ_GRAPH_RELATIONS = 500
SEARCH_LIMIT = 25
SEARCH_RELATIONS = 100

GRAPH = StateDocument(NAME, "graph", empty_graph)
_Output = TypeVar("_Output")


# -- input ------------------------------------------------------------------------------------------------------

def _items(ctx: ActionContext, values: dict[str, Any], field: str) -> list[Any]:
    """The list of ``field``: a JSON array, or text holding one (as an agent's tool call may send it)."""
    items = values[field]
    if isinstance(items, str):
        try:
            items = json.loads(items)
        except ValueError:
            raise invalid_input(ctx, field, "must be an array (or text holding a JSON array)") from None
    if not isinstance(items, list) or not items:
        raise invalid_input(ctx, field, "must be a non-empty array")
    if len(items) > BATCH_MAX:
        raise invalid_input(ctx, field, f"must hold at most {BATCH_MAX} items")
    return items


def _text(ctx: ActionContext, value: Any, field: str, limit: int = TEXT_MAX) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise invalid_input(ctx, field, "must be a non-empty string")
    if len(text) > limit:
        raise invalid_input(ctx, field, f"must be at most {limit} characters")
    return text


def _member(ctx: ActionContext, item: Any, field: str, *keys: str) -> Any:
    """The first of ``keys`` set in the object ``item`` (``field`` names it in errors)."""
    if not isinstance(item, dict):
        raise invalid_input(ctx, field, "must be an object")
    for key in keys:
        if item.get(key) is not None:
            return item[key]
    raise invalid_input(ctx, f"{field}.{keys[0]}", "is required")


def _texts(ctx: ActionContext, value: Any, field: str, *, required: bool = True) -> list[str]:
    if value is None and not required:
        return []
    if not isinstance(value, list) or (required and not value):
        raise invalid_input(ctx, field, "must be a non-empty array of strings")
    if len(value) > BATCH_MAX:
        raise invalid_input(ctx, field, f"must hold at most {BATCH_MAX} items")
    return [_text(ctx, v, f"{field}.{i}", OBSERVATION_MAX) for i, v in enumerate(value)]


def _relations(ctx: ActionContext, values: dict[str, Any]) -> list[Relation]:
    relations = []
    for i, item in enumerate(_items(ctx, values, "relations")):
        field = f"relations.{i}"
        relations.append(Relation(
            _text(ctx, _member(ctx, item, field, "from"), f"{field}.from"),
            _text(ctx, _member(ctx, item, field, "to"), f"{field}.to"),
            _text(ctx, _member(ctx, item, field, "type", "relationType"), f"{field}.type")))
    return relations


def _not_found(ctx: ActionContext, names: list[str]) -> ApiError:
    listed = ", ".join(repr(n) for n in names)
    return ApiError(ErrorCode.ACTION_FAILED, f"{ctx.integration}.{ctx.action}: no entity named {listed}",
                    details={"reason": "not_found", "entityNames": names})


def _change(ctx: ActionContext, field: str, change: Callable[[Graph], _Output]) -> _Output:
    """Apply ``change`` to the stored graph atomically; its return value is the action's output."""
    def on_document(document: Document) -> tuple[Document, _Output]:
        graph = Graph(document)
        result = change(graph)
        return graph.document(), result

    return GRAPH.update(ctx, on_document, field=field)


def _entity_json(entity: dict[str, Any]) -> dict[str, Any]:
    return {"name": entity["name"], "type": entity["type"], "observations": entity["observations"]}


def _relations_json(relations: list[Relation], limit: int) -> list[dict[str, str]]:
    return [r.as_json() for r in relations[:limit]]


# -- actions ----------------------------------------------------------------------------------------------------

def create_entities(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    entities = []
    for i, item in enumerate(_items(ctx, values, "entities")):
        field = f"entities.{i}"
        entities.append((_text(ctx, _member(ctx, item, field, "name"), f"{field}.name"),
                         _text(ctx, _member(ctx, item, field, "type", "entityType"), f"{field}.type"),
                         _texts(ctx, item.get("observations"), f"{field}.observations", required=False)))

    def change(graph: Graph) -> dict[str, Any]:
        created = [name for name, kind, observations in entities if graph.add_entity(name, kind, observations)]
        return {"created": created, "existing": [n for n, _, _ in entities if n not in created]}

    return _change(ctx, "entities", change)


def add_observations(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    batches = []
    for i, item in enumerate(_items(ctx, values, "observations")):
        field = f"observations.{i}"
        batches.append((_text(ctx, _member(ctx, item, field, "entityName"), f"{field}.entityName"),
                        _texts(ctx, _member(ctx, item, field, "contents"), f"{field}.contents")))

    def change(graph: Graph) -> dict[str, Any]:
        missing = graph.missing(name for name, _ in batches)
        if missing:
            raise _not_found(ctx, missing)
        return {"added": [{"entityName": name, "contents": graph.add_observations(name, contents)}
                          for name, contents in batches]}

    return _change(ctx, "observations", change)


def create_relations(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    relations = _relations(ctx, values)

    def change(graph: Graph) -> dict[str, Any]:
        missing = graph.missing(n for r in relations for n in (r.source, r.target))
        if missing:
            raise _not_found(ctx, missing)
        created = [r for r in relations if graph.add_relation(r)]
        return {"created": [r.as_json() for r in created],
                "existing": [r.as_json() for r in dict.fromkeys(relations) if r not in created]}

    return _change(ctx, "relations", change)


def search(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    query = search_query(ctx, values)
    graph = Graph(GRAPH.read(ctx))
    found, total = graph.search(query, SEARCH_LIMIT)
    names = {e["name"] for e in found}
    return {"entities": [_entity_json(e) for e in found],
            "relations": _relations_json(graph.relations_of(names, both_ends=True), SEARCH_RELATIONS),
            "total": total}


def read_graph(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    graph = Graph(GRAPH.read(ctx))
    return {"entities": [_entity_json(e) for e in graph.entities[:READ_GRAPH_ENTITIES]],
            "relations": _relations_json(graph.relations, READ_GRAPH_RELATIONS),
            "entityCount": len(graph.entities), "relationCount": len(graph.relations),
            "truncated": len(graph.entities) > READ_GRAPH_ENTITIES or len(graph.relations) > READ_GRAPH_RELATIONS}


def get_entity(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    name = _text(ctx, values["name"], "name")
    graph = Graph(GRAPH.read(ctx))
    entity = graph.entity(name)
    if entity is None:
        raise _not_found(ctx, [name])
    return {**_entity_json(entity),
            "relations": _relations_json(graph.relations_of({name}, both_ends=False), READ_GRAPH_RELATIONS)}


def delete_entities(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    names = list(dict.fromkeys(_text(ctx, n, f"names.{i}") for i, n in enumerate(_items(ctx, values, "names"))))

    def change(graph: Graph) -> dict[str, Any]:
        gone = {name: graph.delete_entity(name) for name in names}
        return {"deleted": [n for n, r in gone.items() if r is not None],
                "notFound": [n for n, r in gone.items() if r is None],
                "deletedRelations": sum(r for r in gone.values() if r is not None)}

    return _change(ctx, "names", change)


def delete_observations(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    name = _text(ctx, values["entityName"], "entityName")
    contents = _texts(ctx, _items(ctx, values, "observations"), "observations")

    def change(graph: Graph) -> dict[str, Any]:
        if graph.entity(name) is None:
            raise _not_found(ctx, [name])
        deleted, not_found = graph.delete_observations(name, contents)
        return {"entityName": name, "deleted": deleted, "notFound": not_found}

    return _change(ctx, "observations", change)


def delete_relations(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    relations = list(dict.fromkeys(_relations(ctx, values)))

    def change(graph: Graph) -> dict[str, Any]:
        deleted = [r for r in relations if graph.delete_relation(r)]
        return {"deleted": [r.as_json() for r in deleted],
                "notFound": [r.as_json() for r in relations if r not in deleted]}

    return _change(ctx, "relations", change)


INTEGRATION = NativeIntegration(
    name=NAME,
    display_name="Agent Memory",
    description="A knowledge graph of entities, observations and relations, kept per persistence scope.",
    actions=catalog_actions(NAME, {
        "create_entities": create_entities,
        "add_observations": add_observations,
        "create_relations": create_relations,
        "search": search,
        "read_graph": read_graph,
        "get_entity": get_entity,
        "delete_entities": delete_entities,
        "delete_observations": delete_observations,
        "delete_relations": delete_relations,
    }),
)
