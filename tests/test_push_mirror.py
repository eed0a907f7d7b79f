"""``kg push`` mirrors: removed and edited documents leave the server, other data stays, replies are checked."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time
import urllib.parse
import urllib.request

import pyoxigraph as ox
import pytest

from kg.push import DOCUMENT_NAMESPACE, PushError, push_graph, query_endpoint_of
from kg.serve import free_port, oxigraph_server
from kg.store import write_store

EKG = "https://w3id.org/ecosystem-kg/ontology#"
OTHER = "https://example.org/their-own-graph"


def local_build(folder, documents: dict[str, int]):
    """A store like kg build's: entity descriptions in the default graph, one named graph per document."""
    quads = [ox.Quad(ox.NamedNode(EKG + "e"), ox.NamedNode(EKG + "label"), ox.Literal("Atlas"), ox.DefaultGraph())]
    for doc, n in documents.items():
        g = ox.NamedNode(DOCUMENT_NAMESPACE + doc)
        quads += [ox.Quad(g, ox.NamedNode(EKG + f"p{i}"), ox.Literal(str(i)), g) for i in range(n)]
    write_store(quads, folder)
    return folder


def server_graphs(query_url: str) -> dict[str, int]:
    sparql = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    url = query_url + "?" + urllib.parse.urlencode({"query": sparql})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        rows = json.load(response)["results"]["bindings"]
    return {r["g"]["value"].removeprefix(DOCUMENT_NAMESPACE): int(r["n"]["value"]) for r in rows}


def test_push_after_prune_and_edit_leaves_the_server_equal_to_local(tmp_path):
    with oxigraph_server(None, free_port(), read_only=False, union_default_graph=False) as server:
        foreign = urllib.request.Request(
            server.store_url + "?graph=" + urllib.parse.quote(OTHER, safe=""),
            data=b"<https://example.org/s> <https://example.org/p> <https://example.org/o> .\n",
            method="PUT",
            headers={"Content-Type": "application/n-triples"},
        )
        urllib.request.urlopen(foreign, timeout=10).close()
        first = push_graph(local_build(tmp_path / "v1", {"a": 3, "b": 2, "old-c": 4}), server.store_url)
        assert (first.added, first.replaced, first.removed) == (3, 0, 0)
        # b pruned, c edited (a new text is a new document id), a unchanged
        second = push_graph(local_build(tmp_path / "v2", {"a": 3, "new-c": 5}), server.store_url)
        assert (second.added, second.replaced, second.removed) == (1, 1, 2)
        assert server_graphs(server.query_url) == {"a": 3, "new-c": 5, OTHER: 1}


def test_the_query_endpoint_is_derived_or_asked_for(tmp_path):
    assert query_endpoint_of("http://h:7878/store") == "http://h:7878/query"
    assert query_endpoint_of("http://h:3030/ds/data?x=1") == "http://h:3030/ds/query"
    with pytest.raises(PushError, match="--query-endpoint"):
        push_graph(local_build(tmp_path / "o", {"a": 1}), "http://h/graphs")


class _Liar(http.server.BaseHTTPRequestHandler):
    """Says 200 to everything, with a body that is not what was asked for."""

    def log_message(self, *args):
        pass

    def _garbage(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "7")
        self.end_headers()
        self.wfile.write(b"garbage")

    do_PUT = do_POST = do_DELETE = do_GET = _garbage


def test_a_200_with_a_garbage_body_is_not_success(tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Liar)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(PushError, match="not SPARQL JSON results"):
            push_graph(local_build(tmp_path / "o", {"a": 1}), f"http://127.0.0.1:{server.server_port}/store")
    finally:
        server.shutdown()
        server.server_close()


def test_a_server_that_never_answers_fails_at_the_timeout(tmp_path):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections (the kernel does) and never replies
    try:
        started = time.monotonic()
        with pytest.raises(PushError, match=r"no answer within 1 s"):
            push_graph(
                local_build(tmp_path / "o", {"a": 1}), f"http://127.0.0.1:{silent.getsockname()[1]}/store", timeout=1
            )
        assert time.monotonic() - started < 10
    finally:
        silent.close()
