"""Portal links for end users (weavz-api.md §2.6): ``connect-token`` and ``invite``, by internal end-user id.

The invite is recorded but no email is sent (out of scope for weavz-flow): the answer says ``emailSent: false`` and
carries the link for the caller to deliver.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from weavz_flow.engine.services.portal_tokens import IssuedPortalToken
from weavz_flow.server.deps import CallerDep, EngineDep
from weavz_flow.server.errors import error_responses
from weavz_flow.wire.portal import PortalInvite, PortalInviteCreate, PortalLink, PortalTokenCreate, portal_url

router = APIRouter(prefix="/api/v1/end-users", tags=["end-users"], responses=error_responses(400, 401, 403, 404))


def _link(request: Request, issued: IssuedPortalToken) -> dict[str, str]:
    plain = issued.plain.reveal()
    return {"connect_url": portal_url(str(request.base_url), plain), "token": plain,
            "expires_at": issued.token.expires_at}


@router.post("/{end_user_id}/connect-token", response_model=PortalLink)
def create_portal_token(
    request: Request, engine: EngineDep, caller: CallerDep, end_user_id: str, body: PortalTokenCreate,
) -> PortalLink:
    issued = engine.portal_tokens.issue(
        caller, end_user_id, integration_name=body.integration_name,
        workspace_integration_id=body.workspace_integration_id, expires_in=body.expires_in)
    return PortalLink(**_link(request, issued))


@router.post("/{end_user_id}/invite", response_model=PortalInvite)
def invite_end_user(
    request: Request, engine: EngineDep, caller: CallerDep, end_user_id: str, body: PortalInviteCreate,
) -> PortalInvite:
    """Record an invite to the end user's portal and return its link; **no email is sent** (``emailSent: false``)."""
    invite, issued = engine.portal_tokens.invite(
        caller, end_user_id, email=body.email, integration_name=body.integration_name,
        workspace_integration_id=body.workspace_integration_id, expires_in=body.expires_in)
    return PortalInvite(**_link(request, issued), email_sent=invite.email_sent, invite_id=invite.id,
                        email=invite.email)
