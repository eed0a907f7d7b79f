"""``kg push``: load a built graph into any SPARQL 1.1 Graph Store Protocol endpoint.

Each document's named graph and the default graph (entity descriptions) go
in one HTTP PUT each, which *replaces* that graph on the server: pushing
twice leaves the same facts, never duplicates. Only the standard library is
used (urllib), so any server speaking the protocol works (Oxigraph, Fuseki,
GraphDB, Virtuoso...).
"""

from __future__ import annotations

import base64
import os
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.store import KGStore

N_TRIPLES = "application/n-triples"


class PushError(Exception):
    """The endpoint refused or could not be reached; the message names the URL and the reason."""


@dataclass(frozen=True)
class PushReport:
    endpoint: str
    graphs: int
    triples: int


def auth_from_env(user_env: str | None, password_env: str | None) -> tuple[str, str] | None:
    """Basic-auth credentials read from the named environment variables (never from the command line)."""
    if not user_env and not password_env:
        return None
    if not (user_env and password_env):
        raise PushError("give both --user-env and --password-env, or neither")
    missing = [name for name in (user_env, password_env) if name not in os.environ]
    if missing:
        raise PushError(f"environment variable {', '.join(missing)} is not set")
    return os.environ[user_env], os.environ[password_env]


def graph_url(endpoint: str, graph: str | None) -> str:
    """The Graph Store Protocol URL of a named graph, or of the default graph when ``graph`` is None."""
    joiner = "&" if "?" in endpoint else "?"
    if graph is None:
        return f"{endpoint}{joiner}default"
    return f"{endpoint}{joiner}graph={urllib.parse.quote(graph, safe='')}"


def graphs_of(store: KGStore) -> dict[str | None, list[ox.Triple]]:
    """The store's triples grouped by graph name (None for the default graph, always present)."""
    graphs: dict[str | None, list[ox.Triple]] = defaultdict(list)
    graphs[None] = []
    for q in store.quads():
        name = None if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name.value
        graphs[name].append(ox.Triple(q.subject, q.predicate, q.object))
    return graphs


def put_graph(url: str, triples: list[ox.Triple], auth: tuple[str, str] | None, timeout: float) -> None:
    body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) if triples else b""
    request = urllib.request.Request(url, data=body, method="PUT", headers={"Content-Type": N_TRIPLES})
    if auth:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout):
            pass
    except urllib.error.HTTPError as exc:
        detail = exc.read(300).decode("utf-8", "replace").strip()
        raise PushError(f"{url}: HTTP {exc.code} {exc.reason}{': ' + detail if detail else ''}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PushError(f"{url}: cannot reach the endpoint ({reason})") from None


def push_graph(
    out_dir: str | Path, endpoint: str, auth: tuple[str, str] | None = None, timeout: float = 120.0
) -> PushReport:
    """PUT every graph of the store in ``out_dir`` to the Graph Store endpoint ``endpoint`` (e.g. .../store)."""
    if not endpoint.startswith(("http://", "https://")):
        raise PushError(
            f"{endpoint!r} is not an http(s) URL; give the Graph Store endpoint, e.g. http://host:7878/store"
        )
    graphs = graphs_of(KGStore.open(out_dir))
    for name, triples in sorted(graphs.items(), key=lambda kv: kv[0] or ""):
        put_graph(graph_url(endpoint, name), triples, auth, timeout)
    return PushReport(endpoint, len(graphs), sum(len(t) for t in graphs.values()))
