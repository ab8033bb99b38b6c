"""The public API is exactly ``weavz_flow.__all__``: every name in it exists, and nothing public leaks beside it."""

from __future__ import annotations

import types

import weavz_flow


def test_all_names_exist() -> None:
    for name in weavz_flow.__all__:
        assert hasattr(weavz_flow, name), name


def test_no_unlisted_public_names() -> None:
    public = {
        name
        for name, value in vars(weavz_flow).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(weavz_flow.__all__)
