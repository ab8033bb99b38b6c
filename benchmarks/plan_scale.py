"""Plan at scale on the local backend: 1,000 workspaces x 5 aliases x 4 partials per alias (26,000 objects).

Seeds a SQLite store in a temporary folder through the backend itself, then times plan (live read + compute against
an identical desired state, so the plan is all no-ops) several times. Prints the median plan time (target < 3 s) and
the backend round trips per workspace (target <= 2).

    .venv/bin/python benchmarks/plan_scale.py [--workspaces 1000] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from weavz_flow.backends.local import LocalBackend
from weavz_flow.backends.specs import AliasSpec, PartialSpec, WorkspaceSpec
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.catalog.model import ActionInfo, InputField, IntegrationInfo
from weavz_flow.plan.compute import compute_plan
from weavz_flow.plan.desired import DesiredAlias, DesiredPartial, DesiredState, DesiredWorkspace
from weavz_flow.plan.live_state import read_live

ALIASES = 5
PARTIALS = 4
ACTIONS = ("put", "get", "delete", "add_to_list")


def _catalog() -> Catalog:
    fields = (InputField("key", "string", required=True), InputField("value", None))
    actions = {a: ActionInfo("kv-store", a, fields=fields) for a in ACTIONS}
    return Catalog([IntegrationInfo("kv-store", native=True, actions=actions)])


def _desired(n: int) -> DesiredState:
    workspaces, aliases, partials = [], [], []
    for i in range(n):
        slug = f"ws-{i:04d}"
        workspaces.append(DesiredWorkspace(slug, f"Workspace {i}"))
        for a in range(ALIASES):
            alias = f"kv{a}"
            aliases.append(DesiredAlias(slug, alias, "kv-store", "per_user", None, None, None,
                                        {"persistence": {"scope": "workspace"}}))
            for p in range(PARTIALS):
                partials.append(DesiredPartial(slug, f"{alias}-p{p}", alias, "kv-store", ACTIONS[p], None,
                                               {"key": f"k{p}"}, ("key",), p == 0))
    return DesiredState(tuple(workspaces), (), (), tuple(aliases), tuple(partials))


def _seed(backend: LocalBackend, desired: DesiredState) -> None:
    ws_ids: dict[str, str] = {}
    alias_ids: dict[tuple[str, str], str] = {}
    for w in desired.workspaces:
        ws_ids[w.slug] = backend.create_workspace(WorkspaceSpec(w.slug, w.name)).id
    for a in desired.aliases:
        alias_ids[(a.workspace, a.alias)] = backend.create_alias(
            AliasSpec(ws_ids[a.workspace], a.alias, a.integration, a.strategy, settings=a.settings)).id
    for p in desired.partials:
        backend.create_partial(PartialSpec(ws_ids[p.workspace], p.alias, p.integration, p.name,
                                           alias_ids[(p.workspace, p.alias)], p.action, None, p.values,
                                           p.enforced_keys, p.is_default))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workspaces", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("WEAVZ_FLOW_SECRET_KEY", "benchmark-secret-key-0123456789")
    os.environ.pop("WEAVZ_FLOW_DATABASE_URL", None)
    desired = _desired(args.workspaces)
    objects = len(desired.workspaces) + len(desired.aliases) + len(desired.partials)
    with tempfile.TemporaryDirectory() as tmp:
        backend = LocalBackend(Path(tmp) / ".weavz-flow", catalog=_catalog())
        try:
            started = time.perf_counter()
            _seed(backend, desired)
            print(f"seeded {objects:,} objects in {time.perf_counter() - started:.1f} s", file=sys.stderr)
            timings, trips = [], []
            for _ in range(args.runs):
                before = backend.round_trips
                t0 = time.perf_counter()
                plan = compute_plan(desired, read_live(backend))
                timings.append(time.perf_counter() - t0)
                trips.append(backend.round_trips - before)
                assert not plan.has_changes, "the seeded state should match the desired state"
        finally:
            backend.close()
    median = statistics.median(timings)
    per_ws = trips[-1] / args.workspaces
    print(f"objects: {objects:,} ({args.workspaces:,} workspaces x {ALIASES} aliases x {PARTIALS} partials)")
    print(f"plan time: median {median:.2f} s over {args.runs} runs (min {min(timings):.2f}, max {max(timings):.2f});"
          f" target < 3 s")
    print(f"backend round trips per plan: {trips[-1]} ({per_ws:.3f} per workspace); target <= 2 per workspace")
    return 0


if __name__ == "__main__":
    sys.exit(main())
