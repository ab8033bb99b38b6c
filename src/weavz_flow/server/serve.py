"""Running the API under uvicorn: one process, or N worker processes built from the environment.

uvicorn handles SIGTERM and SIGINT itself: it stops accepting connections, lets requests in flight finish (up to
``GRACEFUL_SHUTDOWN_S``), runs the app's shutdown (which closes the store) and exits 0.
"""

from __future__ import annotations

import contextlib
import copy
import os
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import uvicorn
from fastapi import FastAPI
from uvicorn.config import LOGGING_CONFIG
from uvicorn.supervisors import Multiprocess

from weavz_flow.engine.engine import Engine
from weavz_flow.public_url import PUBLIC_URL_ENV
from weavz_flow.server.app import create_app
from weavz_flow.server.settings import (
    DATABASE_URL_ENV,
    DEFAULT_KEY_FILE,
    MCP_STATELESS_ENV,
    ServerSettings,
    default_database_url,
)
from weavz_flow.size_limits import SizeLimits

GRACEFUL_SHUTDOWN_S = 30
APP_FACTORY = "weavz_flow.server.serve:app_from_env"


@dataclass(frozen=True, slots=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8080
    database_url: str | None = None
    workers: int = 1


def open_engine(database_url: str) -> Engine:
    """The engine over ``database_url``. A SQLite store keeps its credential key beside the database file; any
    other store, without ``WEAVZ_FLOW_SECRET_KEY``, keeps it in ``./.weavz-flow/``. Size limits come from the
    ``WEAVZ_FLOW_LIMIT_*`` environment variables (:mod:`weavz_flow.size_limits`)."""
    key_file = None if database_url.startswith("sqlite") or "://" not in database_url else DEFAULT_KEY_FILE
    return Engine.open(database_url, key_file=key_file, size_limits=SizeLimits.from_env())


def app_from_env() -> FastAPI:
    """The app as each worker process builds it: database and service key from the environment."""
    engine = open_engine(default_database_url())
    return create_app(engine, ServerSettings.from_env(), on_shutdown=engine.close)


def log_config() -> dict[str, Any]:
    """uvicorn's logging plus our access logger (uvicorn's own access log is off: it would log query strings), whose
    lines a writer thread writes (:mod:`weavz_flow.server.log_writer`): a slow log pipe stalls no request."""
    config = copy.deepcopy(LOGGING_CONFIG)
    default = config["handlers"]["default"]
    config["handlers"]["weavz_flow"] = {"()": "weavz_flow.server.log_writer.BackgroundHandler",
                                        "formatter": default["formatter"], "stream": default["stream"]}
    config["loggers"]["weavz_flow"] = {"handlers": ["weavz_flow"], "level": "INFO", "propagate": False}
    return config


class _GracefulServer(uvicorn.Server):
    """uvicorn re-raises a caught SIGTERM/SIGINT after its graceful shutdown, so the process would end "killed by
    signal" (or as a KeyboardInterrupt). The shutdown was clean; exit 0 instead, as the multi-worker supervisor does."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        with super().capture_signals():
            yield
            self._captured_signals.clear()


def serve(options: ServeOptions, on_listening: Callable[[str], None] | None = None) -> None:
    """Serve until SIGTERM/SIGINT. The socket is bound first, so ``on_listening`` gets the real base URL (the port
    the system chose for ``--port 0``) before any request can arrive."""
    database_url = options.database_url or default_database_url()
    common: dict[str, Any] = {
        "host": options.host,
        "port": options.port,
        "access_log": False,
        "log_config": log_config(),
        "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_S,
    }
    if options.workers > 1:
        # Worker processes import the app factory and read their configuration from the environment.
        os.environ[DATABASE_URL_ENV] = database_url
        os.environ[MCP_STATELESS_ENV] = "1"
        open_engine(database_url).close()  # create and migrate the store once, before the workers race to
        config = uvicorn.Config(APP_FACTORY, factory=True, workers=options.workers, **common)
        sock = _listen(config, on_listening)
        Multiprocess(config, sockets=[sock]).run()
        return
    engine = open_engine(database_url)
    app = create_app(engine, ServerSettings.from_env(), on_shutdown=engine.close)
    config = uvicorn.Config(app, **common)
    sock = _listen(config, on_listening)
    _GracefulServer(config).run(sockets=[sock])


def _listen(config: uvicorn.Config, on_listening: Callable[[str], None] | None) -> socket.socket:
    sock = config.bind_socket()  # uvicorn's own bind: one socket, shared by every worker process
    # Listen before announcing: a client that connects as soon as it reads the address waits in the backlog until
    # the server accepts, instead of being refused (uvicorn would only listen once its startup is done).
    sock.listen(config.backlog)
    host = f"[{config.host}]" if ":" in config.host else config.host
    url = f"http://{host}:{sock.getsockname()[1]}"
    # The links the engine hands out (storage downloads) name this address unless the operator named another; set
    # before the workers start, which inherit it.
    os.environ.setdefault(PUBLIC_URL_ENV, url)
    if on_listening is not None:
        on_listening(url)
    return sock
