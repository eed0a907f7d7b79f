"""``kg serve``: a read-only SPARQL 1.1 Protocol endpoint and query page over a built store.

Oxigraph's own HTTP server (the ``oxigraph`` binary installed by the ``oxigraph``
package) answers the queries, on a private loopback port, with ``--timeout-s``
so that no query (nor one its client abandoned) runs for ever. In front of it,
on the public port, a small proxy in this process:

- checks each query before Oxigraph parses it (:func:`kg.query.check_query`:
  nesting depth, UPDATE, SERVICE unless ``allow_service``) and predeclares the
  project's prefixes (``ekg:``, ``ent:``...), as on the command line;
- answers CORS requests for the ``cors`` origin (or ``*``);
- serves the query page (Oxigraph's YASGUI, opened on the library's queries);
- supervises Oxigraph: restarts it if it dies, and when a rebuild swaps the
  store in, so the endpoint always serves the current graph.

The Oxigraph process dies with its parent (``PR_SET_PDEATHSIG``), so a ``kill
-9`` of ``kg serve`` leaves nothing on the port. The default graph is the union
of all graphs, as in ``kg query``.
"""

from __future__ import annotations

import ctypes
import http.client
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from kg.store import STORE_DIR, StoreError

PR_SET_PDEATHSIG = 1
SUPERVISE_EVERY = 0.5  # seconds between checks of the Oxigraph process and the store
RESTART_WAIT = 20.0  # how long a request waits for a restarting Oxigraph
MAX_BODY_BYTES = 4 * 1024 * 1024  # a query (kg.query.MAX_QUERY_CHARS) URL-encoded fits
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "server", "date"}


class ServeError(Exception):
    """The server could not start or stopped on its own; the message says why."""


class PortInUse(ServeError):
    """The port asked for is taken: nothing was started."""


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


def _die_with_parent() -> None:
    """In the child, before exec: get SIGKILL when the parent (thread) ends, even by ``kill -9``."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux
        pass


@contextmanager
def oxigraph_server(
    location: str | Path | None,
    port: int = 7878,
    host: str = "127.0.0.1",
    read_only: bool = True,
    union_default_graph: bool = True,
    wait: float = 20.0,
    timeout: float | None = None,
    cors: bool = False,
) -> Iterator[RunningServer]:
    """Run ``oxigraph serve[-read-only]`` until the block ends; ``location=None`` is an in-memory read-write store.

    ``timeout`` (seconds) stops every query at that time; ``cors`` lets browsers of any origin call it.
    """
    command = [oxigraph_binary(), "serve-read-only" if read_only else "serve", "--bind", f"{host}:{port}"]
    if location is not None:
        command += ["--location", str(location)]
    if union_default_graph:
        command.append("--union-default-graph")
    if timeout:
        command += ["--timeout-s", str(max(1, round(timeout)))]
    if cors:
        command.append("--cors")
    # a file, not a pipe: a long-running server must never block on a full stderr pipe
    with tempfile.TemporaryFile() as log:
        # its own session: Ctrl-C reaches kg serve, which stops it, and never looks like a crash to restart
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_die_with_parent
        )
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


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _store_identity(location: Path) -> tuple[int, int] | None:
    """The store folder's (device, inode): a rebuild swaps in a new folder, so this changes."""
    try:
        info = os.stat(location)
    except OSError:
        return None
    return info.st_dev, info.st_ino


class Backend:
    """The Oxigraph process behind the proxy: started, watched and replaced by the supervisor (main thread)."""

    def __init__(self, out_dir: Path, timeout: float):
        self.out_dir, self.timeout = out_dir, timeout
        self.ready = threading.Event()
        self._lock = threading.Lock()
        self._context = None
        self.server: RunningServer | None = None
        self.identity: tuple[int, int] | None = None

    @property
    def address(self) -> tuple[str, int] | None:
        with self._lock:
            if self.server is None:
                return None
            parsed = urllib.parse.urlsplit(self.server.url)
            return parsed.hostname, parsed.port

    def start(self) -> None:
        """Start a new Oxigraph on the current store, then switch the proxy to it and stop the old one."""
        location = store_location(self.out_dir)
        identity = _store_identity(location)
        context = oxigraph_server(location, free_port(), timeout=self.timeout)
        server = context.__enter__()
        with self._lock:
            old, self._context, self.server, self.identity = self._context, context, server, identity
        self.ready.set()
        if old is not None:
            old.__exit__(None, None, None)

    def check(self) -> str | None:
        """Restart Oxigraph if it died or the store was rebuilt; say what happened, or None."""
        server = self.server
        if server is None:
            return None
        code = server.process.poll()
        if code is not None:
            self.ready.clear()
            said = [line for line in server.output().splitlines() if not line.startswith("Listening for requests")]
            self.start()
            return f"oxigraph stopped (exit code {code}{': ' + said[-1] if said else ''}); restarted it"
        try:
            location = store_location(self.out_dir)
        except StoreError:  # mid-swap: keep serving the old data
            return None
        if _store_identity(location) != self.identity:
            self.start()
            return "the graph was rebuilt; now serving the new data"
        return None

    def stop(self) -> None:
        with self._lock:
            context, self._context, self.server = self._context, None, None
        if context is not None:
            context.__exit__(None, None, None)


