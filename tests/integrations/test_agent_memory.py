"""agent-memory through the engine (SQLite and PostgreSQL): the knowledge graph, its bounds, and persistence scopes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

# The engine fixtures are imported by name for pytest; tests then take them as arguments of the same name.
# ruff: noqa: F811
from tests.engine.engine_fixtures import store  # noqa: F401
from tests.integrations.native_engine import ActionCaller, native_engine
from tests.integrations.persistence_scopes import scoped_aliases
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.engine.store import Store
from weavz_flow.errors import ErrorCode
from weavz_flow.integrations import agent_memory
from weavz_flow.integrations.catalog_action import CatalogAction
from weavz_flow.integrations.output_shapes import output_shape
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS
from weavz_flow.size_limits import SizeLimits

NAME = agent_memory.NAME


Memory = ActionCaller


@pytest.fixture
def memory(store: Store, sdk_catalog: Catalog) -> Iterator[Memory]:
    with native_engine(store, sdk_catalog, NAME) as engine:
        yield Memory(engine, NAME)


def seed(memory: Memory) -> None:
    memory("create_entities", entities=[
        {"name": "Ada", "type": "person", "observations": ["wrote the first program", "liked poetry"]},
        {"name": "Analytical Engine", "type": "machine", "observations": ["designed by Babbage"]},
        {"name": "Babbage", "entityType": "person"},
    ])
    memory("create_relations", relations=[
        {"from": "Ada", "to": "Analytical Engine", "type": "programmed"},
        {"from": "Babbage", "to": "Analytical Engine", "relationType": "designed"},
    ])


ADA = {"name": "Ada", "type": "person", "observations": ["wrote the first program", "liked poetry"]}
ENGINE = {"name": "Analytical Engine", "type": "machine", "observations": ["designed by Babbage"]}
BABBAGE = {"name": "Babbage", "type": "person", "observations": []}
PROGRAMMED = {"from": "Ada", "to": "Analytical Engine", "type": "programmed"}
DESIGNED = {"from": "Babbage", "to": "Analytical Engine", "type": "designed"}


def test_every_catalog_action_is_native_with_the_catalog_schema(sdk_catalog: Catalog) -> None:
    native = NATIVE_INTEGRATIONS[NAME]
    sdk = sdk_catalog.integration(NAME)
    assert set(native.actions) == set(sdk.actions)
    for name, action in native.actions.items():
        assert isinstance(action, CatalogAction) and action.info == sdk.actions[name]
        assert output_shape(NAME, name) is not None
    assert native.auth_types == () and not native.catalog_entry().needs_connection


def test_create_entities_and_read_graph(memory: Memory) -> None:
    assert memory("read_graph") == {"entities": [], "relations": [], "entityCount": 0, "relationCount": 0,
                                    "truncated": False}
    first = memory("create_entities", entities=[
        {"name": " Ada ", "type": "person", "observations": ["wrote the first program", "liked poetry",
                                                             "liked poetry"]}])
    assert first == {"created": ["Ada"], "existing": []}
    again = memory("create_entities", entities=[{"name": "Ada", "type": "robot"}, {"name": "Babbage",
                                                                                  "entityType": "person"}])
    assert again == {"created": ["Babbage"], "existing": ["Ada"]}
    assert memory("read_graph") == {"entities": [ADA, BABBAGE], "relations": [], "entityCount": 2,
                                    "relationCount": 0, "truncated": False}


def test_entities_given_as_json_text(memory: Memory) -> None:
    assert memory("create_entities", entities='[{"name": "Ada", "type": "person"}]')["created"] == ["Ada"]
    assert memory("get_entity", name="Ada")["type"] == "person"


def test_add_observations(memory: Memory) -> None:
    seed(memory)
    out = memory("add_observations", observations=[
        {"entityName": "Ada", "contents": ["liked poetry", "was a countess"]},
        {"entityName": "Babbage", "contents": ["built the Difference Engine"]}])
    assert out == {"added": [{"entityName": "Ada", "contents": ["was a countess"]},
                             {"entityName": "Babbage", "contents": ["built the Difference Engine"]}]}
    assert memory("get_entity", name="Ada")["observations"] == [*ADA["observations"], "was a countess"]


def test_a_missing_entity_fails_the_whole_call_and_writes_nothing(memory: Memory) -> None:
    seed(memory)
    before = memory("read_graph")
    error = memory.error("add_observations", observations=[
        {"entityName": "Ada", "contents": ["new"]}, {"entityName": "Nobody", "contents": ["x"]}])
    assert error.code == ErrorCode.ACTION_FAILED
    assert error.details == {"reason": "not_found", "entityNames": ["Nobody"]}
    error = memory.error("create_relations", relations=[
        {"from": "Ada", "to": "Babbage", "type": "knew"}, {"from": "Ada", "to": "Lovelace", "type": "is"}])
    assert error.details["entityNames"] == ["Lovelace"]
    assert memory("read_graph") == before


def test_create_relations_are_unique_triples(memory: Memory) -> None:
    seed(memory)
    out = memory("create_relations", relations=[PROGRAMMED, {"from": "Ada", "to": "Babbage", "type": "knew"},
                                                {"from": "Ada", "to": "Babbage", "type": "knew"}])
    knew = {"from": "Ada", "to": "Babbage", "type": "knew"}
    assert out == {"created": [knew], "existing": [PROGRAMMED]}
    assert memory("read_graph")["relations"] == [PROGRAMMED, DESIGNED, knew]


def test_get_entity(memory: Memory) -> None:
    seed(memory)
    assert memory("get_entity", name="Analytical Engine") == {**ENGINE, "relations": [PROGRAMMED, DESIGNED]}
    assert memory("get_entity", name="Ada") == {**ADA, "relations": [PROGRAMMED]}
    error = memory.error("get_entity", name="ada")  # names are exact
    assert error.code == ErrorCode.ACTION_FAILED and error.details["reason"] == "not_found"


def test_search_is_ranked_case_insensitive_substring(memory: Memory) -> None:
    seed(memory)
    memory("create_entities", entities=[{"name": "Charles", "type": "babbage fan",
                                         "observations": ["read Babbage", "met BABBAGE twice"]}])
    out = memory("search", query="  BABBAGE ")
    # The whole name first, then a match in the type, then observations.
    assert [e["name"] for e in out["entities"]] == ["Babbage", "Charles", "Analytical Engine"]
    assert out["total"] == 3
    assert out["relations"] == [DESIGNED]  # the relations between the entities found
    assert memory("search", query="poetry") == {"entities": [ADA], "relations": [], "total": 1}
    assert memory("search", query="nothing like it") == {"entities": [], "relations": [], "total": 0}


def test_search_results_are_bounded(memory: Memory) -> None:
    memory("create_entities", entities=[{"name": f"note {i:03}", "type": "note"} for i in range(60)])
    out = memory("search", query="note")
    assert out["total"] == 60
    assert [e["name"] for e in out["entities"]] == [f"note {i:03}" for i in range(agent_memory.SEARCH_LIMIT)]


def test_read_graph_is_bounded(memory: Memory) -> None:
    for batch in range(3):
        memory("create_entities", entities=[{"name": f"e{batch}-{i}", "type": "t"} for i in range(100)])
    out = memory("read_graph")
    assert len(out["entities"]) == agent_memory.READ_GRAPH_ENTITIES
    assert (out["entityCount"], out["truncated"]) == (300, True)
    assert out["entities"][0]["name"] == "e0-0"


def test_delete_entities_cascades_to_relations(memory: Memory) -> None:
    seed(memory)
    out = memory("delete_entities", names=["Analytical Engine", "Nobody", "Analytical Engine"])
    assert out == {"deleted": ["Analytical Engine"], "notFound": ["Nobody"], "deletedRelations": 2}
    graph = memory("read_graph")
    assert graph["entities"] == [ADA, BABBAGE] and graph["relations"] == []


def test_delete_observations(memory: Memory) -> None:
    seed(memory)
    out = memory("delete_observations", entityName="Ada", observations=["liked poetry", "never said"])
    assert out == {"entityName": "Ada", "deleted": ["liked poetry"], "notFound": ["never said"]}
    assert memory("get_entity", name="Ada")["observations"] == ["wrote the first program"]
    assert memory.error("delete_observations", entityName="Nobody", observations=["x"]).code == \
        ErrorCode.ACTION_FAILED


def test_delete_relations(memory: Memory) -> None:
    seed(memory)
    missing = {"from": "Ada", "to": "Babbage", "type": "knew"}
    out = memory("delete_relations", relations=[PROGRAMMED, missing])
    assert out == {"deleted": [PROGRAMMED], "notFound": [missing]}
    assert memory("read_graph")["relations"] == [DESIGNED]


@pytest.mark.parametrize(("action", "input", "field"), [
    ("create_entities", {"entities": []}, "entities"),
    ("create_entities", {"entities": "not json"}, "entities"),
    ("create_entities", {"entities": [{"type": "person"}]}, "entities.0.name"),
    ("create_entities", {"entities": [{"name": "Ada"}]}, "entities.0.type"),
    ("create_entities", {"entities": [{"name": "Ada", "type": "p", "observations": "one"}]},
     "entities.0.observations"),
    ("create_entities", {"entities": [{"name": "x" * 201, "type": "p"}]}, "entities.0.name"),
    ("create_entities", {"entities": [{"name": f"n{i}", "type": "p"} for i in range(101)]}, "entities"),
    ("create_entities", {"entities": ["Ada"]}, "entities.0"),
    ("add_observations", {"observations": [{"entityName": "Ada", "contents": []}]}, "observations.0.contents"),
    ("add_observations", {"observations": [{"entityName": "Ada", "contents": ["x" * 5001]}]},
     "observations.0.contents.0"),
    ("create_relations", {"relations": [{"from": "a", "type": "t"}]}, "relations.0.to"),
    ("delete_entities", {"names": ["", "b"]}, "names.0"),
    ("delete_observations", {"entityName": " ", "observations": ["x"]}, "entityName"),
    ("search", {"query": "   "}, "query"),
    ("get_entity", {}, "name"),
])
def test_bad_input_is_a_validation_error_naming_the_field(memory: Memory, action: str, input: dict[str, Any],
                                                          field: str) -> None:
    error = memory.error(action, **input)
    assert error.code == ErrorCode.VALIDATION_ERROR
    assert [f["field"] for f in error.details["fields"]] == [field]


def test_the_graph_is_bounded_by_the_store_limit(store: Store, sdk_catalog: Catalog) -> None:
    with native_engine(store, sdk_catalog, NAME, size_limits=SizeLimits.of(kv_value_bytes=4096)) as engine:
        memory = Memory(engine, NAME)
        memory("create_entities", entities=[{"name": "Ada", "type": "person"}])
        error = memory.error("add_observations", observations=[{"entityName": "Ada", "contents": ["x" * 5000]}])
        assert error.code == ErrorCode.VALIDATION_ERROR
        assert error.details["fields"][0]["field"] == "observations"
        assert error.details["limit"] == 4096
        assert memory("get_entity", name="Ada")["observations"] == []


def test_concurrent_creates_are_all_kept(memory: Memory) -> None:
    errors: list[BaseException] = []

    def create(i: int) -> None:
        try:
            memory("create_entities", entities=[{"name": f"e{i}", "type": "t"}])
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(e["name"] for e in memory("read_graph")["entities"]) == sorted(f"e{i}" for i in range(12))


def test_memory_is_kept_per_persistence_scope(memory: Memory) -> None:
    scopes = scoped_aliases(memory.engine, NAME)

    def create(name: str, **request: Any) -> None:
        memory("create_entities", request, entities=[{"name": name, "type": "t"}])

    def names(**request: Any) -> list[str]:
        return [e["name"] for e in memory("read_graph", request)["entities"]]

    create("alice's", integration_alias="per_user", end_user_id="alice")
    create("bob's", integration_alias="per_user", end_user_id="bob")
    create("anonymous", integration_alias="per_user")
    create("workspace", integration_alias="shared", end_user_id="alice")
    create("tenant a", integration_alias="tenant_a")

    assert names(integration_alias="per_user", end_user_id="alice") == ["alice's"]
    assert names(integration_alias="per_user", end_user_id="bob") == ["bob's"]
    assert names(integration_alias="per_user") == ["anonymous"]
    assert names(integration_alias="shared", end_user_id="bob") == ["workspace"]
    assert names(integration_alias="tenant_a2", end_user_id="bob") == ["tenant a"]
    assert names(integration_alias="tenant_b") == []
    assert names(integration_alias="shared", workspace_id=scopes.other_workspace) == []
    assert memory("search", {"integration_alias": "per_user", "end_user_id": "bob"}, query="alice")["total"] == 0


def test_memory_is_apart_from_kv_store_keys(store: Store, sdk_catalog: Catalog) -> None:
    with native_engine(store, sdk_catalog, NAME, "kv-store") as engine:
        engine.execute(NAME, "create_entities", {"entities": [{"name": "Ada", "type": "person"}]})
        assert engine.execute("kv-store", "get", {"key": "graph"})["found"] is False
        engine.execute("kv-store", "put", {"key": "graph", "value": "not a graph"})
        assert engine.execute(NAME, "get_entity", {"name": "Ada"})["name"] == "Ada"
