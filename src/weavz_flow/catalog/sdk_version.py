"""The installed ``weavz-io-sdk`` version, which keys the catalog cache.

Importing :mod:`importlib.metadata` costs about 15 ms, a tenth of a cold ``validate``; the version is also the name
of the distribution's ``.dist-info`` folder beside the package, so that is read first.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from weavz_flow.errors import CatalogError

SDK_DISTRIBUTION = "weavz-io-sdk"
_DIST_PREFIX = "weavz_io_sdk-"
_DIST_SUFFIX = ".dist-info"


def sdk_version() -> str:
    spec = importlib.util.find_spec("weavz_sdk")  # locates the package without importing it
    if spec is not None and spec.submodule_search_locations:
        site = Path(next(iter(spec.submodule_search_locations))).parent
        found = sorted(site.glob(f"{_DIST_PREFIX}*{_DIST_SUFFIX}"))
        if len(found) == 1:
            return found[0].name[len(_DIST_PREFIX) : -len(_DIST_SUFFIX)]
    # Unusual layouts (eggs, several dist-infos): ask the metadata API, slower but exact.
    from importlib import metadata

    try:
        return metadata.version(SDK_DISTRIBUTION)
    except metadata.PackageNotFoundError:
        raise CatalogError(f"{SDK_DISTRIBUTION} is not installed; it ships the Weavz catalog") from None
