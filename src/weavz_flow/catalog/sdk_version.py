"""Installed distribution versions, which key the catalog caches: ``weavz-io-sdk``'s and, for the native overlay,
weavz-flow's and pydantic's.

Importing :mod:`importlib.metadata` costs about 15 ms (70 ms with its first-use scans), a tenth of a cold
``validate``; the version is also in the name of the distribution's ``.dist-info`` folder, beside the package or on
``sys.path`` (editable installs), so that is read first.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from weavz_flow.errors import CatalogError

SDK_DISTRIBUTION = "weavz-io-sdk"
_DIST_SUFFIX = ".dist-info"


def sdk_version() -> str:
    version = installed_version("weavz_sdk", SDK_DISTRIBUTION)
    if version is None:
        raise CatalogError(f"{SDK_DISTRIBUTION} is not installed; it ships the Weavz catalog")
    return version


def installed_version(package: str, distribution: str) -> str | None:
    """The installed version of ``distribution`` (which provides the import package ``package``), else None."""
    prefix = distribution.replace("-", "_").replace(".", "_").lower() + "-"
    for folder in _candidate_folders(package):
        found = sorted(folder.glob(f"{prefix}*{_DIST_SUFFIX}"))
        if len(found) == 1:
            return found[0].name[len(prefix) : -len(_DIST_SUFFIX)]
        if found:
            break  # several versions side by side: only the metadata API knows which one is live
    # Unusual layouts (eggs, several dist-infos, not on sys.path): ask the metadata API, slower but exact.
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _candidate_folders(package: str) -> list[Path]:
    folders: list[Path] = []
    spec = importlib.util.find_spec(package)  # locates the package without importing it
    if spec is not None and spec.submodule_search_locations:
        folders.append(Path(next(iter(spec.submodule_search_locations))).parent)
    folders.extend(Path(p) for p in sys.path if p and Path(p) not in folders)
    return [f for f in folders if f.is_dir()]
