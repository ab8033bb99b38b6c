"""The custom_api_call profiles (custom_api_profiles.yaml): every profile against the generic recording stub, a
hand-checked sample with literal expectations, one engine call per input shape, and where a credential may not go."""

from __future__ import annotations

import base64
import importlib
from typing import Any

import httpx
import pytest

# The engine fixtures are imported by name for pytest; tests then take them as arguments of the same name.
from tests.engine.engine_fixtures import store  # noqa: F401
from tests.integrations.native_engine import native_engine
from tests.stubs.echo import EchoStub
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.credential_hosts import origin
from weavz_flow.engine.inputs import ConnectionCreate
from weavz_flow.engine.store import Store
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.base import ActionContext, Credentials
from weavz_flow.integrations.custom_api_call import ACTION
from weavz_flow.integrations.custom_api_names import profile_names
from weavz_flow.integrations.custom_api_natives import custom_api_integration, provider_profile
from weavz_flow.integrations.custom_api_profiles import api_profiles, unsupported
from weavz_flow.integrations.custom_api_shapes import shape_of
from weavz_flow.integrations.provider import ProviderProfile, ProviderRequest
from weavz_flow.integrations.provider_auth import Placement, template_names
from weavz_flow.integrations.provider_host import default_base_url, is_templated
from weavz_flow.integrations.provider_http import send
from weavz_flow.integrations.registry import MODULES, NATIVE_INTEGRATIONS
from weavz_flow.redact import Redactor
from weavz_flow.sensitive import Sensitive

PROFILES = api_profiles()
# Modules built on their profile entry (the AI models: ai_models.ai_profile) run its custom_api_call themselves.
BUILT_ON = ("openai", "claude", "google-gemini")
SECRET = "s3cr3t-t0ken-value"


def credentials(kind: str, props: dict[str, str] | None = None) -> Credentials:
    if kind == "SECRET_TEXT":
        return Credentials(type=kind, secret_text=Sensitive(SECRET))
    if kind == "BASIC_AUTH":
        return Credentials(type=kind, username="user@example.com", password=Sensitive("pa55word"))
    if kind == "OAUTH2":
        return Credentials(type=kind, access_token=Sensitive("oauth-access-token"))
    return Credentials(type=kind, props=Sensitive(props or {}))


def sample_props(name: str) -> dict[str, str]:
    """A value for every prop the profile's CUSTOM_AUTH placements and host name."""
    profile = PROFILES[name]
    names = set(template_names(profile.base_url or ""))
    for p in profile.auth.placements("CUSTOM_AUTH") or ():
        names |= p.parts()
    return {n: f"{n.lower()}-value" for n in names - {"secret"}} | ({"token": "tok-value"} if "secret" in names else {})


def ctx(http: httpx.Client, name: str, creds: Credentials, base_url: str | None) -> ActionContext:
    return ActionContext(integration=name, action=ACTION, http=http, credentials=creds, base_url=base_url,
                         redactor=Redactor(creds.secret_strings()))


def parts(creds: Credentials) -> dict[str, str]:
    out = {k: str(v) for k, v in (creds.props.reveal() if creds.props else {}).items()}
    if creds.token():
        out["secret"] = creds.token() or ""
    if creds.username:
        out["username"] = creds.username
    if creds.password:
        out["password"] = creds.password.reveal()
    return out


def expected(placement: Placement, values: dict[str, str]) -> tuple[str, str, str]:
    """(where, lower-case name, value) as the stub receives it."""
    if placement.where == "basic":
        pair = f"{placement.value.format_map(values)}:{placement.password.format_map(values)}"
        return "header", "authorization", "Basic " + base64.b64encode(pair.encode()).decode()
    name = placement.name.lower() if placement.where == "header" else placement.name
    return placement.where, name, placement.value.format_map(values)


# --- the file itself ---------------------------------------------------------------------------------------------


def test_the_names_read_without_parsing_are_the_parsed_entries():
    assert profile_names() == tuple(PROFILES)


def test_every_catalog_custom_api_call_is_run_or_listed_with_a_reason(sdk_catalog: Catalog):
    with_action = {n for n in sdk_catalog.names if ACTION in sdk_catalog.integration(n).actions}
    covered, listed = set(PROFILES) - set(BUILT_ON), set(unsupported())
    assert covered.isdisjoint(listed) and covered.isdisjoint(MODULES)
    assert covered <= with_action
    runs_natively = {n for n in MODULES if ACTION in NATIVE_INTEGRATIONS[n].actions}
    assert with_action - runs_natively - covered <= listed <= with_action
    assert all(reason.strip() for reason in unsupported().values())
    # Others build these natively (airtable-dropbox, google-ws branches): they are no profile here.
    assert {"airtable", "dropbox", "google-drive", "google-calendar", "google-docs"}.isdisjoint(covered)


