"""A workspace file (top-level key ``workspace: <slug>``): connections, end users, integration aliases, partials,
MCP servers and approval policies."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, StringConstraints, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from weavz_flow.config.model.approval_policies import ApprovalPolicyConfig, PolicyName
from weavz_flow.config.model.base import (
    USES_PATTERN,
    ActionName,
    AliasName,
    EndUserId,
    ExternalId,
    HttpUrl,
    IntegrationName,
    Name,
    SecretRef,
    Slug,
    StrictModel,
)
from weavz_flow.suggest import did_you_mean
from weavz_flow.wire.vocabulary import ConnectionType, EndUserConnect, McpAuthMode, McpMode, PersistenceScope, Strategy

__all__ = ["CREDENTIAL_KEYS", "AliasConfig", "AliasSettings", "ConfigConnectionType", "ConnectionConfig",
           "ConnectionType", "EndUserConfig", "EndUserConnect", "McpAuthMode", "McpMode", "McpServerConfig",
           "McpServerName", "McpToolConfig", "PartialConfig", "PartialName", "PersistenceScope", "PersistenceSettings",
           "Strategy", "WorkspaceFile"]


# Which credential keys each connection type takes; the first group is required, the second optional.
CREDENTIAL_KEYS: dict[ConnectionType, tuple[tuple[str, ...], tuple[str, ...]]] = {
    ConnectionType.SECRET_TEXT: (("secret",), ()),
    ConnectionType.BASIC_AUTH: (("username", "password"), ()),
    ConnectionType.CUSTOM_AUTH: (("props",), ()),
    ConnectionType.OAUTH2: (("access_token",), ("refresh_token",)),
}
_ALL_CREDENTIAL_KEYS = ("secret", "username", "password", "props", "access_token", "refresh_token")

# The connection types a config file declares: those above (a PLATFORM_OAUTH2 connection is made on the platform,
# never from a file). Its members equal the vocabulary's; the JSON Schema names it ConnectionType, as it always has.
if TYPE_CHECKING:
    ConfigConnectionType = ConnectionType
else:
    ConfigConnectionType = StrEnum("ConnectionType", {t.name: t.value for t in CREDENTIAL_KEYS})


class ConnectionConfig(StrictModel):
    """A credential for one integration; its natural key is (integration, external id = the map key).

    Every credential part is a :class:`SecretRef`. ``username`` may be a literal, since it is an identity, not a
    secret. ``props`` (CUSTOM_AUTH) are all references because the config cannot know which of them are secret.
    """

    integration: IntegrationName
    type: ConfigConnectionType
    display_name: Name | None = None
    secret: SecretRef | None = None
    username: Annotated[str, StringConstraints(min_length=1)] | SecretRef | None = None
    password: SecretRef | None = None
    props: dict[str, SecretRef] | None = None
    access_token: SecretRef | None = None
    refresh_token: SecretRef | None = None
    end_user: EndUserId | None = Field(
        default=None, description="externalId of the end user who owns this connection (a per-user connection)"
    )
    base_url: HttpUrl | None = Field(default=None, description="non-secret provider URL override")

    @model_validator(mode="after")
    def _credentials_match_type(self) -> ConnectionConfig:
        required, optional = CREDENTIAL_KEYS[self.type]
        missing = [k for k in required if getattr(self, k) is None]
        if missing:
            raise PydanticCustomError(
                "credential_missing", "a {type} connection needs {keys}",
                {"type": self.type.value, "keys": " and ".join(f"'{k}'" for k in missing),
                 "fix": f"add {missing[0]}: {{env: NAME}} (or {{file: PATH}})"},
            )
        extra = [k for k in _ALL_CREDENTIAL_KEYS if k not in required + optional and getattr(self, k) is not None]
        if extra:
            raise PydanticCustomError(
                "credential_extra", "a {type} connection does not take {keys}",
                {"type": self.type.value, "keys": " or ".join(f"'{k}'" for k in extra), "at_key": extra[0],
                 "fix": f"remove '{extra[0]}': a {self.type.value} connection takes "
                        + " and ".join(f"'{k}'" for k in required + optional)},
            )
        return self

    def secret_refs(self) -> dict[str, SecretRef]:
        """Every referenced credential part, by its key (``props.<name>`` for custom props)."""
        refs: dict[str, SecretRef] = {}
        for key in ("secret", "username", "password", "access_token", "refresh_token"):
            value = getattr(self, key)
            if isinstance(value, SecretRef):
                refs[key] = value
        for name, ref in (self.props or {}).items():
            refs[f"props.{name}"] = ref
        return refs


class EndUserConfig(StrictModel):
    display_name: Name | None = None
    email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+$", max_length=320)] | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class PersistenceSettings(StrictModel):
    """Namespace of the built-in state (kv-store, storage); Weavz's default scope is ``end_user``."""

    scope: PersistenceScope = PersistenceScope.END_USER
    external_id: ExternalId | None = None

    @model_validator(mode="after")
    def _external_needs_id(self) -> PersistenceSettings:
        if self.scope is PersistenceScope.EXTERNAL and self.external_id is None:
            raise PydanticCustomError("external_id_required", "scope 'external' needs an 'external_id'",
                                      {"fix": "add external_id: <id>, or use scope 'workspace' or 'end_user'"})
        if self.scope is not PersistenceScope.EXTERNAL and self.external_id is not None:
            raise PydanticCustomError("external_id_unused", "'external_id' is only used with scope 'external'",
                                      {"at_key": "external_id", "fix": "remove 'external_id', or set scope: external"})
        return self


