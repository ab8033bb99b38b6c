"""``validate`` refuses an alias base_url the engine would refuse: one that moves a credential off its host."""

from __future__ import annotations

from tests.config.conftest import ProjectMaker
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.config.validate import validate_project

WORKSPACE = """\
workspace: main
connections:
  org-bot: {integration: slack, type: SECRET_TEXT, secret: {env: SLACK}}
  hosted: {integration: slack, type: SECRET_TEXT, secret: {env: SLACK2}, base_url: "https://slack.internal.test/api"}
integrations:
  moved: {integration: slack, connection: org-bot, settings: {base_url: "https://slack.com.evil.test/api"}}
  default_host: {integration: slack, connection: org-bot, settings: {base_url: "https://SLACK.com:443/api"}}
  own_host: {integration: slack, connection: hosted, settings: {base_url: "https://slack.internal.test/v2"}}
  per_user: {integration: slack, strategy: per_user, settings: {base_url: "http://127.0.0.1:9999"}}
  no_auth: {integration: http, strategy: per_user, settings: {base_url: "http://127.0.0.1:9999"}}
"""


def test_an_alias_base_url_off_the_credentials_host_is_an_error_at_its_line(
    make_project: ProjectMaker, catalog: Catalog,
) -> None:
    root = make_project({"w.yaml": WORKSPACE})
    found = [str(d) for d in validate_project(root, catalog).diagnostics]
    rule = ("a credential is only sent to the host of its connection's own baseUrl or to the integration's default "
            "host; an alias's settings.baseUrl cannot move it elsewhere")
    assert found == [
        f"w.yaml:6:73: error: alias 'moved' sends 'slack' credentials to https://slack.com.evil.test: {rule} "
        "(allowed here: https://slack.com; to use another host, set base_url on the connection itself)",
        f"w.yaml:9:75: error: alias 'per_user' sends 'slack' credentials to http://127.0.0.1:9999: {rule} "
        "(allowed here: https://slack.com; to use another host, set base_url on the connection itself (and pin it "
        "with 'connection'))",
    ]
