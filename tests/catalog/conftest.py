from tests.catalog_fixture import sdk_cache_dir, sdk_catalog  # noqa: F401
