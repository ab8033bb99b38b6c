"""OAuth apps (``/api/v1/oauth-apps``, one per integration and organization) and the OAuth status of the catalog
(``GET /api/v1/integrations/oauth-status``). The app answers never carry the client secret, only ``clientSecretSet``.

The status route lives here, and this router is included before the catalog's, whose ``/integrations/{name}`` would
otherwise take ``oauth-status`` for an integration name.
"""

from __future__ import annotations

from fastapi import APIRouter, status

from weavz_flow.server.deps import CallerDep, EngineDep
from weavz_flow.server.errors import error_responses
from weavz_flow.wire.base import Deleted
from weavz_flow.wire.oauth import OAuthAppCreate, OAuthAppEnvelope, OAuthAppList, OAuthAppUpdate, OAuthStatus

router = APIRouter(tags=["oauth"], responses=error_responses(400, 401, 403, 404))

_APPS = "/api/v1/oauth-apps"


@router.get("/api/v1/integrations/oauth-status", response_model=OAuthStatus)
def oauth_status(engine: EngineDep, caller: CallerDep) -> OAuthStatus:
    return OAuthStatus(configured=engine.oauth_apps.configured(caller))


@router.get(_APPS, response_model=OAuthAppList)
def list_oauth_apps(engine: EngineDep, caller: CallerDep) -> OAuthAppList:
    apps = engine.oauth_apps.list_all(caller)
    return OAuthAppList(oauth_apps=apps, total=len(apps))


@router.post(_APPS, status_code=status.HTTP_201_CREATED, response_model=OAuthAppEnvelope,
             responses=error_responses(409))
def create_oauth_app(engine: EngineDep, caller: CallerDep, body: OAuthAppCreate) -> OAuthAppEnvelope:
    return OAuthAppEnvelope(oauth_app=engine.oauth_apps.create(caller, body))


@router.get(_APPS + "/{app_id}", response_model=OAuthAppEnvelope)
def get_oauth_app(engine: EngineDep, caller: CallerDep, app_id: str) -> OAuthAppEnvelope:
    return OAuthAppEnvelope(oauth_app=engine.oauth_apps.get(caller, app_id))


@router.patch(_APPS + "/{app_id}", response_model=OAuthAppEnvelope)
def update_oauth_app(engine: EngineDep, caller: CallerDep, app_id: str, body: OAuthAppUpdate) -> OAuthAppEnvelope:
    return OAuthAppEnvelope(oauth_app=engine.oauth_apps.update(caller, app_id, body))


@router.delete(_APPS + "/{app_id}", response_model=Deleted)
def delete_oauth_app(engine: EngineDep, caller: CallerDep, app_id: str) -> Deleted:
    return Deleted(id=engine.oauth_apps.delete(caller, app_id))
