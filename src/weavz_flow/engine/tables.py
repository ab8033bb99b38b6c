"""The store's tables as SQLAlchemy Core metadata: what the code reads and writes.

The schema itself is created and evolved by the Alembic revisions in ``engine/migrations/versions``; a test checks
that migrating an empty database to head yields exactly these tables and columns. Ids are UUID strings and times are
the fixed-width ISO 8601 UTC text of :mod:`weavz_flow.engine.stamps`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from weavz_flow.wire.vocabulary import (
    ALIAS_MAX,
    APPROVAL_POLICY_NAME_MAX,
    APPROVAL_REASON_MAX,
    BASE_URL_MAX,
    CATALOG_NAME_MAX,
    CONNECT_ERROR_MAX,
    DESCRIPTION_MAX,
    DISPLAY_NAME_MAX,
    EMAIL_MAX,
    EXTERNAL_ID_MAX,
    IDEMPOTENCY_KEY_MAX,
    MCP_END_USER_ACCESS_MAX,
    NAME_MAX,
    REDIRECT_URI_MAX,
)

metadata = sa.MetaData()

# A row of any width: ``sa.Row[Any]`` would mean a one-column row to a type checker.
AnyRow = sa.Row[*tuple[Any, ...]]

# JSON on SQLite (text), JSONB on PostgreSQL.
Json = sa.JSON().with_variant(JSONB(), "postgresql")

_ID = 36
_TIME = 32


def _id(name: str = "id", *args: sa.ForeignKey, **kw: object) -> sa.Column:
    return sa.Column(name, sa.String(_ID), *args, **kw)  # type: ignore[arg-type]


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(_TIME), nullable=nullable)


organizations = sa.Table(
    "organizations", metadata,
    _id(primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    _time("created_at"),
    _time("updated_at"),
)

api_keys = sa.Table(
    "api_keys", metadata,
    _id(primary_key=True),
    _id("org_id", sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),  # sha256 hex of the plain key
    sa.Column("key_prefix", sa.String(8), nullable=False),
    sa.Column("permissions", Json, nullable=True),  # null = unrestricted
    _time("expires_at", nullable=True),
    _time("last_used_at", nullable=True),
    _time("created_at"),
)

workspaces = sa.Table(
    "workspaces", metadata,
    _id(primary_key=True),
    _id("org_id", sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("slug", sa.String(100), nullable=False),
    _time("created_at"),
    _time("updated_at"),
    sa.UniqueConstraint("org_id", "slug", name="uq_workspaces_org_slug"),
)

end_users = sa.Table(
    "end_users", metadata,
    _id(primary_key=True),
    _id("org_id", nullable=False),
    _id("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    sa.Column("external_id", sa.String(255), nullable=False),
    sa.Column("display_name", sa.String(DISPLAY_NAME_MAX), nullable=True),
    sa.Column("email", sa.String(EMAIL_MAX), nullable=True),
    sa.Column("metadata", Json, nullable=True),
    _time("created_at"),
    _time("updated_at"),
    sa.UniqueConstraint("workspace_id", "external_id", name="uq_end_users_workspace_external"),
)

connections = sa.Table(
    "connections", metadata,
    _id(primary_key=True),
    _id("org_id", sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("integration_name", sa.String(100), nullable=False),
    sa.Column("external_id", sa.String(255), nullable=False),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("display_name", sa.String(255), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("scope", sa.String(16), nullable=False),
    _id("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=True, index=True),
    _id("end_user_id", sa.ForeignKey("end_users.id", ondelete="CASCADE"), nullable=True, index=True),
    sa.Column("credential", sa.LargeBinary, nullable=False),  # encrypted (Fernet token)
    sa.Column("credential_fingerprint", sa.String(64), nullable=False),  # keyed HMAC, for plan diffs
    sa.Column("base_url", sa.String(BASE_URL_MAX), nullable=True),
    _time("created_at"),
    _time("updated_at"),
    # Revision 0010: the OAuth app that issued an OAUTH2 connection's tokens (no foreign key: see the revision) and
    # when its access token expires (None: unknown or never).
    _id("oauth_app_id", nullable=True),
    _time("token_expires_at", nullable=True),
    sa.UniqueConstraint("org_id", "integration_name", "external_id", name="uq_connections_org_integration_external"),
)

workspace_integrations = sa.Table(
    "workspace_integrations", metadata,
    _id(primary_key=True),
    _id("org_id", nullable=False),
    _id("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    sa.Column("integration_name", sa.String(100), nullable=False),
    sa.Column("alias", sa.String(64), nullable=False),
    sa.Column("connection_strategy", sa.String(32), nullable=False),
    _id("connection_id", sa.ForeignKey("connections.id", ondelete="SET NULL"), nullable=True, index=True),
    sa.Column("display_name", sa.String(255), nullable=True),
    sa.Column("enabled_actions", Json, nullable=True),  # null = every action
    sa.Column("settings", Json, nullable=False),
    sa.Column("sort_order", sa.Integer, nullable=False),
    _time("created_at"),
    _time("updated_at"),
    sa.UniqueConstraint("workspace_id", "alias", name="uq_workspace_integrations_workspace_alias"),
)

partials = sa.Table(
    "partials", metadata,
    _id(primary_key=True),
    _id("org_id", nullable=False),
    _id("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False, index=True),
    _id("workspace_integration_id", sa.ForeignKey("workspace_integrations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("integration_name", sa.String(100), nullable=False),
    sa.Column("action_name", sa.String(CATALOG_NAME_MAX), nullable=True),
    sa.Column("trigger_name", sa.String(CATALOG_NAME_MAX), nullable=True),
    # "action:<name>", "trigger:<name>" or "" for integration-wide: a non-null column that a unique constraint can
    # use, since NULLs never collide in SQL unique constraints.
    sa.Column("scope_key", sa.String(210), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("description", sa.String(DESCRIPTION_MAX), nullable=True),
    sa.Column("values", Json, nullable=False),
    sa.Column("enforced_keys", Json, nullable=False),
    sa.Column("is_default", sa.Boolean, nullable=False),
    _time("created_at"),
    _time("updated_at"),
    sa.UniqueConstraint("workspace_integration_id", "scope_key", "name", name="uq_partials_scope_name"),
)

executions = sa.Table(
    "executions", metadata,
    _id(primary_key=True),
    _id("org_id", nullable=False),
    _id("workspace_id", nullable=False, index=True),
    _id("api_key_id", nullable=True),
    sa.Column("integration_name", sa.String(100), nullable=False),
    sa.Column("action_name", sa.String(200), nullable=False),
    _id("workspace_integration_id", nullable=True),
    sa.Column("integration_alias", sa.String(64), nullable=True),
    _id("connection_id", nullable=True),
    sa.Column("end_user_id", sa.String(255), nullable=True),  # the request's endUserId (an external id)
    sa.Column("partial_ids", Json, nullable=False),
    sa.Column("enforced_keys", Json, nullable=False),
    # [{id, name, reason}] in merge order (revision 0005; None on older rows): which partials applied, and why.
    sa.Column("applied_partials", Json, nullable=True),
    sa.Column("input", Json, nullable=True),  # redacted: credential strings and enforced values masked
    sa.Column("status", sa.String(16), nullable=False),  # success | failed
    sa.Column("duration_ms", sa.Float, nullable=False),
    sa.Column("error_code", sa.String(64), nullable=True),
    sa.Column("error_message", sa.Text, nullable=True),
    sa.Column("output", Json, nullable=True),  # redacted, capped
    sa.Column("output_truncated", sa.Boolean, nullable=False),
    sa.Column("idempotency_key", sa.String(255), nullable=True),
    _time("created_at"),
    sa.Column("source", sa.String(16), nullable=True),  # who called: rest | sdk | flow | mcp_tools | ... (0013)
)

kv_entries = sa.Table(
    "kv_entries", metadata,
    sa.Column("namespace", sa.String(400), primary_key=True),
    sa.Column("key", sa.String(400), primary_key=True),
    sa.Column("value", Json, nullable=True),
    _time("updated_at"),
)

stored_files = sa.Table(
    "stored_files", metadata,
    sa.Column("namespace", sa.String(400), primary_key=True),
    sa.Column("path", sa.String(1000), primary_key=True),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Column("content_type", sa.String(200), nullable=True),
    sa.Column("size", sa.Integer, nullable=False),
    _time("updated_at"),
)

idempotency_records = sa.Table(
    "idempotency_records", metadata,
    _id(primary_key=True),
    _id("org_id", nullable=False),
    sa.Column("key", sa.String(IDEMPOTENCY_KEY_MAX), nullable=False),
    sa.Column("request_fingerprint", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # pending | completed
    sa.Column("result", Json, nullable=True),
    _time("created_at"),
    _time("updated_at"),
    sa.UniqueConstraint("org_id", "key", name="uq_idempotency_org_key"),
)

# One row (id 1); triggers bump ``version`` on every write to the managed objects (migration 0003).
config_version = sa.Table(
    "config_version",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False),
)

# Scheduler state (migration 0004). One row per schedule (a scheduled flow's name): the last fire time decided
# (the watermark) and how many missed fires the ``missed`` policy dropped in total.
schedule_state = sa.Table(
    "schedule_state", metadata,
    sa.Column("schedule", sa.String(200), primary_key=True),
    _time("watermark", nullable=True),
    sa.Column("missed_skipped", sa.BigInteger, nullable=False),
    _time("updated_at"),
)

# One row per fire (a due tick of one schedule), keyed by Fire.key: inserted PENDING by the scheduler that decided
# it, claimed RUNNING by one worker under a lease the worker renews, then finished.
schedule_fires = sa.Table(
    "schedule_fires", metadata,
    sa.Column("key", sa.String(250), primary_key=True),
    sa.Column("schedule", sa.String(200), nullable=False),
    _time("fire_at"),
    sa.Column("status", sa.String(16), nullable=False),  # FireStatus
    sa.Column("worker", sa.String(200), nullable=True),
    _time("lease_until", nullable=True),
    sa.Column("run_id", sa.String(64), nullable=True),
    _time("created_at"),  # when the fire was inserted: how long a PENDING fire has waited for delivery
    _time("started_at", nullable=True),
    _time("finished_at", nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("flow_digest", sa.String(64), nullable=True),  # the deployed flow version the fire runs (revision 0006)
    sa.Index("ix_schedule_fires_schedule_status", "schedule", "status"),
    sa.Index("ix_schedule_fires_status", "status"),  # recovery scans all schedules for PENDING and RUNNING fires
)

# Deployed flows (written by apply, read by schedulers and workers): content-addressed versions, never changed once
# written, and per flow the version deployed now with its schedules (a JSON list of schedule objects).
flow_versions = sa.Table(
    "flow_versions", metadata,
    sa.Column("digest", sa.String(64), primary_key=True),  # sha256 hex of the document's canonical JSON
    sa.Column("flow", sa.String(200), nullable=False),
    sa.Column("document", Json, nullable=False),
    _time("created_at"),
)

flow_deployments = sa.Table(
    "flow_deployments", metadata,
    sa.Column("flow", sa.String(200), primary_key=True),
    sa.Column("workspace", sa.String(100), nullable=False),
    sa.Column("digest", sa.String(64), sa.ForeignKey("flow_versions.digest"), nullable=False),
    sa.Column("schedules", Json, nullable=False),
    _time("deployed_at"),
    sa.Column("deployed_by", sa.String(255), nullable=False),
)

# Run records (revision 0007; before it, runner.records created these tables itself, in the project's runs.db or in
# a PostgreSQL store's schema). Unlike the tables above, times are timezone-aware DateTimes: the tables predate the
# migration, and rows written by earlier versions are kept as they are. One row per run, written when it starts; its
# owner (host, pid, process token) and heartbeat tell a live run from a lost one.
flow_runs = sa.Table(
    "flow_runs", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("flow", sa.String(200), nullable=False, index=True),
    sa.Column("workspace", sa.String(200), nullable=False),
    sa.Column("status", sa.String(32), nullable=False, index=True),  # revision 0023: workers find waiting runs
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("end_user", sa.String(255), nullable=True),
    sa.Column("inputs", sa.Text, nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("owner_host", sa.String(255), nullable=True),
    sa.Column("owner_pid", sa.Integer, nullable=True),
    sa.Column("owner_process", sa.String(200), nullable=True),
    sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
    # What started the run (manual, schedule); NULL for runs recorded before it was. Not "trigger", a keyword of SQL.
    sa.Column("started_by", sa.String(32), nullable=True),
    # A run waiting for approval (revision 0023): the flow version document it runs (JSON), which resuming it reads.
    sa.Column("flow_digest", sa.String(64), nullable=True),
    sa.Column("flow_version", sa.Text, nullable=True),
)

# One row per step of a finished run, in the order the steps ended.
flow_run_steps = sa.Table(
    "flow_run_steps", metadata,
    sa.Column("run_id", sa.String(64), sa.ForeignKey("flow_runs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("step_id", sa.String(200), nullable=False),
    sa.Column("is_finally", sa.Boolean, nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("items", sa.Integer, nullable=True),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("output", sa.Text, nullable=True),  # JSON text, capped
    sa.Column("output_truncated", sa.Boolean, nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("error_code", sa.String(64), nullable=True),
    sa.Column("tolerated", sa.Boolean, nullable=False),
    sa.Column("partials", sa.Text, nullable=True),  # JSON [{id, name, reason}]; NULL when the backend did not say
    # Revision 0023: the approvals the step asked for (JSON list); a waiting run's output in full when `output` is
    # capped (what a resumed run's templates read).
    sa.Column("approvals", sa.Text, nullable=True),
    sa.Column("resume_output", sa.Text, nullable=True),
)

# MCP servers (revision 0011): a server belongs to a workspace; its static bearer (bearer modes) is kept as a sha256
# only. Deleting a server deletes its tools and tokens.
mcp_servers = sa.Table(
    "mcp_servers", metadata,
    _id(primary_key=True),
    _id("org_id", sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
    _id("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(NAME_MAX), nullable=False),
    sa.Column("description", sa.String(DESCRIPTION_MAX), nullable=True),
    sa.Column("mode", sa.String(16), nullable=False),
    sa.Column("auth_mode", sa.String(32), nullable=False),
    sa.Column("settings", Json, nullable=False),
    sa.Column("end_user_access", sa.String(MCP_END_USER_ACCESS_MAX), nullable=True),
    sa.Column("end_user_id", sa.String(EXTERNAL_ID_MAX), nullable=True),  # an end user's external id
    sa.Column("created_by", sa.String(EXTERNAL_ID_MAX), nullable=True),
    sa.Column("suspended", sa.Boolean, nullable=False),
    sa.Column("bearer_hash", sa.String(64), nullable=True),  # sha256 hex of the static bearer; null: none
    _time("created_at"),
    _time("updated_at"),
    sa.UniqueConstraint("workspace_id", "name", name="uq_mcp_servers_workspace_name"),
)

# A server's explicit tools. ``alias_key`` is the alias or "" (NULLs never collide in a unique constraint).
mcp_tools = sa.Table(
    "mcp_tools", metadata,
    _id(primary_key=True),
    _id("server_id", sa.ForeignKey("mcp_servers.id", ondelete="CASCADE"), nullable=False),
    sa.Column("tool_type", sa.String(16), nullable=False),
    sa.Column("integration_name", sa.String(100), nullable=False),
    sa.Column("action_name", sa.String(CATALOG_NAME_MAX), nullable=False),
    sa.Column("integration_alias", sa.String(ALIAS_MAX), nullable=True),
    sa.Column("alias_key", sa.String(ALIAS_MAX), nullable=False),
    _id("connection_id", sa.ForeignKey("connections.id", ondelete="SET NULL"), nullable=True, index=True),
    sa.Column("display_name", sa.String(DISPLAY_NAME_MAX), nullable=True),
    sa.Column("description", sa.String(DESCRIPTION_MAX), nullable=True),
    sa.Column("input_defaults", Json, nullable=False),
    sa.Column("partial_ids", Json, nullable=False),
    sa.Column("sort_order", sa.Integer, nullable=False),
    _time("created_at"),
    _time("updated_at"),
    sa.UniqueConstraint("server_id", "integration_name", "action_name", "alias_key", name="uq_mcp_tools_target"),
)

# Per-end-user tokens of a server: ``bearer`` (mcp_) and ``oauth`` (mcpo_), sha256 only. Deleting the end user (the
# internal id) deletes its tokens, so that a new end user with the same external id never inherits them.
mcp_tokens = sa.Table(
    "mcp_tokens", metadata,
    _id(primary_key=True),
    _id("server_id", sa.ForeignKey("mcp_servers.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("kind", sa.String(16), nullable=False),
    _id("end_user_id", sa.ForeignKey("end_users.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("end_user_external_id", sa.String(EXTERNAL_ID_MAX), nullable=False),
    sa.Column("scopes", Json, nullable=False),
    _time("expires_at"),
    _time("revoked_at", nullable=True),
    _time("created_at"),
)

# Hosted connect sessions (revision 0008): one row per cst_ token, of which only the sha256 is kept. A session is
# PENDING until the person at the connect page completes it (COMPLETED, with the connection made) or it fails; an
# expired PENDING session stays PENDING here and reads as EXPIRED. ``scope`` is the connection scope resolved when
# the token was made, with the authority of the key that made it.
connect_sessions = sa.Table(
    "connect_sessions", metadata,
    _id(primary_key=True),
    _id("org_id", sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
    _id("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),  # sha256 hex of the plain cst_ token
    sa.Column("integration_name", sa.String(100), nullable=False),
    sa.Column("connection_name", sa.String(255), nullable=False),
    sa.Column("external_id", sa.String(255), nullable=False),
    sa.Column("end_user_external_id", sa.String(255), nullable=True),
    _id("workspace_integration_id", nullable=True),
    sa.Column("auth_method_key", sa.String(100), nullable=True),
    sa.Column("scope", sa.String(16), nullable=False),
    sa.Column("oauth_app_mode", sa.String(32), nullable=True),
    _id("oauth_app_id", nullable=True),
    sa.Column("base_url", sa.String(BASE_URL_MAX), nullable=True),
    sa.Column("success_redirect_uri", sa.String(REDIRECT_URI_MAX), nullable=True),
    sa.Column("error_redirect_uri", sa.String(REDIRECT_URI_MAX), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),  # PENDING | COMPLETED | FAILED
    _id("connection_id", sa.ForeignKey("connections.id", ondelete="SET NULL"), nullable=True),
    sa.Column("error_code", sa.String(64), nullable=True),
    sa.Column("error", sa.String(CONNECT_ERROR_MAX), nullable=True),  # a message for the caller, never a secret
    _time("expires_at"),
    _time("completed_at", nullable=True),
    _time("created_at"),
)

# End-user portal links (eut_ tokens, revision 0009): the token is kept only as its sha256; a link may name one
# integration or one alias, and it stops working at expires_at.
def _end_users_own() -> list[sa.Column]:
    """The owner of a portal row: one end user of one workspace, whose deletion takes the row with it."""
    return [
        _id("org_id", sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
        _id("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
        _id("end_user_id", sa.ForeignKey("end_users.id", ondelete="CASCADE"), nullable=False, index=True),
    ]


portal_tokens = sa.Table(
    "portal_tokens", metadata,
    _id(primary_key=True),
    *_end_users_own(),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("integration_name", sa.String(100), nullable=True),
    _id("workspace_integration_id", sa.ForeignKey("workspace_integrations.id", ondelete="CASCADE"), nullable=True),
    _id("created_by_api_key_id", nullable=True),  # None: the operator (service key, local backend)
    _time("expires_at"),
    _time("created_at"),
)

# Invitations to the portal: who asked, when, for which address and link. No email is sent (out of scope).
end_user_invites = sa.Table(
    "end_user_invites", metadata,
    _id(primary_key=True),
    *_end_users_own(),
    sa.Column("email", sa.String(EMAIL_MAX), nullable=False),
    _id("portal_token_id", sa.ForeignKey("portal_tokens.id", ondelete="CASCADE"), nullable=False),
    _id("invited_by_api_key_id", nullable=True),  # None: the operator (service key, local backend)
    sa.Column("email_sent", sa.Boolean, nullable=False),
    _time("created_at"),
)

# OAuth2 (revision 0010). One OAuth client per (organization, integration); the secret encrypted like a credential.
oauth_apps = sa.Table(
    "oauth_apps", metadata,
    _id(primary_key=True),
    _id("org_id", sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("integration_name", sa.String(100), nullable=False),
    sa.Column("client_id", sa.String(500), nullable=False),
    sa.Column("client_secret", sa.LargeBinary, nullable=True),  # encrypted; None for a public client
    sa.Column("scopes", Json, nullable=False),  # list of strings
    sa.Column("authorize_url", sa.String(BASE_URL_MAX), nullable=True),  # None: the integration's default
    sa.Column("token_url", sa.String(BASE_URL_MAX), nullable=True),
    sa.Column("redirect_uri", sa.String(BASE_URL_MAX), nullable=True),  # None: this server's own callback
    # The API host its tokens are for (an enterprise host, a stub): an OAUTH2 connection of this app without a
    # baseUrl of its own gets it. None: the integration's default host.
    sa.Column("api_base_url", sa.String(BASE_URL_MAX), nullable=True),
    _time("created_at"),
    _time("updated_at"),
    sa.UniqueConstraint("org_id", "integration_name", name="uq_oauth_apps_org_integration"),
)

# A pending authorization: the SHA-256 of its state, its connect session, and sealed (encrypted) the PKCE verifier
# and the session's cst_ token, which the callback completes the session with.
oauth_states = sa.Table(
    "oauth_states", metadata,
    sa.Column("state_hash", sa.String(64), primary_key=True),
    _id("connect_session_id", nullable=False, index=True),
    _id("oauth_app_id", sa.ForeignKey("oauth_apps.id", ondelete="CASCADE"), nullable=False),
    sa.Column("sealed", sa.LargeBinary, nullable=False),  # encrypted: the PKCE verifier and the cst_ token
    sa.Column("redirect_uri", sa.String(BASE_URL_MAX), nullable=False),
    _time("expires_at"),
    _time("created_at"),
)

# MCP's OAuth authorization flow (revision 0014). Clients registered dynamically (RFC 7591): public clients only,
# so no secret is kept; PKCE protects their codes.
mcp_oauth_clients = sa.Table(
    "mcp_oauth_clients", metadata,
    _id("client_id", primary_key=True),
    sa.Column("client_name", sa.String(255), nullable=True),
    sa.Column("redirect_uris", Json, nullable=False),
    sa.Column("client_info", Json, nullable=False),  # the registration as answered (it holds no secret)
    _time("created_at"),
)

# One authorization request from /authorize to its code's exchange. ``step_hash`` is the sha256 of the value that
# carries the person through the pages (the request link, then the consent form, each single-use); ``code_hash``
# the sha256 of the code, which is bound to the client, its redirect URI and the PKCE challenge, short-lived and
# used once (``used_at``; ``token_id`` is the token it was exchanged for, revoked if the code comes back).
mcp_oauth_grants = sa.Table(
    "mcp_oauth_grants", metadata,
    _id(primary_key=True),
    _id("client_id", sa.ForeignKey("mcp_oauth_clients.client_id", ondelete="CASCADE"), nullable=False, index=True),
    _id("server_id", sa.ForeignKey("mcp_servers.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("redirect_uri", sa.String(2000), nullable=False),
    sa.Column("redirect_uri_explicit", sa.Boolean, nullable=False),
    sa.Column("code_challenge", sa.String(128), nullable=False),
    sa.Column("scopes", Json, nullable=False),
    sa.Column("resource", sa.String(2000), nullable=True),
    sa.Column("state", sa.String(2000), nullable=True),
    sa.Column("step_hash", sa.String(64), nullable=True, unique=True),
    _time("step_expires_at"),
    _id("end_user_id", sa.ForeignKey("end_users.id", ondelete="CASCADE"), nullable=True),
    sa.Column("code_hash", sa.String(64), nullable=True, unique=True),
    _time("code_expires_at", nullable=True),
    _id("token_id", sa.ForeignKey("mcp_tokens.id", ondelete="SET NULL"), nullable=True),
    _time("used_at", nullable=True),
    _time("created_at"),
)

# Human gates (issue 17, revision 0015). A policy is configuration (its writes bump the configuration version, so
# that every process's execute cache sees it at once); ``workspace_id`` null = the whole organization. The filter
# lists are null for "any". ``approvers`` never holds a webhook approver's signing secret: the secrets are one
# ciphertext (the credential cipher) of a JSON list in ``approver_secrets``, write-only through the API.
approval_policies = sa.Table(
    "approval_policies", metadata,
    _id(primary_key=True),
    _id("org_id", sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False, index=True),
    _id("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=True, index=True),
    sa.Column("name", sa.String(APPROVAL_POLICY_NAME_MAX), nullable=False),
    sa.Column("description", sa.String(DESCRIPTION_MAX), nullable=True),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("sources", Json, nullable=True),
    sa.Column("mcp_server_ids", Json, nullable=True),
    sa.Column("workspace_integration_ids", Json, nullable=True),
    sa.Column("integration_names", Json, nullable=True),
    sa.Column("integration_aliases", Json, nullable=True),
    sa.Column("action_names", Json, nullable=True),
    sa.Column("connection_strategies", Json, nullable=True),
    sa.Column("end_user_mode", sa.String(32), nullable=False),
    sa.Column("decision", sa.String(32), nullable=False),
    sa.Column("risk_mode", sa.String(32), nullable=False),
    sa.Column("rules", Json, nullable=True),
    sa.Column("approvers", Json, nullable=False),
    sa.Column("approver_secrets", sa.Text, nullable=True),
    sa.Column("timeout_seconds", sa.Integer, nullable=False),
    sa.Column("default_on_timeout", sa.String(16), nullable=False),
    sa.Column("reuse_window_seconds", sa.Integer, nullable=True),
    sa.Column("approval_access_mode", sa.String(32), nullable=False),
    sa.Column("metadata", Json, nullable=True),
    _time("created_at"),
    _time("updated_at"),
)

# An approval request: made by the gate when a require_approval policy matches a call, bound to the hash of the
# call's resolved input and context (``input_hash``) and to its idempotency key. ``input_preview`` is redacted
# (secrets and enforced values masked; ``redacted_paths`` says where). Who decided: ``decided_by_api_key_id`` (an
# API key), else ``decided_via`` (``link``, ``cli``, ``policy``, ``timeout``).
approvals = sa.Table(
    "approvals", metadata,
    _id(primary_key=True),
    _id("org_id", sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
    _id("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False, index=True),
    _id("policy_id", sa.ForeignKey("approval_policies.id", ondelete="SET NULL"), nullable=True),
    sa.Column("policy_name", sa.String(APPROVAL_POLICY_NAME_MAX), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("integration_name", sa.String(100), nullable=False),
    sa.Column("action_name", sa.String(CATALOG_NAME_MAX), nullable=False),
    _id("workspace_integration_id", nullable=True),
    sa.Column("integration_alias", sa.String(ALIAS_MAX), nullable=True),
    sa.Column("connection_strategy", sa.String(32), nullable=True),
    _id("connection_id", nullable=True),
    sa.Column("end_user_id", sa.String(EXTERNAL_ID_MAX), nullable=True),  # the end user's external id
    _id("mcp_server_id", nullable=True),
    _id("requested_by_api_key_id", nullable=True),  # None: the operator (local backend, CLI)
    sa.Column("idempotency_key", sa.String(IDEMPOTENCY_KEY_MAX), nullable=False),
    sa.Column("input_hash", sa.String(64), nullable=False),
    sa.Column("input_preview", Json, nullable=False),
    sa.Column("redacted_paths", Json, nullable=False),
    sa.Column("risk_reasons", Json, nullable=False),
    sa.Column("risk_score", sa.Float, nullable=True),
    sa.Column("partial_ids", Json, nullable=False),
    sa.Column("enforced_keys", Json, nullable=False),
    sa.Column("approval_access_mode", sa.String(32), nullable=False),
    sa.Column("default_on_timeout", sa.String(16), nullable=False),
    _time("expires_at"),
    _time("decided_at", nullable=True),
    _id("decided_by_api_key_id", nullable=True),
    sa.Column("decided_via", sa.String(16), nullable=True),
    sa.Column("decision_reason", sa.String(APPROVAL_REASON_MAX), nullable=True),
    sa.Column("decision_metadata", Json, nullable=True),
    _time("consumed_at", nullable=True),
    _id("execution_id", nullable=True),  # the execution the approval was consumed by
    _time("created_at"),
    _time("updated_at"),
    sa.Index("ix_approvals_org_idempotency", "org_id", "idempotency_key"),
    sa.Index("ix_approvals_status_expires", "status", "expires_at"),
)

# Signed approval.* events to webhook approvers: an outbox written in the transaction that changes the approval, and
# its delivery log (attempts with backoff until delivered or given up).
approval_webhook_deliveries = sa.Table(
    "approval_webhook_deliveries", metadata,
    _id(primary_key=True),
    _id("approval_id", sa.ForeignKey("approvals.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("event", sa.String(32), nullable=False),
    sa.Column("approver_index", sa.Integer, nullable=False),  # which of the policy's approvers
    sa.Column("url", sa.String(BASE_URL_MAX), nullable=False),
    sa.Column("payload", Json, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # pending | delivered | failed (given up)
    sa.Column("attempts", sa.Integer, nullable=False),
    _time("next_attempt_at", nullable=True),
    sa.Column("last_status_code", sa.Integer, nullable=True),
    sa.Column("last_error", sa.String(CONNECT_ERROR_MAX), nullable=True),
    sa.Column("log", Json, nullable=False),  # one entry per attempt: {at, statusCode?, error?, durationMs}
    _time("delivered_at", nullable=True),
    _time("created_at"),
    sa.Index("ix_approval_webhook_deliveries_due", "status", "next_attempt_at"),
)

# Hosted approval page links (apl_ tokens): sha256 only; a link works once (``used_at``) and until ``expires_at``.
approval_links = sa.Table(
    "approval_links", metadata,
    _id(primary_key=True),
    _id("approval_id", sa.ForeignKey("approvals.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    _time("expires_at"),
    _time("used_at", nullable=True),
    _time("created_at"),
)

# Triggers (issue 18, revision 0024). A trigger source: what to watch (integration, trigger, the merged input, the
# alias and connection selectors, resolved again at each poll) and where its events go (``target_kind``: a callback
# URL, or a deployed flow's ``(flow_name, flow_key)``). Secrets are credential-cipher ciphertexts: the callback
# headers, the signing secret of callback deliveries, a flow webhook's secret. ``spec_digest``: a keyed digest of what
# a flow's ``on:`` entry said, so that registering the same entry again changes nothing. Polling: ``next_poll_at``
# and the lease a poller holds while it polls (``lease_owner``, ``lease_until``).
trigger_sources = sa.Table(
    "trigger_sources", metadata,
    _id(primary_key=True),
    _id("org_id", sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
    _id("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("integration_name", sa.String(100), nullable=False),
    sa.Column("trigger_name", sa.String(CATALOG_NAME_MAX), nullable=False),
    sa.Column("trigger_type", sa.String(16), nullable=False),  # POLLING | WEBHOOK
    _id("workspace_integration_id", nullable=True),
    sa.Column("connection_external_id", sa.String(EXTERNAL_ID_MAX), nullable=True),
    sa.Column("end_user_id", sa.String(EXTERNAL_ID_MAX), nullable=True),  # an end user's external id
    sa.Column("input", Json, nullable=False),  # merged: defaults, partials, caller input, enforced values
    sa.Column("partial_ids", Json, nullable=False),
    sa.Column("target_kind", sa.String(16), nullable=False),  # callback | flow
    sa.Column("callback_url", sa.String(BASE_URL_MAX), nullable=True),
    sa.Column("callback_headers", sa.LargeBinary, nullable=True),  # encrypted JSON object
    sa.Column("callback_metadata", Json, nullable=True),
    sa.Column("signing_secret", sa.LargeBinary, nullable=True),  # encrypted
    sa.Column("flow_name", sa.String(200), nullable=True),
    sa.Column("flow_key", sa.String(200), nullable=True),
    sa.Column("spec_digest", sa.String(64), nullable=True),
    sa.Column("webhook_path", sa.String(200), nullable=True, unique=True),
    sa.Column("webhook_secret", sa.LargeBinary, nullable=True),  # encrypted
    sa.Column("polling_interval_s", sa.Integer, nullable=True),
    _time("next_poll_at", nullable=True),
    sa.Column("lease_owner", sa.String(200), nullable=True),
    _time("lease_until", nullable=True),
    sa.Column("cursor", Json, nullable=True),
    sa.Column("simulate", sa.Boolean, nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("last_error", sa.Text, nullable=True),
    _time("created_at"),
    _time("updated_at"),
    sa.UniqueConstraint("flow_name", "flow_key", name="uq_trigger_sources_flow_key"),
    sa.Index("ix_trigger_sources_due", "enabled", "next_poll_at"),
)

# What a source saw, once per (source, event id); ``seq`` orders a source's events by occurrence. ``dispatched_at``:
# when the event was handed on (a flow's fire inserted, a callback's delivery row written); NULL: not yet.
trigger_events = sa.Table(
    "trigger_events", metadata,
    sa.Column("id", sa.String(_ID), primary_key=True),  # evt_ + 32 hex digits
    _id("source_id", sa.ForeignKey("trigger_sources.id", ondelete="CASCADE"), nullable=False),
    sa.Column("event_key", sa.String(500), nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("data", Json, nullable=False),
    _time("occurred_at", nullable=True),
    _time("received_at"),
    _time("dispatched_at", nullable=True),
    sa.UniqueConstraint("source_id", "event_key", name="uq_trigger_events_source_key"),
    sa.UniqueConstraint("source_id", "seq", name="uq_trigger_events_source_seq"),
    sa.Index("ix_trigger_events_dispatched", "dispatched_at"),
)

# One delivery per event of a callback source, attempted in ``seq`` order per source (the oldest undelivered one
# blocks the later ones), with backoff; ``lease_until`` while an attempt is in progress; ``log`` one entry per attempt.
trigger_deliveries = sa.Table(
    "trigger_deliveries", metadata,
    _id(primary_key=True),
    sa.Column("event_id", sa.String(_ID), sa.ForeignKey("trigger_events.id", ondelete="CASCADE"), nullable=False,
              unique=True),
    _id("source_id", sa.ForeignKey("trigger_sources.id", ondelete="CASCADE"), nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # pending | delivered | failed
    sa.Column("attempts", sa.Integer, nullable=False),
    _time("next_attempt_at", nullable=True),
    _time("lease_until", nullable=True),
    sa.Column("last_status", sa.Integer, nullable=True),
    sa.Column("last_error", sa.String(CONNECT_ERROR_MAX), nullable=True),
    sa.Column("log", Json, nullable=False),
    _time("first_attempt_at", nullable=True),
    _time("delivered_at", nullable=True),
    _time("created_at"),
    sa.Index("ix_trigger_deliveries_source_status_seq", "source_id", "status", "seq"),
    sa.Index("ix_trigger_deliveries_due", "status", "next_attempt_at"),
)
