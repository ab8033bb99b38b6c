"""agent-memory's knowledge graph as a value: entities and relations, and the changes the actions make to it.

An entity is ``{name, type, observations}``: its name is unique within the persistence namespace (exact, case
kept), its observations are distinct strings in the order they were added. A relation is ``{from, to, type}``
between two existing entities, unique as a triple. Deleting an entity deletes every relation that names it. Lists
keep the order things were created in, so every output is deterministic on SQLite and PostgreSQL alike.

Stored as one document (:mod:`~weavz_flow.integrations.state_document`):
``{"entities": [{"name", "type", "observations"}], "relations": [{"from", "to", "type"}]}``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from weavz_flow.integrations.state_document import Document
from weavz_flow.integrations.text_search import found_in, occurrences, ranked


@dataclass(frozen=True, slots=True)
class Relation:
    source: str
    target: str
    type: str

    def as_json(self) -> dict[str, str]:
        return {"from": self.source, "to": self.target, "type": self.type}


def empty_graph() -> Document:
    return {"entities": [], "relations": []}


class Graph:
    """A working copy of the stored document; :meth:`document` is what to store back."""

    def __init__(self, document: Document) -> None:
        self.entities: list[dict[str, Any]] = [
            {"name": e["name"], "type": e["type"], "observations": list(e["observations"])}
            for e in document.get("entities", [])]
        self.relations = [Relation(r["from"], r["to"], r["type"]) for r in document.get("relations", [])]
        self._by_name = {e["name"]: e for e in self.entities}

    def document(self) -> Document:
        return {"entities": self.entities, "relations": [r.as_json() for r in self.relations]}

    def entity(self, name: str) -> dict[str, Any] | None:
        return self._by_name.get(name)

    def missing(self, names: Iterable[str]) -> list[str]:
        """The names among ``names`` that no entity has, each once, in the order given."""
        return list(dict.fromkeys(n for n in names if n not in self._by_name))

    def add_entity(self, name: str, type: str, observations: list[str]) -> bool:
        """False (and nothing changed) when an entity of that name exists."""
        if name in self._by_name:
            return False
        entity = {"name": name, "type": type, "observations": list(dict.fromkeys(observations))}
        self.entities.append(entity)
        self._by_name[name] = entity
        return True

    def add_observations(self, name: str, contents: list[str]) -> list[str]:
        """The contents that were new to the entity (now added), in order."""
        observations: list[str] = self._by_name[name]["observations"]
        added = [c for c in dict.fromkeys(contents) if c not in observations]
        observations.extend(added)
        return added

    def delete_observations(self, name: str, contents: list[str]) -> tuple[list[str], list[str]]:
        """(deleted, not found) among ``contents``."""
        observations: list[str] = self._by_name[name]["observations"]
        wanted = list(dict.fromkeys(contents))
        deleted = [c for c in wanted if c in observations]
        observations[:] = [o for o in observations if o not in deleted]
        return deleted, [c for c in wanted if c not in deleted]

    def add_relation(self, relation: Relation) -> bool:
        """False (and nothing changed) when the same triple exists."""
        if relation in self.relations:
            return False
        self.relations.append(relation)
        return True

    def delete_relation(self, relation: Relation) -> bool:
        if relation not in self.relations:
            return False
        self.relations.remove(relation)
        return True

    def delete_entity(self, name: str) -> int | None:
        """How many relations went with the entity; None when there was no such entity."""
        entity = self._by_name.pop(name, None)
        if entity is None:
            return None
        self.entities.remove(entity)
        kept = [r for r in self.relations if name not in (r.source, r.target)]
        gone = len(self.relations) - len(kept)
        self.relations = kept
        return gone

    def relations_of(self, names: set[str], *, both_ends: bool) -> list[Relation]:
        """Relations with both ends (or either end) among ``names``, in creation order."""
        if both_ends:
            return [r for r in self.relations if r.source in names and r.target in names]
        return [r for r in self.relations if r.source in names or r.target in names]

    def search(self, query: str, limit: int) -> tuple[list[dict[str, Any]], int]:
        """Entities matching the case-folded ``query``: the whole name first, then within the name, then within the
        type, then by how many observations hold it (see :mod:`~weavz_flow.integrations.text_search`)."""
        def score(entity: dict[str, Any]) -> tuple[int, ...]:
            name = entity["name"]
            return (int(name.casefold() == query), min(occurrences(query, name), 1),
                    min(occurrences(query, entity["type"]), 1), found_in(query, entity["observations"]))

        return ranked(self.entities, score, limit)
