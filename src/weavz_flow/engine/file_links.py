"""Download links of stored files (``storage.get_download_url``): ``{public URL}/api/v1/files/download?token=…``.

The token is the link's only authority and carries its record: the file's namespace and path and the expiry, sealed
(encrypted and authenticated) under a key derived from the engine's secret key for this purpose alone, so a holder
learns nothing of the namespace (workspace and end user) and can change nothing; nothing is stored. A link serves
whatever the path holds when it is opened, until it expires; an altered, expired or foreign token, and a path that
holds no file by then, are one 404 that never says which.

The public URL is where ``weavz-flow serve`` is reached: the engine's ``public_url``, else ``WEAVZ_FLOW_PUBLIC_URL``
as it is when the link is made (``serve`` sets it to the address it listens on unless the operator did), else serve's
default address. Any engine over the same store and secret key opens the links of another (``run`` hands out links
that ``serve`` answers).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from weavz_flow.engine.credential_cipher import CredentialCipher
from weavz_flow.engine.stamps import format_time
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.public_url import DEFAULT_PUBLIC_URL, PUBLIC_URL_ENV

DOWNLOAD_PATH = "/api/v1/files/download"
_PURPOSE = "file-download"


@dataclass(frozen=True, slots=True)
class FileRef:
    namespace: str
    path: str


def link_invalid() -> ApiError:
    return ApiError(ErrorCode.NOT_FOUND, "This download link is not valid")


class SignedFileLinks:
    """:class:`~weavz_flow.integrations.base.FileLinks` over the engine's key."""

    def __init__(self, cipher: CredentialCipher, public_url: str | None = None) -> None:
        self._cipher = cipher
        self._public_url = public_url

    def link(self, namespace: str, path: str, expires_in_s: int) -> tuple[str, str]:
        expires = int(time.time()) + expires_in_s
        token = self._cipher.seal(_PURPOSE, {"n": namespace, "p": path, "e": expires})
        base = (self._public_url or os.environ.get(PUBLIC_URL_ENV) or DEFAULT_PUBLIC_URL).rstrip("/")
        url = f"{base}{DOWNLOAD_PATH}?{urlencode({'token': token})}"
        return url, format_time(datetime.fromtimestamp(expires, UTC))

    def open(self, token: str) -> FileRef:
        """The file a live token names; :func:`link_invalid` otherwise."""
        value = self._cipher.unseal(_PURPOSE, token)
        if value is None or not isinstance(value.get("e"), int) or value["e"] <= time.time():
            raise link_invalid()
        namespace, path = value.get("n"), value.get("p")
        if not isinstance(namespace, str) or not isinstance(path, str):
            raise link_invalid()
        return FileRef(namespace, path)