class AliasSettings(StrictModel):
    persistence: PersistenceSettings | None = None
    base_url: HttpUrl | None = Field(default=None, description=(
        "provider URL override for this alias; for an integration that takes credentials only the host of its "
        "connection's base_url or the integration's default host (set other hosts on the connection)"))


class AliasConfig(StrictModel):
    """One configured instance of an integration in a workspace (a Weavz workspace integration).

    ``strategy`` defaults to ``fixed``. ``fixed`` needs ``connection`` when the integration takes credentials (the
    hosted API refuses it otherwise); ``per_user_with_fallback`` may leave it out and then runs as ``per_user``
    until one is set (the live Weavz API accepts that, weavz-api.md §2.4); ``per_user`` ignores it.
    ``actions`` absent means every action is enabled. ``end_user_connect: portal`` says the alias's end users
    connect their own accounts through the end-user portal (a per-user strategy only; kept in the alias's settings
    as ``endUserConnect``).
    """

    integration: IntegrationName
    strategy: Strategy = Strategy.FIXED
    connection: ExternalId | None = Field(default=None, description="externalId of a connection in this workspace")
    actions: list[ActionName] | None = None
    display_name: Name | None = None
    end_user_connect: EndUserConnect | None = Field(default=None, description=(
        "how end users bring their own connection: 'portal' lists this alias on the end-user portal (when any "
        "alias of the workspace says so, the portal lists only those that do)"))
    settings: AliasSettings | None = None

    @model_validator(mode="after")
    def _portal_needs_per_user(self) -> AliasConfig:
        if self.end_user_connect is not None and self.strategy is Strategy.FIXED:
            raise PydanticCustomError(
                "end_user_connect_needs_per_user",
                "the portal needs a per-user strategy: a 'fixed' alias never uses an end user's connection",
                {"at_key": "end_user_connect",
                 "fix": "set strategy: per_user (or per_user_with_fallback), or remove 'end_user_connect'"})
        return self

    @property
    def stored_strategy(self) -> Strategy:
        """The strategy a backend stores for this alias, the one definition plan, apply and import share.

        Without a connection, ``fixed`` has nothing to pin: the Weavz API refuses ``fixed`` without a
        ``connectionId`` and runs such an alias as ``per_user``, which is what it stores for a built-in added without
        a strategy. ``per_user_with_fallback`` is stored as written, with or without its fallback."""
        if self.connection is None and self.strategy is Strategy.FIXED:
            return Strategy.PER_USER
        return self.strategy


