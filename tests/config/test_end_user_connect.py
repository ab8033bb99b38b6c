"""An alias may say that its end users connect through the portal (``end_user_connect: portal``): accepted on the
per-user strategies, refused on ``fixed`` at the key's line and column with a fix, and kept in the alias's settings
as ``endUserConnect``."""

from __future__ import annotations

from tests.config.conftest import ProjectMaker
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.config.load import load_project
from weavz_flow.config.validate import validate_project
from weavz_flow.plan.desired import alias_settings_wire

WORKSPACE = """\
workspace: main
connections:
  shared: {integration: slack, type: SECRET_TEXT, secret: {env: SLACK}}
integrations:
  mine: {integration: slack, strategy: per_user, end_user_connect: portal}
  fallback: {integration: slack, strategy: per_user_with_fallback, connection: shared, end_user_connect: portal}
  plain: {integration: slack, strategy: per_user}
"""


def test_per_user_aliases_may_declare_the_portal_and_store_it_in_their_settings(
    make_project: ProjectMaker, catalog: Catalog,
) -> None:
    root = make_project({"w.yaml": WORKSPACE})
    assert [str(d) for d in validate_project(root, catalog).diagnostics] == []
    aliases = load_project(root).workspaces["main"].integrations
    assert alias_settings_wire(aliases["mine"]) == {"endUserConnect": "portal"}
    assert alias_settings_wire(aliases["fallback"]) == {"endUserConnect": "portal"}
    assert alias_settings_wire(aliases["plain"]) == {}


def test_a_fixed_alias_that_declares_the_portal_is_an_error_at_the_key(
    make_project: ProjectMaker, catalog: Catalog,
) -> None:
    root = make_project({"w.yaml": """\
workspace: main
connections:
  shared: {integration: slack, type: SECRET_TEXT, secret: {env: SLACK}}
integrations:
  bot:
    integration: slack
    connection: shared
    end_user_connect: portal
"""})
    found = [str(d) for d in validate_project(root, catalog).diagnostics]
    assert found == [
        "w.yaml:8:23: error: 'integrations.bot.end_user_connect': the portal needs a per-user strategy: a 'fixed' "
        "alias never uses an end user's connection (set strategy: per_user (or per_user_with_fallback), or remove "
        "'end_user_connect')"]


def test_an_unknown_way_to_connect_is_refused(make_project: ProjectMaker, catalog: Catalog) -> None:
    root = make_project({"w.yaml": """\
workspace: main
integrations:
  mine: {integration: slack, strategy: per_user, end_user_connect: email}
"""})
    found = [str(d) for d in validate_project(root, catalog).diagnostics]
    assert len(found) == 1 and found[0].startswith("w.yaml:3:") and "portal" in found[0]
