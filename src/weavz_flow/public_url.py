"""Where `weavz-flow serve` is reached from outside, for the links the engine and the CLI hand out (portal links,
file download links): ``WEAVZ_FLOW_PUBLIC_URL``, else serve's own default address."""

from __future__ import annotations

PUBLIC_URL_ENV = "WEAVZ_FLOW_PUBLIC_URL"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8080"  # `weavz-flow serve` with no --host / --port