@pytest.mark.parametrize("name", BUILT_ON)
def test_a_module_built_on_its_profile_sends_as_the_profile_says(name: str):
    integration, entry = NATIVE_INTEGRATIONS[name], PROFILES[name]
    assert ACTION in integration.actions and integration.default_base_url == entry.base_url
    provider = importlib.import_module(f"weavz_flow.integrations.{MODULES[name]}")
    profile = next(v for v in vars(provider).values() if isinstance(v, ProviderProfile))
    assert (profile.default_base_url, profile.auth, dict(profile.headers)) == (
        entry.base_url, entry.auth, dict(entry.headers))


@pytest.mark.parametrize("name", [n for n in PROFILES if n not in BUILT_ON])
def test_each_profile_is_a_native_with_one_executable_action(name: str):
    integration = NATIVE_INTEGRATIONS[name]
    assert list(integration.actions) == [ACTION]
    assert shape_of(integration.actions[ACTION].info, frozenset(PROFILES[name].inputs)) is not None
    profile = PROFILES[name]
    assert profile.source and all(s.startswith("https://") for s in profile.source)
    assert profile.auth.connection_types and set(profile.auth.connection_types) <= set(integration.auth_types)
    if profile.base_url is None:
        assert profile.self_hosted
    elif is_templated(profile.base_url):
        assert integration.default_base_url is None
    else:
        assert origin(profile.base_url) is not None and profile.base_url.startswith("https://")
        assert integration.default_base_url == profile.base_url
    assert all(origin(u) is not None for u in profile.other_base_urls)


# --- every profile, every connection type, against the recording stub --------------------------------------------


CASES = [(n, kind) for n, p in PROFILES.items() for kind in p.auth.connection_types]


@pytest.mark.parametrize("name,kind", CASES)
def test_each_placement_reaches_the_provider_as_declared(http: httpx.Client, echo_stub: EchoStub, name: str,
                                                         kind: str):
    profile = PROFILES[name]
    creds = credentials(kind, sample_props(name))
    provider = provider_profile(profile, name)
    send(ctx(http, name, creds, echo_stub.url), provider, ProviderRequest("GET", "/probe", query={"q": "1"}))
    got = echo_stub.last
    assert got.path == "/probe" and got.query["q"] == "1"
    for placement in profile.auth.placements(kind) or ():
        where, wire_name, value = expected(placement, parts(creds))
        assert (got.headers if where == "header" else got.query)[wire_name] == value
    for header, value in profile.headers.items():
        assert got.headers[header.lower()] == value


# --- hand-checked: what each provider's documentation says, written out ------------------------------------------


def _basic(user: str, password: str = "") -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


