"""Alembic revisions of the store, shipped in the package and run programmatically when a store opens."""