def prologue() -> str:
    """``PREFIX`` lines for the project's prefixes."""
    from kg.rdf import PREFIXES

    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


def example_queries() -> list[tuple[str, str]]:
    """The query page's tabs: the library queries that run without a parameter, each with the prefixes."""
    from kg.library import list_queries

    examples = []
    for q in list_queries():
        if any(p.required for p in q.parameters):
            continue
        body = "\n".join(line for line in q.text.splitlines() if not line.lstrip().startswith("#")).strip()
        examples.append((q.name, f"# {q.description}\n{prologue()}\n{body}\n"))
    return examples


def query_page() -> bytes:
    """Oxigraph's YASGUI, on this endpoint, opened with one tab per example query."""
    first = prologue() + "\nSELECT ?person ?organisation WHERE { ?person ekg:headOf ?organisation } LIMIT 20\n"
    tabs = [("headOf", first), *example_queries()]
    config = json.dumps([{"name": name, "yasqe": {"value": text}} for name, text in tabs]).replace("</", "<\\/")
    return f"""<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<title>ecosystem-kg: SPARQL</title>
<link href="./yasgui.min.css" rel="stylesheet" type="text/css">
<script src="./yasgui.min.js"></script>
</head>
<body>
<div id="yasgui"></div>
<script>
const endpoint = new URL("query", window.location.href).href;
const tabs = {config};
const yasgui = new Yasgui(document.getElementById("yasgui"), {{
  requestConfig: {{ endpoint: endpoint, method: "POST" }},
  copyEndpointOnNewTab: true,
  persistenceId: null,
  yasqe: {{ value: tabs[0].yasqe.value }},
}});
for (const tab of tabs.slice(1)) {{ yasgui.addTab(false, {{ ...tab, requestConfig: {{ endpoint: endpoint }} }}); }}
</script>
</body>
</html>
""".encode()


def with_prefixes(sparql: str) -> str:
    """The query with the project's prefixes declared first; the query's own declarations still win."""
    return prologue() + sparql


@dataclass(frozen=True)
class ProxyOptions:
    cors: str | None = None
    allow_service: bool = False