HAND_CHECKED: list[tuple[str, str, dict[str, str], str, dict[str, str], dict[str, str]]] = [
    # (integration, connection type, props, default base URL, headers expected, query expected)
    ("stripe", "SECRET_TEXT", {}, "https://api.stripe.com", {"authorization": f"Bearer {SECRET}"}, {}),
    ("stripe", "BASIC_AUTH", {}, "https://api.stripe.com", {"authorization": _basic("user@example.com")}, {}),
    ("shopify", "CUSTOM_AUTH", {"shop": "acme", "token": "shpat_1"}, "https://acme.myshopify.com/admin/api/2024-01",
     {"x-shopify-access-token": "shpat_1"}, {}),
    ("trello", "CUSTOM_AUTH", {"key": "k1", "token": "t1"}, "https://api.trello.com/1", {}, {"key": "k1",
                                                                                            "token": "t1"}),
    ("jira-cloud", "CUSTOM_AUTH", {"domain": "acme", "email": "a@acme.io", "apiToken": "at"},
     "https://acme.atlassian.net/rest/api/3", {"authorization": _basic("a@acme.io", "at")}, {}),
    ("service-now", "CUSTOM_AUTH", {"instance": "dev1", "username": "admin", "password": "pw"},
     "https://dev1.service-now.com/api/now", {"authorization": _basic("admin", "pw")}, {}),
    ("openai", "SECRET_TEXT", {}, "https://api.openai.com/v1", {"authorization": f"Bearer {SECRET}"}, {}),
    ("claude", "SECRET_TEXT", {}, "https://api.anthropic.com/v1",
     {"x-api-key": SECRET, "anthropic-version": "2023-06-01"}, {}),
    ("twilio", "BASIC_AUTH", {}, "https://api.twilio.com", {"authorization": _basic("user@example.com", "pa55word")},
     {}),
    ("deepgram", "SECRET_TEXT", {}, "https://api.deepgram.com/v1", {"authorization": f"Token {SECRET}"}, {}),
    ("circleci", "SECRET_TEXT", {}, "https://circleci.com/api/v2", {"circle-token": SECRET}, {}),
    ("clickup", "SECRET_TEXT", {}, "https://api.clickup.com/api/v2", {"authorization": SECRET}, {}),
    ("openweather", "SECRET_TEXT", {}, "https://api.openweathermap.org/data/2.5", {}, {"appid": SECRET}),
    ("podio", "OAUTH2", {}, "https://api.podio.com", {"authorization": "OAuth2 oauth-access-token"}, {}),
    ("getresponse", "SECRET_TEXT", {}, "https://api.getresponse.com/v3", {"x-auth-token": f"api-key {SECRET}"}, {}),
    ("harvest", "CUSTOM_AUTH", {"token": "hv", "accountId": "42"}, "https://api.harvestapp.com/v2",
     {"authorization": "Bearer hv", "harvest-account-id": "42"}, {}),
    ("copper", "CUSTOM_AUTH", {"apiKey": "ck", "email": "me@acme.io"}, "https://api.copper.com/developer_api/v1",
     {"x-pw-accesstoken": "ck", "x-pw-useremail": "me@acme.io", "x-pw-application": "developer_api"}, {}),
]


@pytest.mark.parametrize("name,kind,props,base,headers,query", HAND_CHECKED,
                         ids=[f"{c[0]}-{c[1]}" for c in HAND_CHECKED])
def test_hand_checked_profiles(http: httpx.Client, echo_stub: EchoStub, name: str, kind: str, props: dict[str, str],
                               base: str, headers: dict[str, str], query: dict[str, str]):
    creds = credentials(kind, props)
    provider = provider_profile(PROFILES[name], name)
    assert default_base_url(ctx(http, name, creds, None), provider) == base
    send(ctx(http, name, creds, echo_stub.url), provider, ProviderRequest("GET", "/x"))
    got = echo_stub.last
    assert {k: got.headers.get(k) for k in headers} == headers
    assert {k: got.query.get(k) for k in query} == query
    # No other credential header slips in.
    if "authorization" not in headers:
        assert "authorization" not in got.headers


def test_a_host_prop_must_be_a_host_name_part(http: httpx.Client):
    provider = provider_profile(PROFILES["shopify"], "Shopify")
    for bad in ("evil.example/x", "a@b", "", "x:1"):
        with pytest.raises(ApiError) as caught:
            default_base_url(ctx(http, "shopify", credentials("CUSTOM_AUTH", {"shop": bad, "token": "t"}), None),
                             provider)
        assert caught.value.code == ErrorCode.CONNECTION_REQUIRED


def test_a_connection_type_the_profile_does_not_place_is_refused(http: httpx.Client, echo_stub: EchoStub):
    provider = provider_profile(PROFILES["trello"], "Trello")
    with pytest.raises(ApiError) as caught:
        send(ctx(http, "trello", credentials("SECRET_TEXT"), echo_stub.url), provider, ProviderRequest("GET", "/x"))
    assert caught.value.code == ErrorCode.CONNECTION_REQUIRED
    with pytest.raises(ApiError) as missing:  # CUSTOM_AUTH without the token prop
        send(ctx(http, "trello", credentials("CUSTOM_AUTH", {"key": "k"}), echo_stub.url), provider,
             ProviderRequest("GET", "/x"))
    assert missing.value.code == ErrorCode.CONNECTION_REQUIRED and missing.value.details["missing"] == ["token"]
    assert echo_stub.requests == []


def test_a_query_credential_goes_to_no_other_host(http: httpx.Client, echo_stub: EchoStub):
    provider = provider_profile(PROFILES["trello"], "Trello")
    creds = credentials("CUSTOM_AUTH", {"key": "k1", "token": "t1"})
    with pytest.raises(ApiError) as caught:
        send(ctx(http, "trello", creds, "https://api.trello.com/1"), provider,
             ProviderRequest("GET", echo_stub.url + "/steal"))
    assert caught.value.code == ErrorCode.CREDENTIAL_HOST_DENIED
    assert echo_stub.requests == []


