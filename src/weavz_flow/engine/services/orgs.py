"""Organizations: the top-level tenant. Created by bootstrap (a service key or the local backend), not by API keys."""

from __future__ import annotations

import sqlalchemy as sa

from weavz_flow.engine import tables as t
from weavz_flow.engine.models import Organization
from weavz_flow.engine.naming import check_name
from weavz_flow.engine.services.scope import not_found
from weavz_flow.engine.stamps import new_id, utc_now
from weavz_flow.engine.store import Store
from weavz_flow.engine.tables import AnyRow


class OrganizationService:
    def __init__(self, store: Store) -> None:
        self._store = store

    def create(self, name: str) -> Organization:
        check_name("name", name)
        now = utc_now()
        row = {"id": new_id(), "name": name, "created_at": now, "updated_at": now}
        with self._store.write() as conn:
            conn.execute(sa.insert(t.organizations).values(row))
        return Organization(**row)

    def get(self, org_id: str) -> Organization:
        with self._store.read() as conn:
            row = conn.execute(sa.select(t.organizations).where(t.organizations.c.id == org_id)).first()
        if row is None:
            raise not_found("Organization", org_id)
        return _model(row)

    def get_or_create(self, name: str) -> Organization:
        """The oldest organization with this name, made if none exists (the local backend's single tenant)."""
        with self._store.write() as conn:
            row = conn.execute(
                sa.select(t.organizations).where(t.organizations.c.name == name)
                .order_by(t.organizations.c.created_at).limit(1)
            ).first()
            if row is not None:
                return _model(row)
            now = utc_now()
            values = {"id": new_id(), "name": check_name("name", name), "created_at": now, "updated_at": now}
            conn.execute(sa.insert(t.organizations).values(values))
        return Organization(**values)


def _model(row: AnyRow) -> Organization:
    return Organization.model_validate(row._mapping)
