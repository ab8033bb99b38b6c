# The plan tests' project, catalog and live server serve the CLI's tests too (pytest finds fixtures by name).
from tests.plan.conftest import catalog, live_server, project_root  # noqa: F401
