"""``kg serve``: a read-only SPARQL 1.1 Protocol endpoint and query page over a built store.

It runs Oxigraph's own HTTP server (the ``oxigraph`` binary installed by the
``oxigraph`` package), so the endpoint is a real, standard one: ``/query``
for SPARQL queries and ``/`` for a query page in the browser. The default
graph is the union of all graphs, as in ``kg query``.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from kg.store import STORE_DIR, StoreError


class ServeError(Exception):
    """The server could not start or stopped on its own; the message says why."""


@dataclass(frozen=True)
class RunningServer:
    url: str
    process: subprocess.Popen
    log: IO[bytes]

    def output(self) -> str:
        """What the server printed so far (the reason when it stops)."""
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace").strip()

    @property
    def query_url(self) -> str:
        return self.url + "query"

    @property
    def store_url(self) -> str:
        """The SPARQL 1.1 Graph Store Protocol endpoint (read-write servers only)."""
        return self.url + "store"


def oxigraph_binary() -> str:
    """The ``oxigraph`` command next to this Python (a virtualenv), else on PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.exists():
        return str(beside)
    found = shutil.which("oxigraph")
    if not found:
        raise ServeError("the 'oxigraph' command is missing; install the 'oxigraph' package (pip install oxigraph)")
    return found


def store_location(out_dir: str | Path) -> Path:
    """The store folder of a ``kg build`` output folder (or the store folder itself)."""
    out_dir = Path(out_dir)
    path = out_dir / STORE_DIR if (out_dir / STORE_DIR).is_dir() else out_dir
    if not path.is_dir() or not any(path.iterdir()):
        raise StoreError(f"{out_dir}: no store here; run 'kg build PATH --out {out_dir}' first")
    return path


@contextmanager
def oxigraph_server(
    location: str | Path | None,
    port: int = 7878,
    host: str = "127.0.0.1",
    read_only: bool = True,
    union_default_graph: bool = True,
    wait: float = 20.0,
) -> Iterator[RunningServer]:
    """Run ``oxigraph serve[-read-only]`` until the block ends; ``location=None`` is an in-memory read-write store."""
    command = [oxigraph_binary(), "serve-read-only" if read_only else "serve", "--bind", f"{host}:{port}"]
    if location is not None:
        command += ["--location", str(location)]
    if union_default_graph:
        command.append("--union-default-graph")
    # a file, not a pipe: a long-running server must never block on a full stderr pipe
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        server = RunningServer(f"http://{host}:{port}/", process, log)
        try:
            _wait_until_ready(server, wait)
            yield server
        finally:
            _stop(process)


def _wait_until_ready(server: RunningServer, wait: float) -> None:
    deadline = time.monotonic() + wait
    probe = server.query_url + "?query=ASK%7B%7D"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise ServeError(f"oxigraph stopped at start (exit code {server.process.returncode}): {server.output()}")
        try:
            with urllib.request.urlopen(probe, timeout=1):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise ServeError(f"oxigraph did not answer on {server.url} within {wait:.0f} s")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def serve(
    out_dir: str | Path,
    port: int = 7878,
    host: str = "127.0.0.1",
    on_ready: Callable[[RunningServer], None] | None = None,
) -> None:
    """Serve the store of ``out_dir`` read-only until Ctrl-C; ``on_ready`` gets the server, e.g. to print its URL."""
    # a plain `kill` must stop the server too, not leave it orphaned
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        with oxigraph_server(store_location(out_dir), port, host, read_only=True) as server:
            if on_ready:
                on_ready(server)
            code = server.process.wait()
    except KeyboardInterrupt:
        return
    finally:
        signal.signal(signal.SIGTERM, previous)
    # Ctrl-C also reaches the child (same process group), which may end before Python sees the interrupt
    if code not in (0, -2, 130):
        raise ServeError(f"oxigraph stopped (exit code {code}): {server.output()}")