class PartialConfig(StrictModel):
    """An input preset for one alias: integration-wide when ``action`` is absent, else for that one action.

    ``enforced`` keys always win over a caller's input; ``default`` partials apply when a step names none.
    """

    alias: AliasName
    action: ActionName | None = None
    description: Annotated[str, StringConstraints(max_length=500)] | None = None
    values: dict[str, Any] = Field(default_factory=dict)
    enforced: list[str] = Field(default_factory=list)
    default: bool = False

    @field_validator("enforced")
    @classmethod
    def _enforced_keys_have_values(cls, enforced: list[str], info: ValidationInfo) -> list[str]:
        values = info.data.get("values")
        if values is None:  # 'values' itself is invalid, and reported
            return enforced
        missing = [(i, k) for i, k in enumerate(enforced) if k not in values]
        if missing:
            index, first = missing[0]
            hint = did_you_mean(first, values) if len(missing) == 1 else None
            raise PydanticCustomError(
                "enforced_without_value", "enforced keys need a value in 'values': {keys}",
                {"keys": ", ".join(f"'{k}'" for _, k in missing), "index": index,
                 "fix": hint or f"add {first}: <value> under 'values', or remove '{first}' from 'enforced'"},
            )
        return enforced


PartialName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=100)]


McpServerName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=100)]


class McpToolConfig(StrictModel):
    """One explicit tool of an MCP server: an action of an alias, as a flow step's ``uses:`` names it. The
    workspace's aliases sync into the server as tools anyway; an explicit tool refines one (its name shown to the
    agent, its description, defaults and partials). The list order is the tools' order."""

    tool: Annotated[str, StringConstraints(pattern=USES_PATTERN)] = Field(
        description="<alias>.<action>, the alias declared in this workspace"
    )
    display_name: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = None
    description: Annotated[str, StringConstraints(max_length=500)] | None = None
    input_defaults: dict[str, Any] = Field(
        default_factory=dict, description="inputs pre-filled for the agent (it may change them)"
    )
    partials: list[PartialName] = Field(
        default_factory=list, description="partials of the tool's alias (and action) applied to its calls"
    )

    @property
    def alias(self) -> str:
        return self.tool.split(".", 1)[0]

    @property
    def action(self) -> str:
        return self.tool.split(".", 1)[1]


class McpServerConfig(StrictModel):
    """An MCP server of this workspace: its actions as tools for AI agents. Tokens are never declared here: mint one
    with ``weavz-flow mcp token SERVER``."""

    description: Annotated[str, StringConstraints(max_length=500)] | None = None
    mode: McpMode = Field(default=McpMode.TOOLS, description="TOOLS: one tool per action (CODE is not supported yet)")
    auth_mode: McpAuthMode = Field(
        default=McpAuthMode.OAUTH,
        description="oauth: tokens that carry the end user; bearer: one static token without an end user (refused "
                    "on a workspace with a strict per_user alias); oauth_and_bearer: both",
    )
    end_user_access: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = Field(
        default=None, description="which end users may use the server (e.g. 'restricted')"
    )
    tools: list[McpToolConfig] = Field(default_factory=list)


class WorkspaceFile(StrictModel):
    """The whole of one workspace file. A workspace is declared by exactly one file."""

    workspace: Slug
    name: Name | None = Field(default=None, description="display name; defaults to the slug")
    connections: dict[ExternalId, ConnectionConfig] = Field(default_factory=dict)
    end_users: dict[EndUserId, EndUserConfig] = Field(default_factory=dict)
    integrations: dict[AliasName, AliasConfig] = Field(default_factory=dict)
    partials: dict[PartialName, PartialConfig] = Field(default_factory=dict)
    mcp_servers: dict[McpServerName, McpServerConfig] = Field(
        default_factory=dict, description="MCP servers: the workspace's actions as tools for AI agents"
    )
    approval_policies: dict[PolicyName, ApprovalPolicyConfig] = Field(default_factory=dict, description=(
        "human gates of this workspace, by policy name (organization-wide policies are managed through the API, "
        "not in a workspace file)"))

    @property
    def slug(self) -> str:
        return self.workspace

    @property
    def display_name(self) -> str:
        return self.name or self.workspace
