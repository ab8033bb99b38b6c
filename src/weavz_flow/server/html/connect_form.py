"""The connect page's forms, from the integration's auth definition in the catalog: which ways to connect it offers
(one per connection type it takes, narrowed by the session's ``authMethodKey``), the fields of each, and what a
submitted form means as a :class:`ConnectCredential`.

SECRET_TEXT is one password field, BASIC_AUTH a username and a password, CUSTOM_AUTH one field per prop of the
integration's :class:`~weavz_flow.catalog.model.AuthForm` (secret props as password fields), OAUTH2 a link to the
OAuth2 flow. A field that holds a secret is never filled in again: after an error the person types it anew.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from weavz_flow.catalog.model import IntegrationInfo
from weavz_flow.engine.connect_values import ConnectCredential, ConnectSession
from weavz_flow.wire.vocabulary import ConnectionType

OAUTH2_START_PATH = "/connect/oauth2/start"
_PROP_PREFIX = "props."


@dataclass(frozen=True, slots=True)
class FormField:
    key: str  # the form key: secretText, username, password or props.<name>
    id: str  # the input's id, unique on the page
    label: str
    description: str = ""
    required: bool = True
    secret: bool = True
    autocomplete: str = "off"
    value: str = ""  # only ever a value that is not secret
    error: str = ""

    @property
    def described_by(self) -> str:
        ids = [f"{self.id}-hint"] if self.description else []
        if self.error:
            ids.append(f"{self.id}-error")
        return " ".join(ids)


@dataclass(frozen=True, slots=True)
class Method:
    """One way to connect: a form of fields, or (OAUTH2) a link to the provider."""

    type: ConnectionType
    heading: str
    fields: tuple[FormField, ...] = ()
    href: str = ""  # OAUTH2: where the "Continue to ..." button goes

    @property
    def id(self) -> str:
        return self.type.lower().replace("_", "-")


def methods_for(integration: IntegrationInfo, session: ConnectSession, token: str) -> list[Method]:
    """The ways to connect ``integration`` that this page can offer, in the catalog's order."""
    types = [ConnectionType(t) for t in integration.auth_types if t in tuple(ConnectionType)]
    if session.auth_method_key in tuple(ConnectionType):
        types = [t for t in types if t == session.auth_method_key]
    methods = [m for m in (_method(t, integration, token) for t in types) if m is not None]
    return methods


def _method(kind: ConnectionType, integration: IntegrationInfo, token: str) -> Method | None:
    name = integration.display_name or integration.name
    form = integration.auth_form
    prefix = kind.lower().replace("_", "-")
    if kind == ConnectionType.SECRET_TEXT:
        label = form.secret_label or "Secret"
        return Method(kind, f"Use a {label}" if form.secret_label else "Use a secret",
                      (FormField("secretText", f"{prefix}-secret", label, form.secret_description),))
    if kind == ConnectionType.BASIC_AUTH:
        return Method(kind, "Connect with a username and password", (
            FormField("username", f"{prefix}-username", "Username", secret=False, autocomplete="username"),
            FormField("password", f"{prefix}-password", "Password", autocomplete="current-password"),
        ))
    if kind == ConnectionType.CUSTOM_AUTH:
        if not form.props:
            return None  # its props are unknown (the SDK's integrations): nothing to ask for
        return Method(kind, f"Connect with your {name} details", tuple(
            FormField(_PROP_PREFIX + p.name, f"{prefix}-{i}", p.display_name or p.name, p.description,
                      required=p.required, secret=p.secret)
            for i, p in enumerate(form.props)))
    if kind == ConnectionType.OAUTH2:
        return Method(kind, f"Sign in with {name}", href=f"{OAUTH2_START_PATH}?{urlencode({'token': token})}")
    return None  # PLATFORM_OAUTH2 is Weavz's own app: never offered here


def read_credential(method: Method, form: Mapping[str, Any]) -> tuple[ConnectCredential | None, Method]:
    """The credential a submitted form holds, or None and the method with each field's error (and the values that
    are not secret, to fill in again)."""
    values: dict[str, str] = {}
    checked: list[FormField] = []
    for f in method.fields:
        raw = form.get(f.key)
        value = raw.strip() if isinstance(raw, str) else ""
        error = f"{f.label} is required" if f.required and not value else ""
        checked.append(replace(f, value="" if f.secret else value, error=error))
        if value:
            values[f.key] = value
    if any(f.error for f in checked) or method.type == ConnectionType.OAUTH2:
        return None, replace(method, fields=tuple(checked))
    return _credential(method.type, values), replace(method, fields=tuple(checked))


def _credential(kind: ConnectionType, values: dict[str, str]) -> ConnectCredential:
    if kind == ConnectionType.SECRET_TEXT:
        return ConnectCredential.secret(values["secretText"])
    if kind == ConnectionType.BASIC_AUTH:
        return ConnectCredential.basic(values["username"], values["password"])
    return ConnectCredential.custom({k.removeprefix(_PROP_PREFIX): v for k, v in values.items()})


def cleared(method: Method) -> Method:
    """The method's form as it shows again after the server refused it: the values that are not secret kept, every
    field's own error gone (the page says what went wrong as a whole)."""
    return replace(method, fields=tuple(replace(f, error="") for f in method.fields))