def test_secrets_are_redacted_from_a_provider_error(http: httpx.Client, echo_stub: EchoStub):
    provider = provider_profile(PROFILES["trello"], "Trello")
    creds = credentials("CUSTOM_AUTH", {"key": "key-1234567890abcdef", "token": "tok-1234567890abcdef"})
    with pytest.raises(ApiError) as caught:
        send(ctx(http, "trello", creds, echo_stub.url), provider, ProviderRequest("GET", "/status/401"))
    shown = f"{caught.value} {caught.value.details}"
    assert "1234567890abcdef" not in shown and "/status/401" in shown and "?" not in caught.value.details["url"]


# --- through the engine: one call per input shape ----------------------------------------------------------------


def _custom_connection(engine: Any, integration: str, props: dict[str, str], base_url: str) -> str:
    engine.engine.connections.create(engine.caller, ConnectionCreate(
        type="CUSTOM_AUTH", external_id=f"{integration}-c", display_name=integration, integration_name=integration,
        props=props, base_url=base_url))
    return f"{integration}-c"


def test_the_path_shape_runs_through_the_engine(store: Store,  # noqa: F811
                                                  sdk_catalog: Catalog, echo_stub: EchoStub):
    with native_engine(store, sdk_catalog, "trello") as engine:
        conn = _custom_connection(engine, "trello", {"key": "k1", "token": "t1"}, echo_stub.url + "/1")
        out = engine.execute("trello", ACTION, {"method": "PUT", "path": "/cards/c1", "query": {"pos": "top"},
                                                "body": {"name": "Renamed"}}, connection_external_id=conn)
        got = echo_stub.last
        assert (got.method, got.path) == ("PUT", "/1/cards/c1")
        assert got.query == {"pos": "top", "key": "k1", "token": "t1"}
        assert got.json == {"name": "Renamed"} and "authorization" not in got.headers
        assert out["status"] == 200 and out["body"]["path"] == "/1/cards/c1"

        refused = engine.error("trello", ACTION, {"method": "DELETE", "path": "/cards/c1"},
                               connection_external_id=conn)
        assert refused.code == ErrorCode.VALIDATION_ERROR and "confirmDelete" in str(refused)
        echo_stub.requests.clear()
        denied = engine.error("trello", ACTION, {"method": "GET", "path": "https://evil.example/1/members/me"},
                              connection_external_id=conn)
        assert denied.code == ErrorCode.CREDENTIAL_HOST_DENIED and echo_stub.requests == []


def test_the_path_shape_with_a_query_string_and_failsafe(store: Store,  # noqa: F811
                                                          sdk_catalog: Catalog, echo_stub: EchoStub):
    with native_engine(store, sdk_catalog, "clickup") as engine:
        conn = engine.connection("clickup", "cu", SECRET, echo_stub.url + "/api/v2")
        out = engine.execute("clickup", ACTION, {"method": "GET", "path": "/task/abc", "query_params": "a=1&b=two"},
                             connection_external_id=conn)
        got = echo_stub.last
        assert (got.method, got.path, got.query) == ("GET", "/api/v2/task/abc", {"a": "1", "b": "two"})
        assert got.headers["authorization"] == SECRET and out["status"] == 200
    with native_engine(store, sdk_catalog, "figma") as engine:
        conn = engine.connection("figma", "fg", SECRET, echo_stub.url)
        failed = engine.execute("figma", ACTION, {"method": "GET", "path": "/status/404", "failsafe": True},
                                connection_external_id=conn)
        assert failed["status"] == 404 and failed["body"] == {"message": "status 404"}
        assert echo_stub.last.headers["x-figma-token"] == SECRET


