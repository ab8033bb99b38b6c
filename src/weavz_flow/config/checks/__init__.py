"""Checks a loaded project against itself and the catalog; each module covers one concern and only adds diagnostics."""
