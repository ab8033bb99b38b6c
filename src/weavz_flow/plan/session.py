"""The library entry points behind ``plan`` and ``apply``: open the project's backend, read live state, plan.

The backend is chosen in this order: an explicit API URL (``--api-url``, else ``WEAVZ_API_URL``) means the remote
backend with ``WEAVZ_API_KEY``; else the project file's ``backend:`` (remote with its URL and key reference, or local
with its ``database_url``); the local engine's database defaults to ``WEAVZ_FLOW_DATABASE_URL``, else
``<project>/.weavz-flow/state.db``. Either backend gets ``catalog``, else the full catalog loaded when first needed
(the remote one for its dry runs' action defaults).

A remote backend keeps weavz-flow's state (fingerprints, ownership, the apply lock) in its own kv-store, in the
workspace ``state.workspace`` names (default the reserved ``weavz-flow-state``); see plan/fingerprints.py.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from weavz_flow.backends.kv_state import STATE_WORKSPACE
from weavz_flow.backends.local import LocalBackend
from weavz_flow.backends.protocol import Backend
from weavz_flow.backends.remote import API_KEY_ENV, API_URL_ENV, RemoteBackend
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.config.model.project_file import LocalBackend as LocalBackendConfig
from weavz_flow.config.model.project_file import RemoteBackend as RemoteBackendConfig
from weavz_flow.config.project import Project
from weavz_flow.config.schedules import ScheduledFlow, scheduled_flows
from weavz_flow.config.secret_values import SecretUnavailableError, resolve_secret
from weavz_flow.errors import WeavzFlowError
from weavz_flow.integrations.registry import load_full_catalog
from weavz_flow.plan.compute import PlanOptions, compute_plan
from weavz_flow.plan.deployment import backend_targets, deployment_target, with_deployment
from weavz_flow.plan.desired import desired_state
from weavz_flow.plan.fingerprints import (
    STATE_DIR,
    FingerprintBook,
    FingerprintKey,
    KvStatePort,
    desired_fingerprints,
    desired_secret_fingerprints,
)
from weavz_flow.plan.live_state import read_live
from weavz_flow.plan.model import Address, Plan
from weavz_flow.sensitive import Sensitive
from weavz_flow.size_limits import DEFAULT_SIZE_LIMITS, SizeLimits


def state_dir(project: Project) -> Path:
    return project.root / STATE_DIR


def open_backend(
    project: Project,
    *,
    api_url: str | None = None,
    environ: Mapping[str, str] | None = None,
    catalog: Catalog | None = None,
) -> Backend:
    env = os.environ if environ is None else environ
    url = api_url or env.get(API_URL_ENV) or None
    settings = project.settings.backend
    state_workspace = project.settings.state.workspace or STATE_WORKSPACE
    source = catalog if catalog is not None else load_full_catalog
    if url is None and isinstance(settings, RemoteBackendConfig):
        try:
            key = resolve_secret(settings.api_key, project.root, env)
        except SecretUnavailableError as exc:
            raise WeavzFlowError(f"the remote backend's api_key: {exc}") from None
        return RemoteBackend(settings.api_url, key, catalog=source, state_workspace=state_workspace)
    if url is not None:
        key_text = env.get(API_KEY_ENV)
        if not key_text:
            raise WeavzFlowError(f"{API_KEY_ENV} is not set; the remote backend at {url} needs an API key")
        return RemoteBackend(url, Sensitive(key_text), catalog=source, state_workspace=state_workspace)
    database = getattr(settings, "database_url", None)
    return LocalBackend(state_dir(project), database, catalog=catalog, size_limits=project_size_limits(project))


def project_size_limits(project: Project) -> SizeLimits:
    """The embedded engine's size limits: ``backend.limits`` of the project file over the defaults."""
    settings = project.settings.backend
    return settings.limits.size_limits() if isinstance(settings, LocalBackendConfig) else DEFAULT_SIZE_LIMITS


