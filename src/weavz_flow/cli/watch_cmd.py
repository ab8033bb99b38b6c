"""``weavz-flow watch [PATH] [--run FLOW]``: re-validate and re-plan on every save; never applies. Ctrl-C stops it
(exit 0)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import click

from weavz_flow.cli.catalog_loading import load_catalog
from weavz_flow.cli.project_option import project_option
from weavz_flow.cli.run_cmd import parse_pairs
from weavz_flow.cli.watch_render import render_cycle
from weavz_flow.schedule.watch import Watcher, WatchOptions

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """The first Ctrl-C (or SIGTERM) sets ``stop``: the cycle under way finishes, then the loop ends. A second one
    interrupts at once (for a backend that does not answer)."""

    def handle(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    previous = {s: signal.signal(s, handle) for s in _SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@click.command("watch")
@project_option("path", positional=True)
@click.option("--run", "run_flow", metavar="FLOW", help="After each valid plan, preview FLOW as `run --dry-run` does.")
@click.option("-i", "--input", "pairs", multiple=True, metavar="KEY=VALUE", help="An input of the --run flow.")
@click.option("--api-url", help="A Weavz-compatible API (else WEAVZ_API_URL, else the project's backend).")
def watch(path: Path | None, run_flow: str | None, pairs: tuple[str, ...], api_url: str | None) -> None:
    """Re-validate and re-plan the project on every save of its YAML files and show what changed; never applies."""
    if pairs and run_flow is None:
        raise click.UsageError("-i/--input gives inputs to the --run flow; add --run FLOW")
    options = WatchOptions(api_url=api_url, run_flow=run_flow, run_inputs=parse_pairs(pairs))
    stop = threading.Event()
    try:
        with stop_on_signals(stop):
            watcher = Watcher(path, load_catalog(), options)
            try:
                click.echo(f"Watching {watcher.root} for saves of its YAML files (plans only, never applies; "
                           "Ctrl-C to stop).", err=True)
                for cycle in watcher.cycles(stop):
                    click.echo(render_cycle(cycle), nl=False)  # click.echo flushes: each cycle shows at once
            finally:
                watcher.close()
    except KeyboardInterrupt:
        pass  # a second Ctrl-C while a cycle was under way: stopping is what was asked
    click.echo("Stopped watching.", err=True)
