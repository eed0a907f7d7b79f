"""``kg serve`` and ``kg push`` over real HTTP, on free loopback ports, always shut down."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import urllib.parse
import urllib.request

import pytest

from kg.push import PushError, auth_from_env, graph_url, push_graph
from kg.serve import oxigraph_server, store_location
from kg.store import StoreError

COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def select(query_url: str, sparql: str) -> list[dict]:
    url = query_url + "?" + urllib.parse.urlencode({"query": sparql})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["results"]["bindings"]


def test_endpoint_answers_a_select_over_http(seed_out):
    with oxigraph_server(store_location(seed_out), free_port()) as server:
        rows = select(
            server.query_url,
            "PREFIX ekg: <https://w3id.org/ecosystem-kg/ontology#> SELECT ?o ?s WHERE { ?o ekg:operates ?s "
            "FILTER(?o = <https://w3id.org/ecosystem-kg/id/entity/MITC>) }",
        )
        page = urllib.request.urlopen(server.url, timeout=10).read().decode("utf-8")
    assert [(r["o"]["value"], r["s"]["value"]) for r in rows] == [
        ("https://w3id.org/ecosystem-kg/id/entity/MITC", "https://w3id.org/ecosystem-kg/id/entity/Technopark")
    ]
    assert "<html" in page.lower()
    assert server.process.poll() is not None


def test_kg_serve_prints_its_url_and_stops_on_ctrl_c(seed_out):
    port = free_port()
    command = [sys.executable, "-m", "kg.cli", "serve", str(seed_out), "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        first = process.stdout.readline()
        assert f"http://127.0.0.1:{port}/query" in first
        (count,) = select(f"http://127.0.0.1:{port}/query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        assert int(count["n"]["value"]) > 0
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    assert "stopped" in output and "Traceback" not in output
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_serve_without_a_store_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match="no store here"):
        store_location(tmp_path)


def test_push_twice_into_a_real_store_never_duplicates(seed_out, seed_store, tmp_path):
    with oxigraph_server(tmp_path / "remote", free_port(), read_only=False, union_default_graph=False) as server:
        first = push_graph(seed_out, server.store_url)
        second = push_graph(seed_out, server.store_url)
        (count,) = select(server.query_url, COUNT_ALL)
        (graphs,) = select(server.query_url, "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert (first.graphs, first.triples) == (second.graphs, second.triples)
    assert (first.added, first.replaced, second.added, second.replaced) == (first.added, 0, 0, first.added)
    assert first.triples == len(seed_store)
    assert int(count["n"]["value"]) == len(seed_store)
    assert int(graphs["n"]["value"]) == first.graphs - 1  # the default graph is not a named one


def test_push_errors_name_the_url_and_reason(seed_out, monkeypatch):
    port = free_port()  # nothing listens there
    with pytest.raises(PushError, match=f"127.0.0.1:{port}/(store|query).*cannot reach"):
        push_graph(seed_out, f"http://127.0.0.1:{port}/store")
    with pytest.raises(PushError, match="not an http"):
        push_graph(seed_out, "127.0.0.1/store")
    monkeypatch.setenv("KG_TEST_USER", "rabat")
    monkeypatch.delenv("KG_TEST_PASSWORD", raising=False)
    with pytest.raises(PushError, match="KG_TEST_PASSWORD is not set"):
        auth_from_env("KG_TEST_USER", "KG_TEST_PASSWORD")
    monkeypatch.setenv("KG_TEST_PASSWORD", "s3cret")
    assert auth_from_env("KG_TEST_USER", "KG_TEST_PASSWORD") == ("rabat", "s3cret")


def test_graph_urls_follow_the_graph_store_protocol():
    assert graph_url("http://h/store", None) == "http://h/store?default"
    assert graph_url("http://h/ds?x=1", "https://w3id.org/ecosystem-kg/id/doc/ab") == (
        "http://h/ds?x=1&graph=https%3A%2F%2Fw3id.org%2Fecosystem-kg%2Fid%2Fdoc%2Fab"
    )
