"""Request dependencies as ``Annotated`` aliases, so that routes declare what they need by type."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param

from weavz_flow.engine.caller import Caller
from weavz_flow.engine.engine import Engine
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.server.auth import (
    ORG_ID_HEADER,
    SERVICE_KEY_HEADER,
    check_service_key,
    service_caller,
    service_key_matches,
    unauthorized,
)
from weavz_flow.server.auth_failures import AuthFailureLimiter
from weavz_flow.server.settings import ServerSettings

# Declared as security schemes so that /openapi.json documents how to authenticate; the checks are ours (auto_error
# off), so that every failure answers with the Weavz error body.
_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer wvz_...`")
_service_key = APIKeyHeader(
    name=SERVICE_KEY_HEADER, auto_error=False,
    description="Self-hosting bootstrap key (WEAVZ_FLOW_SERVICE_KEY); with X-Org-ID acts as that org's admin",
)


# Async on purpose: FastAPI runs a plain ``def`` dependency in the thread pool, a hop each, for what is an attribute.
async def get_engine(request: Request) -> Engine:
    return request.app.state.engine


async def get_settings(request: Request) -> ServerSettings:
    return request.app.state.settings


async def get_auth_failures(request: Request) -> AuthFailureLimiter:
    return request.app.state.auth_failures


EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[ServerSettings, Depends(get_settings)]
AuthFailuresDep = Annotated[AuthFailureLimiter, Depends(get_auth_failures)]


def get_caller(
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    failures: AuthFailuresDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    service_key: Annotated[str | None, Depends(_service_key)],
) -> Caller:
    return _caller(request, engine, settings, failures, bearer, service_key)


def request_caller(request: Request) -> Caller:
    """:func:`get_caller` for a route that reads its own headers (the execute hot path): the same checks, the same
    failure counting, without a dependency graph to solve; call it from a worker thread (it may read the store).
    Such a route documents the two schemes with :data:`SECURITY_OPENAPI`."""
    state = request.app.state
    return _caller(request, state.engine, state.settings, state.auth_failures, _bearer_of(request),
                   request.headers.get(SERVICE_KEY_HEADER))


# What a route that authenticates with request_caller says in OpenAPI (the scheme names of _bearer and _service_key).
SECURITY_OPENAPI: list[dict[str, list[str]]] = [{"HTTPBearer": []}, {"APIKeyHeader": []}]


def _bearer_of(request: Request) -> HTTPAuthorizationCredentials | None:
    """What HTTPBearer(auto_error=False) reads: ``Authorization: Bearer <credentials>``, the scheme in any case."""
    authorization = request.headers.get("Authorization")
    scheme, credentials = get_authorization_scheme_param(authorization)
    if not (authorization and scheme and credentials) or scheme.lower() != "bearer":
        return None
    return HTTPAuthorizationCredentials(scheme=scheme, credentials=credentials)


def _caller(
    request: Request,
    engine: Engine,
    settings: ServerSettings,
    failures: AuthFailureLimiter,
    bearer: HTTPAuthorizationCredentials | None,
    service_key: str | None,
) -> Caller:
    try:
        return _authenticate(request, engine, settings, bearer, service_key)
    except ApiError as exc:
        # Only a credential that was presented and refused counts: a request with none is not a guess, and the
        # right service key without X-Org-ID is a mistake, not one.
        refused = bearer is not None or (service_key is not None and not service_key_matches(settings, service_key))
        if exc.code == ErrorCode.UNAUTHORIZED and refused:
            _count_failure(request, failures)
        raise


def _count_failure(request: Request, failures: AuthFailureLimiter) -> None:
    """Count a refused credential; past the limit, answer 429 instead of the 401 (keyed by the socket's address as
    uvicorn reports it: it trusts X-Forwarded-For only from its forwarded_allow_ips, 127.0.0.1 by default)."""
    limited = failures.failed(request.client.host if request.client else "")
    if limited is not None:
        raise limited from None


def _authenticate(
    request: Request,
    engine: Engine,
    settings: ServerSettings,
    bearer: HTTPAuthorizationCredentials | None,
    service_key: str | None,
) -> Caller:
    if bearer is not None:
        return engine.api_keys.authenticate(bearer.credentials)
    if service_key is not None:
        check_service_key(settings, service_key)
        org_id = request.headers.get(ORG_ID_HEADER)
        if not org_id:
            raise unauthorized(f"The service key needs {ORG_ID_HEADER} to act for an organization")
        engine.orgs.get(org_id)  # 404 for an unknown organization
        return service_caller(org_id)
    raise unauthorized()


def get_optional_caller(
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    failures: AuthFailuresDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    service_key: Annotated[str | None, Depends(_service_key)],
) -> Caller | None:
    """For public routes: a caller when valid credentials were sent, else anonymous (never a 401; a 429 when the
    address is over its failed-authentication limit)."""
    try:
        return get_caller(request, engine, settings, failures, bearer, service_key)
    except ApiError as exc:
        if exc.code in (ErrorCode.UNAUTHORIZED, ErrorCode.NOT_FOUND):
            return None
        raise


def get_admin_caller(caller: Annotated[Caller, Depends(get_caller)]) -> Caller:
    """Organization administration (API keys) needs an org-wide key or the service key."""
    caller.require_org_wide("Organization administration")
    return caller


def require_service_key(
    request: Request,
    settings: SettingsDep,
    failures: AuthFailuresDep,
    service_key: Annotated[str | None, Depends(_service_key)],
) -> None:
    try:
        check_service_key(settings, service_key)
    except ApiError:
        if service_key is not None:
            _count_failure(request, failures)
        raise


CallerDep = Annotated[Caller, Depends(get_caller)]
OptionalCallerDep = Annotated[Caller | None, Depends(get_optional_caller)]
AdminCallerDep = Annotated[Caller, Depends(get_admin_caller)]
ServiceKeyDep = Annotated[None, Depends(require_service_key)]