def test_the_common_shape_runs_through_the_engine(store: Store,  # noqa: F811
                                                   sdk_catalog: Catalog, echo_stub: EchoStub):
    with native_engine(store, sdk_catalog, "stripe") as engine:
        conn = engine.connection("stripe", "st", SECRET, echo_stub.url)
        out = engine.execute("stripe", ACTION, {
            "url": {"url": "/v1/customers"}, "method": "POST", "headers": {"Idempotency-Key": "k-1"},
            "queryParams": {"expand[]": "data"}, "body_type": "json", "body": {"data": {"email": "a@b.c"}},
        }, connection_external_id=conn)
        got = echo_stub.last
        assert (got.method, got.path, got.query) == ("POST", "/v1/customers", {"expand[]": "data"})
        assert got.headers["authorization"] == f"Bearer {SECRET}" and got.headers["idempotency-key"] == "k-1"
        assert got.json == {"email": "a@b.c"}
        assert out["status"] == 200 and out["body"]["json"] == {"email": "a@b.c"}
        echo_stub.requests.clear()
        denied = engine.error("stripe", ACTION, {"url": {"url": "https://evil.example/v1/charges"}, "method": "GET",
                                                 "headers": {}, "queryParams": {}}, connection_external_id=conn)
        assert denied.code == ErrorCode.CREDENTIAL_HOST_DENIED and echo_stub.requests == []


def test_the_built_integration_is_what_the_registry_serves():
    name = next(iter(PROFILES))
    assert custom_api_integration(name).actions.keys() == NATIVE_INTEGRATIONS[name].actions.keys()


def test_the_plain_shape_runs_through_the_engine(store: Store,  # noqa: F811
                                                 sdk_catalog: Catalog, echo_stub: EchoStub):
    with native_engine(store, sdk_catalog, "hubspot") as engine:
        conn = engine.connection("hubspot", "hs", SECRET, echo_stub.url)
        out = engine.execute("hubspot", ACTION, {"method": "POST", "url": "/crm/v3/objects/contacts/search",
                                                 "headers": {"X-Trace": "t1", "Authorization": "Bearer other"},
                                                 "body": {"limit": 1}}, connection_external_id=conn)
        got = echo_stub.last
        assert (got.method, got.path, got.json) == ("POST", "/crm/v3/objects/contacts/search", {"limit": 1})
        assert got.headers["authorization"] == f"Bearer {SECRET}" and got.headers["x-trace"] == "t1"
        assert out["status"] == 200


def test_the_graphql_shape_runs_through_the_engine(store: Store,  # noqa: F811
                                                   sdk_catalog: Catalog, echo_stub: EchoStub):
    with native_engine(store, sdk_catalog, "linear") as engine:
        conn = engine.connection("linear", "ln", SECRET, echo_stub.url + "/graphql")
        out = engine.execute("linear", ACTION, {"query": "query($id: String!) { issue(id: $id) { title } }",
                                                "variables": '{"id": "ENG-1"}'}, connection_external_id=conn)
        got = echo_stub.last
        assert (got.method, got.path) == ("POST", "/graphql")
        assert got.json == {"query": "query($id: String!) { issue(id: $id) { title } }", "variables": {"id": "ENG-1"}}
        assert got.headers["authorization"] == SECRET  # Linear takes a personal API key bare
        assert out["body"]["json"]["variables"] == {"id": "ENG-1"}


def test_fields_a_profile_places_and_a_method_less_path(store: Store,  # noqa: F811
                                                        sdk_catalog: Catalog, echo_stub: EchoStub):
    with native_engine(store, sdk_catalog, "azure-devops", "wix", "ortto") as engine:
        devops = engine.connection("azure-devops", "ado", SECRET, echo_stub.url)
        engine.execute("azure-devops", ACTION, {"organization": "acme org", "method": "GET",
                                                "path": "/proj/_apis/wit/workitems/1",
                                                "queryParams": {"api-version": "7.1"}},
                       connection_external_id=devops)
        got = echo_stub.last
        assert got.raw_path.startswith("/acme%20org/proj/_apis/wit/workitems/1")
        assert got.query == {"api-version": "7.1"} and got.headers["authorization"] == _basic("", SECRET)

        wix = engine.connection("wix", "wx", SECRET, echo_stub.url)
        engine.execute("wix", ACTION, {"siteId": "site-1", "method": "GET", "path": "/stores/v1/products"},
                       connection_external_id=wix)
        assert echo_stub.last.headers["wix-site-id"] == "site-1" and echo_stub.last.headers["authorization"] == SECRET

        ortto = engine.connection("ortto", "ot", SECRET, echo_stub.url)
        engine.execute("ortto", ACTION, {"path": "/v1/person/get", "body": {"limit": 1}},
                       connection_external_id=ortto)
        assert (echo_stub.last.method, echo_stub.last.json) == ("POST", {"limit": 1})
        assert echo_stub.last.headers["x-api-key"] == SECRET
