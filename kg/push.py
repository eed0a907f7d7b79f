"""``kg push``: mirror a built graph into any SPARQL 1.1 Graph Store Protocol endpoint.

Each document's named graph and the default graph (entity descriptions) go
in one HTTP PUT each, which *replaces* that graph on the server: pushing
twice leaves the same facts, never duplicates. Document graphs on the server
that the local build no longer has (a pruned or edited document) are deleted,
but only inside the build's document namespace (``.../id/doc/``): other data
on the server is never touched. The server's document graphs are listed, and
checked after the push, through its SPARQL query endpoint (derived from the
store URL: ``.../store`` -> ``.../query``, ``.../data`` -> ``.../query``, or
given). Only the standard library is used (urllib), so any server speaking the
protocols works (Oxigraph, Fuseki, GraphDB, Virtuoso...).
"""

from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.store import KGStore
from kg.vocab import DATA_BASE

N_TRIPLES = "application/n-triples"
DOCUMENT_NAMESPACE = DATA_BASE + "doc/"


class PushError(Exception):
    """The endpoint refused or could not be reached; the message names the URL and the reason."""


@dataclass(frozen=True)
class PushReport:
    """What a push did: graphs and triples sent, and document graphs added, replaced and removed on the server."""

    endpoint: str
    graphs: int
    triples: int
    added: int = 0
    replaced: int = 0
    removed: int = 0


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


def _request(
    url: str, method: str, auth: tuple[str, str] | None, timeout: float, body: bytes | None = None, headers=None
) -> bytes:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    if auth:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            if not 200 <= response.status < 300:
                raise PushError(f"{url}: unexpected HTTP {response.status} {response.reason}")
            return response.read()
    except urllib.error.HTTPError as exc:
        if method == "DELETE" and exc.code == 404:  # already gone
            return b""
        detail = exc.read(300).decode("utf-8", "replace").strip()
        raise PushError(f"{url}: HTTP {exc.code} {exc.reason}{': ' + detail if detail else ''}") from None
    except TimeoutError:
        raise PushError(f"{url}: no answer within {timeout:g} s (give a longer --timeout?)") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError):
            raise PushError(f"{url}: no answer within {timeout:g} s (give a longer --timeout?)") from None
        raise PushError(f"{url}: cannot reach the endpoint ({reason})") from None


def put_graph(url: str, triples: list[ox.Triple], auth: tuple[str, str] | None, timeout: float) -> None:
    body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) if triples else b""
    _request(url, "PUT", auth, timeout, body, {"Content-Type": N_TRIPLES})


def query_endpoint_of(store_endpoint: str) -> str | None:
    """The SPARQL query URL that goes with a Graph Store URL (Oxigraph ``/store``, Fuseki ``/data``), if known."""
    parts = urllib.parse.urlsplit(store_endpoint)
    for tail in ("/store", "/data"):
        if parts.path.endswith(tail):
            return urllib.parse.urlunsplit(parts._replace(path=parts.path[: -len(tail)] + "/query", query=""))
    return None


def server_document_graphs(query_url: str, auth: tuple[str, str] | None, timeout: float) -> dict[str, int]:
    """The server's graphs in the document namespace, with their triple counts."""
    sparql = (
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
        f'FILTER(STRSTARTS(STR(?g), "{DOCUMENT_NAMESPACE}")) }} GROUP BY ?g'
    )
    body = urllib.parse.urlencode({"query": sparql}).encode("utf-8")
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"}
    data = _request(query_url, "POST", auth, timeout, body, headers)
    try:
        bindings = json.loads(data)["results"]["bindings"]
        return {b["g"]["value"]: int(b["n"]["value"]) for b in bindings}
    except (ValueError, KeyError, TypeError):
        raise PushError(f"{query_url}: the answer is not SPARQL JSON results ({data[:80]!r})") from None


def push_graph(
    out_dir: str | Path,
    endpoint: str,
    auth: tuple[str, str] | None = None,
    timeout: float = 60.0,
    query_endpoint: str | None = None,
) -> PushReport:
    """Mirror the store in ``out_dir`` to the Graph Store endpoint ``endpoint`` (e.g. .../store).

    Every local graph is PUT; then the server's document graphs that are not local are deleted;
    then the server's document graphs are checked against the local ones (names and triple counts).
    """
    if not endpoint.startswith(("http://", "https://")):
        raise PushError(
            f"{endpoint!r} is not an http(s) URL; give the Graph Store endpoint, e.g. http://host:7878/store"
        )
    query_url = query_endpoint or query_endpoint_of(endpoint)
    if query_url is None:
        raise PushError(
            f"{endpoint}: cannot tell its SPARQL query endpoint (needed to find graphs to remove); "
            "give it with --query-endpoint"
        )
    graphs = graphs_of(KGStore.open(out_dir))
    before = server_document_graphs(query_url, auth, timeout)
    for name, triples in sorted(graphs.items(), key=lambda kv: kv[0] or ""):
        put_graph(graph_url(endpoint, name), triples, auth, timeout)
    stale = sorted(g for g in before if g not in graphs)
    for name in stale:
        _request(graph_url(endpoint, name), "DELETE", auth, timeout)
    after = server_document_graphs(query_url, auth, timeout)
    # distinct triples: the server keeps a set, as the store does
    expected = {name: len(set(t)) for name, t in graphs.items() if name and name.startswith(DOCUMENT_NAMESPACE)}
    if after != expected:
        wrong = sorted(set(after) ^ set(expected) | {g for g in expected if after.get(g) != expected[g]})
        raise PushError(
            f"{endpoint}: after the push the server's document graphs differ from the local ones "
            f"({len(wrong)} graph(s), e.g. {wrong[0]}); the server did not store what it acknowledged"
        )
    local_docs = [g for g in graphs if g and g.startswith(DOCUMENT_NAMESPACE)]
    return PushReport(
        endpoint,
        len(graphs),
        sum(len(t) for t in graphs.values()),
        added=sum(1 for g in local_docs if g not in before),
        replaced=sum(1 for g in local_docs if g in before),
        removed=len(stale),
    )
