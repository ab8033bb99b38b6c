from tests.engine.engine_fixtures import engine, store, world  # noqa: F401  (pytest finds fixtures by name)
