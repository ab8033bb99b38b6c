"""The deployed flows in the store: content-addressed flow versions and, per flow name, the deployment (the version
deployed now, its schedules and its ``on:`` triggers, when and by whom).

``apply`` is the only writer (:mod:`weavz_flow.plan.deployment`); schedulers and workers read. A version, once
written, never changes and is never deleted, so a fire scheduled with a digest can always load the flow it was
scheduled with, however many applies came after. Documents are plain JSON here: what they mean is the config layer's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from weavz_flow.engine import tables as t
from weavz_flow.engine.dialect_insert import insert_for
from weavz_flow.engine.stamps import parse_time, utc_now
from weavz_flow.engine.store import Store

_v = t.flow_versions
_d = t.flow_deployments


@dataclass(frozen=True, slots=True)
class Deployment:
    flow: str
    workspace: str
    digest: str
    schedules: tuple[Mapping[str, Any], ...]  # schedule objects (cron, timezone, overlap, ...), by index
    deployed_at: datetime
    deployed_by: str
    triggers: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # `on:` entries' objects, by key


class DeploymentStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    # -- reading --------------------------------------------------------------------------------------------------

    def deployments(self) -> dict[str, Deployment]:
        """Every deployed flow, by name (one small query: schedulers call it on every tick)."""
        with self.store.read() as conn:
            rows = conn.execute(sa.select(_d).order_by(_d.c.flow)).mappings().all()
        return {row["flow"]: _deployment(row) for row in rows}

    def deployment(self, flow: str) -> Deployment | None:
        with self.store.read() as conn:
            row = conn.execute(sa.select(_d).where(_d.c.flow == flow)).mappings().first()
        return _deployment(row) if row is not None else None

    def version(self, digest: str) -> dict[str, Any] | None:
        """The document of a flow version, or None when no apply ever published it."""
        with self.store.read() as conn:
            document = conn.execute(sa.select(_v.c.document).where(_v.c.digest == digest)).scalar()
        return dict(document) if document is not None else None

    # -- writing (apply) ------------------------------------------------------------------------------------------

    def deploy_flow(self, flow: str, workspace: str, digest: str, document: Mapping[str, Any], *, by: str) -> None:
        """Publish the version (if new) and make it ``flow``'s deployed one; the flow's schedules stay as they are
        (a new deployment starts with none: schedule changes set them)."""
        stamp = utc_now()
        with self.store.write() as conn:
            conn.execute(insert_for(conn, _v).values(digest=digest, flow=flow, document=dict(document),
                                                     created_at=stamp)
                         .on_conflict_do_nothing(index_elements=[_v.c.digest]))
            updated = conn.execute(_d.update().where(_d.c.flow == flow).values(
                workspace=workspace, digest=digest, deployed_at=stamp, deployed_by=by))
            if updated.rowcount == 0:
                conn.execute(_d.insert().values(flow=flow, workspace=workspace, digest=digest, schedules=[],
                                                deployed_at=stamp, deployed_by=by))

    def set_schedule(self, flow: str, index: int, schedule: Mapping[str, Any] | None, *, by: str) -> None:
        """Set (or with None remove) schedule ``index`` of a deployed flow; an index one past the end appends."""
        with self.store.write() as conn:
            row = conn.execute(sa.select(_d.c.schedules).where(_d.c.flow == flow).with_for_update()).first()
            if row is None:
                raise LookupError(f"flow '{flow}' is not deployed")
            schedules = _edited(list(row.schedules or []), index, schedule)
            conn.execute(_d.update().where(_d.c.flow == flow).values(schedules=schedules, deployed_at=utc_now(),
                                                                     deployed_by=by))

    def set_trigger(self, flow: str, key: str, trigger: Mapping[str, Any] | None, *, by: str) -> None:
        """Set (or with None remove) the trigger object ``key`` of a deployed flow."""
        with self.store.write() as conn:
            row = conn.execute(sa.select(_d.c.triggers).where(_d.c.flow == flow).with_for_update()).first()
            if row is None:
                raise LookupError(f"flow '{flow}' is not deployed")
            triggers = dict(row.triggers or {})
            if trigger is None:
                triggers.pop(key, None)
            else:
                triggers[key] = dict(trigger)
            conn.execute(_d.update().where(_d.c.flow == flow).values(triggers=triggers, deployed_at=utc_now(),
                                                                     deployed_by=by))

    def remove(self, flow: str) -> bool:
        """Undeploy ``flow`` (its versions stay); False when it was not deployed."""
        with self.store.write() as conn:
            return conn.execute(_d.delete().where(_d.c.flow == flow)).rowcount > 0


def _edited(schedules: list[Any], index: int, schedule: Mapping[str, Any] | None) -> list[Any]:
    if schedule is None:
        return [s for i, s in enumerate(schedules) if i != index]
    if index < len(schedules):
        schedules[index] = dict(schedule)
    else:
        schedules.append(dict(schedule))
    return schedules


def _deployment(row: sa.RowMapping) -> Deployment:
    schedules: Sequence[Any] = row["schedules"] or []
    triggers: Mapping[str, Any] = row["triggers"] or {}
    return Deployment(row["flow"], row["workspace"], row["digest"], tuple(dict(s) for s in schedules),
                      parse_time(row["deployed_at"]), row["deployed_by"],
                      {key: dict(value) for key, value in sorted(triggers.items())})