def _handler(backend: Backend, options: ProxyOptions, page: bytes) -> type[http.server.BaseHTTPRequestHandler]:
    from kg.query import QueryError, check_query

    class Handler(http.server.BaseHTTPRequestHandler):
        server_version = "kg-serve"

        def log_message(self, format, *args) -> None:  # the console is for the server's own events
            pass

        def _cors(self) -> None:
            if options.cors:
                origin = self.headers.get("Origin")
                allowed = "*" if options.cors == "*" else options.cors
                if allowed == "*" or origin == allowed:
                    self.send_header("Access-Control-Allow-Origin", allowed)
                    self.send_header("Vary", "Origin")

        def _reply(self, status: int, body: bytes, content_type: str = "text/plain; charset=utf-8") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self._cors()
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_OPTIONS(self) -> None:
            self.send_response(204)
            self._cors()
            self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
            self.send_header("Access-Control-Allow-Headers", "Content-Type, Accept")
            self.send_header("Access-Control-Max-Age", "86400")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:
            self._handle(b"")

        def do_HEAD(self) -> None:
            self._handle(b"")

        def do_POST(self) -> None:
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if not 0 <= length <= MAX_BODY_BYTES:
                return self._reply(413, f"the request body must be 0 to {MAX_BODY_BYTES:,} bytes long\n".encode())
            self._handle(self.rfile.read(length) if length else b"")

        def _handle(self, body: bytes) -> None:
            path = urllib.parse.urlsplit(self.path)
            if path.path in ("/", "/index.html") and self.command in ("GET", "HEAD"):
                return self._reply(200, page, "text/html; charset=utf-8")
            if path.path in ("/update",) or (path.path == "/store" and self.command == "POST"):
                return self._reply(403, b"this endpoint is read-only; rebuild the graph with kg build to change it\n")
            if path.path not in ("/query", "/sparql"):
                return self._forward(self.command, self.path, body, dict(self.headers))
            params = urllib.parse.parse_qsl(path.query, keep_blank_values=True)
            content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if self.command == "POST" and content_type == "application/x-www-form-urlencoded":
                params += urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
            elif self.command == "POST" and content_type == "application/sparql-query":
                params.append(("query", body.decode("utf-8", "replace")))
            queries = [v for k, v in params if k == "query"]
            if len(queries) != 1:
                return self._reply(400, b"give exactly one 'query' parameter (SPARQL 1.1 Protocol)\n")
            try:
                check_query(queries[0], options.allow_service)
            except QueryError as exc:
                return self._reply(400, f"{exc}\n".encode())
            rest = [(k, v) for k, v in params if k != "query"]
            form = urllib.parse.urlencode([("query", with_prefixes(queries[0])), *rest]).encode("utf-8")
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            if self.headers.get("Accept"):
                headers["Accept"] = self.headers["Accept"]
            self._forward("POST", "/query", form, headers)

        def _forward(self, method: str, target: str, body: bytes, headers: dict) -> None:
            headers = {k: v for k, v in headers.items() if k.lower() not in ("host", "connection", "origin")}
            for attempt in (1, 2):  # a second try after the supervisor restarted a dead Oxigraph
                if not backend.ready.wait(RESTART_WAIT) or backend.address is None:
                    return self._reply(503, b"the SPARQL server is restarting; try again in a moment\n")
                host, port = backend.address
                connection = http.client.HTTPConnection(host, port, timeout=backend.timeout + 10)
                try:
                    connection.request(method, target, body=body or None, headers=headers)
                    response = connection.getresponse()
                except (ConnectionError, http.client.HTTPException, TimeoutError) as exc:
                    connection.close()
                    if attempt == 2:
                        return self._reply(502, f"the SPARQL server did not answer ({exc})\n".encode())
                    backend.ready.clear()  # wait for the supervisor
                    time.sleep(SUPERVISE_EVERY)
                    continue
                try:
                    return self._relay(response)
                finally:
                    connection.close()

        def _relay(self, response: http.client.HTTPResponse) -> None:
            self.send_response(response.status, response.reason)
            for key, value in response.getheaders():
                if key.lower() not in _HOP_BY_HOP and not key.lower().startswith("access-control-"):
                    self.send_header(key, value)
            self._cors()
            self.end_headers()  # HTTP/1.0: the body ends when the connection closes, so it streams
            try:
                while block := response.read(65536):
                    self.wfile.write(block)
            except (BrokenPipeError, ConnectionResetError):  # the client left; Oxigraph's timeout ends the query
                pass

    return Handler


def serve(
    out_dir: str | Path,
    port: int = 7878,
    host: str = "127.0.0.1",
    on_ready: Callable[[RunningServer], None] | None = None,
    cors: str | None = None,
    timeout: float = 30.0,
    allow_service: bool = False,
    on_event: Callable[[str], None] | None = None,
) -> None:
    """Serve the store of ``out_dir`` read-only until Ctrl-C; ``on_ready`` gets the server, e.g. to print its URL.

    ``on_event`` hears of restarts (Oxigraph died, or a rebuild swapped the store). A taken ``port``
    raises :class:`PortInUse` before anything starts.
    """
    out_dir = Path(out_dir)
    store_location(out_dir)  # no store: say so before binding anything
    backend = Backend(out_dir, timeout)
    handler = _handler(backend, ProxyOptions(cors, allow_service), query_page())
    try:  # binding comes first: a taken port is reported before Oxigraph starts
        front = _QuietServer((host, port), handler)
    except OSError as exc:
        if exc.errno in (98, 48):  # EADDRINUSE (Linux, macOS)
            raise PortInUse(f"port {port} on {host} is already in use; stop what uses it or choose --port") from None
        raise ServeError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None
    # a plain `kill` must stop the server too, not leave it orphaned
    previous = signal.signal(signal.SIGTERM, _interrupt)
    http_thread = threading.Thread(target=front.serve_forever, name="kg-serve-http", daemon=True)
    try:
        backend.start()
        http_thread.start()
        if on_ready:
            on_ready(RunningServer(f"http://{_url_host(host)}:{port}/", backend.server.process, backend.server.log))
        while True:
            time.sleep(SUPERVISE_EVERY)
            event = backend.check()
            if event and on_event:
                on_event(event)
    except KeyboardInterrupt:
        return
    finally:
        signal.signal(signal.SIGTERM, previous)
        if http_thread.is_alive():
            front.shutdown()
        front.server_close()
        backend.stop()


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        """A request that broke its handler (a client gone mid-answer...) is its own business: no traceback."""


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def is_loopback(host: str) -> bool:
    return host in _LOOPBACK or host.startswith("127.")
