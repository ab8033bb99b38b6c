"""A real uvicorn server on 127.0.0.1, port 0, in a background thread: the app under test as clients see it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

from tests.server.accounts import SERVICE_KEY, LiveServer
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.engine.engine import Engine
from weavz_flow.sensitive import Sensitive
from weavz_flow.server.app import create_app
from weavz_flow.server.settings import ServerSettings


@contextmanager
def serve_in_thread(app: ASGIApp) -> Iterator[str]:
    """Start ``app`` and yield its base URL; stop it (gracefully) on exit."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-under-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the server under test exited during startup")
        if time.monotonic() > deadline:
            raise RuntimeError("the server under test did not start within 30 s")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@contextmanager
def serve_weavz_flow(database_url: str, key_file: Path, catalog: Catalog | None = None) -> Iterator[LiveServer]:
    """The ``weavz-flow serve`` app over its own engine, served by :func:`serve_in_thread`; closes the engine after."""
    engine = Engine.open(database_url, key_file=key_file, catalog=catalog)
    try:
        app = create_app(engine, ServerSettings(service_key=Sensitive(SERVICE_KEY)))
        with serve_in_thread(app) as url:
            yield LiveServer(url=url, engine=engine, service_key=SERVICE_KEY)
    finally:
        engine.close()
