"""``/api/v1/oauth-apps`` over a live server: CRUD per organization, the client secret write-only, the native
integrations' defaults; and ``GET /api/v1/integrations/oauth-status`` through the official SDK."""

from __future__ import annotations

import httpx
from weavz_sdk import WeavzClient

from tests.server.accounts import LiveServer, bootstrap_account, unique
from weavz_flow.integrations.oauth_providers import oauth_provider

SECRET = "oauth-client-secret-never-shown-7f3a"


def test_an_oauth_app_takes_the_integrations_defaults_and_never_shows_its_secret(api: httpx.Client) -> None:
    created = api.post("/api/v1/oauth-apps", json={"integrationName": "slack", "clientId": "123.456",
                                                   "clientSecret": SECRET})
    assert created.status_code == 201, created.text
    app = created.json()["oauthApp"]
    slack = oauth_provider("slack")
    assert slack is not None
    assert app["authorizeUrl"] == slack.authorize_url == "https://slack.com/oauth/v2/authorize"
    assert app["tokenUrl"] == "https://slack.com/api/oauth.v2.access"
    assert app["scopes"] == list(slack.scopes) and app["clientSecretSet"] is True
    for answer in (created, api.get(f"/api/v1/oauth-apps/{app['id']}"), api.get("/api/v1/oauth-apps")):
        assert SECRET not in answer.text and "clientSecret\"" not in answer.text

    changed = api.patch(f"/api/v1/oauth-apps/{app['id']}", json={"scopes": ["chat:write"], "clientSecret": None})
    assert changed.status_code == 200, changed.text
    assert changed.json()["oauthApp"]["scopes"] == ["chat:write"]
    assert changed.json()["oauthApp"]["clientSecretSet"] is False

    again = api.post("/api/v1/oauth-apps", json={"integrationName": "slack", "clientId": "other"})
    assert again.status_code == 409 and again.json()["code"] == "DUPLICATE"
    assert api.delete(f"/api/v1/oauth-apps/{app['id']}").json() == {"deleted": True, "id": app["id"]}
    assert api.get(f"/api/v1/oauth-apps/{app['id']}").json()["code"] == "OAUTH_APP_NOT_FOUND"


def test_github_and_google_have_defaults_and_other_integrations_need_their_urls(api: httpx.Client) -> None:
    github = api.post("/api/v1/oauth-apps", json={"integrationName": "github", "clientId": "Iv1.abc"}).json()
    assert github["oauthApp"]["tokenUrl"] == "https://github.com/login/oauth/access_token"
    google = api.post("/api/v1/oauth-apps", json={"integrationName": "google-sheets", "clientId": "x.apps"}).json()
    assert google["oauthApp"]["authorizeUrl"] == "https://accounts.google.com/o/oauth2/v2/auth"
    assert google["oauthApp"]["scopes"] == ["https://www.googleapis.com/auth/spreadsheets",
                                            "https://www.googleapis.com/auth/drive.metadata.readonly"]
    drive = api.post("/api/v1/oauth-apps", json={"integrationName": "google-drive", "clientId": "x.apps"}).json()
    assert drive["oauthApp"]["tokenUrl"] == google["oauthApp"]["tokenUrl"] == "https://oauth2.googleapis.com/token"
    assert drive["oauthApp"]["scopes"] == ["https://www.googleapis.com/auth/drive"]

    bare = api.post("/api/v1/oauth-apps", json={"integrationName": "http", "clientId": "c"})
    assert bare.status_code == 400 and bare.json()["code"] == "INVALID_OAUTH_APP"
    bad_url = api.post("/api/v1/oauth-apps", json={"integrationName": "slack", "clientId": "c",
                                                   "tokenUrl": "https://user:pw@evil.test/token"})
    assert bad_url.status_code == 400 and bad_url.json()["code"] == "VALIDATION_ERROR"
    unknown = api.post("/api/v1/oauth-apps", json={"integrationName": "no-such-thing", "clientId": "c"})
    assert unknown.status_code == 404 and unknown.json()["code"] == "INTEGRATION_NOT_FOUND"


def test_apps_belong_to_one_organization_and_need_an_org_wide_key(live_server: LiveServer, api: httpx.Client) -> None:
    app = api.post("/api/v1/oauth-apps", json={"integrationName": "slack", "clientId": "c"}).json()["oauthApp"]
    other = bootstrap_account(live_server, "other-org")
    with other.client() as theirs:
        assert theirs.get(f"/api/v1/oauth-apps/{app['id']}").status_code == 404
        assert theirs.get("/api/v1/oauth-apps").json() == {"oauthApps": [], "total": 0}
        assert theirs.delete(f"/api/v1/oauth-apps/{app['id']}").status_code == 404
    workspace = api.post("/api/v1/workspaces", json={"name": "W", "slug": unique("w")}).json()["workspace"]
    scoped = api.post("/api/v1/api-keys", json={"name": "scoped", "permissions": {
        "scope": "workspace", "workspaceIds": [workspace["id"]]}}).json()["plainKey"]
    with httpx.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {scoped}"}) as limited:
        refused = limited.post("/api/v1/oauth-apps", json={"integrationName": "github", "clientId": "c"})
        assert refused.status_code == 403 and refused.json()["code"] == "SCOPE_DENIED"


def test_oauth_status_through_the_sdk_names_apps_and_oauth_connections(
        sdk: WeavzClient, api: httpx.Client) -> None:
    assert sdk.integrations.oauth_status() == {"configured": []}  # not "Integration 'oauth-status' not found"
    api.post("/api/v1/oauth-apps", json={"integrationName": "slack", "clientId": "c"})
    sdk.connections.create(type="OAUTH2", external_id=unique("sheets"), display_name="Sheets",
                           integration_name="google-sheets", access_token="ya29.a-token", refresh_token="1//r")
    sdk.connections.create(type="SECRET_TEXT", external_id=unique("gh"), display_name="GitHub",
                           integration_name="github", secret_text="ghp_token")
    assert sdk.integrations.oauth_status() == {"configured": ["google-sheets", "slack"]}
    anonymous = httpx.get(f"{api.base_url}/api/v1/integrations/oauth-status")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "UNAUTHORIZED"
