"""How a connection is read: every column but the encrypted credential, plus its end user's externalId.

Its own module so that the end-user service (which lists an end user's connections) and the connection service
(which finds or creates the end user a new connection names) can both use it without importing each other.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from weavz_flow.engine import tables as t
from weavz_flow.engine.models import Connection
from weavz_flow.engine.tables import AnyRow

_c = t.connections
_eu = t.end_users

SELECT = sa.select(
    *(col for col in _c.c if col.name != "credential"),
    _eu.c.external_id.label("end_user_external_id"),
).select_from(_c.outerjoin(_eu, _eu.c.id == _c.c.end_user_id))


def model(row: AnyRow) -> Connection:
    data = dict(row._mapping)
    data["end_user_id"] = data.pop("end_user_external_id")
    return Connection.model_validate(data)


def models(rows: Iterable[AnyRow]) -> list[Connection]:
    return [model(r) for r in rows]