@dataclass(frozen=True, slots=True)
class PlanRequest:
    prune: bool = False
    targets: tuple[Address, ...] = ()


STATE_KEY_ENV = "WEAVZ_FLOW_STATE_KEY"


def fingerprint_book(project: Project, backend: Backend, environ: Mapping[str, str] | None = None) -> FingerprintBook:
    """The project's state on ``backend``: with the backend for a remote one, none for the local engine (which
    keeps its own fingerprints)."""
    if isinstance(backend, RemoteBackend):
        return FingerprintBook(KvStatePort(backend.state), _remote_key(project, backend, environ))
    # The engine reports its own fingerprints, so this key is never used for a comparison: nothing to keep.
    return FingerprintBook(None, FingerprintKey(secrets.token_hex(32), "a one-off key"))


def _remote_key(project: Project, backend: RemoteBackend, environ: Mapping[str, str] | None) -> FingerprintKey:
    env = os.environ if environ is None else environ
    ref = project.settings.state.fingerprint_key
    if ref is not None:
        try:
            return FingerprintKey(resolve_secret(ref, project.root, env).reveal(), ref.describe())
        except SecretUnavailableError as exc:
            raise WeavzFlowError(f"state.fingerprint_key: {exc}") from None
    if env.get(STATE_KEY_ENV):
        return FingerprintKey(env[STATE_KEY_ENV], STATE_KEY_ENV)
    return FingerprintKey(backend.state_key_material().reveal(), "the API key")


def state_notes(book: FingerprintBook) -> list[str]:
    """What plan should say about the state beside the plan itself (one line each)."""
    notes = list(book.notes)
    if book.key.source == "the API key":
        notes.append(f"note: credential fingerprints are keyed by the API key; rotating it shows every secret as "
                     f"changed once. Set {STATE_KEY_ENV} (or state.fingerprint_key) to a project secret to avoid that")
    return notes


def make_plan(
    project: Project,
    backend: Backend,
    request: PlanRequest | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    book: FingerprintBook | None = None,
) -> Plan:
    """Desired state from the project (secrets read), live state from the backend, and the plan between them.

    ``book`` (else a fresh one) is the state read: pass the same one to apply so that it writes on top of it."""
    req = request or PlanRequest()
    desired = desired_state(project, environ=environ)
    book = book if book is not None else fingerprint_book(project, backend, environ)
    own_fingerprints = backend.capabilities.credential_fingerprints
    live = read_live(backend, None if own_fingerprints else book.applied(),
                     None if own_fingerprints else book.applied_secrets())
    options = PlanOptions(prune=req.prune, targets=backend_targets(req.targets),
                          connection_update=backend.capabilities.connection_update, backend=backend.description)
    plan = compute_plan(desired, live, credential_fingerprints=desired_fingerprints(desired, backend, book),
                        secret_fingerprints=desired_secret_fingerprints(desired, backend, book), options=options)
    managed = book.managed()
    plan = replace(plan, schedules=_targeted_schedules(project, req.targets), state_serial=book.serial,
                   formerly_managed=tuple(a for a in plan.unmanaged if a in managed))
    # Flows and schedules: published to the schedule store after the backend objects (plan/deployment.py).
    target, note = deployment_target(backend, environ)
    return with_deployment(plan, project, target, note, targets=req.targets, prune=req.prune)


def _targeted_schedules(project: Project, targets: tuple[Address, ...]) -> tuple[ScheduledFlow, ...]:
    """The schedules to show beside a plan: all of them, or those of the targeted workspaces."""
    found = scheduled_flows(project)
    if targets:
        workspaces = {t.workspace for t in targets}
        found = [s for s in found if s.workspace in workspaces]
    return tuple(found)


def parse_targets(texts: tuple[str, ...] | list[str]) -> tuple[Address, ...]:
    try:
        return tuple(Address.parse(t) for t in texts)
    except ValueError as exc:
        raise WeavzFlowError(str(exc)) from None
