"""``kg serve`` survives: bad requests, a killed Oxigraph, a rebuild; it speaks CORS and knows the prefixes."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.serve import free_port, with_prefixes
from kg.store import write_store

EKG = "https://w3id.org/ecosystem-kg/ontology#"
ENT = "https://w3id.org/ecosystem-kg/id/entity/"
HEADS = "SELECT ?p ?o WHERE { ?p ekg:headOf ?o }"


def heads(pairs, extra=0):
    quads = [ox.Quad(ox.NamedNode(ENT + p), ox.NamedNode(EKG + "headOf"), ox.NamedNode(ENT + o)) for p, o in pairs]
    quads += [
        ox.Quad(ox.NamedNode(f"{ENT}x{i}"), ox.NamedNode(EKG + "mentionCount"), ox.Literal(str(i)))
        for i in range(extra)
    ]
    return quads


def post(url: str, sparql: str, headers: dict | None = None, timeout: float = 20):
    data = urllib.parse.urlencode({"query": sparql}).encode()
    request = urllib.request.Request(
        url, data=data, headers={"Accept": "application/sparql-results+json", **(headers or {})}
    )
    return urllib.request.urlopen(request, timeout=timeout)


def rows(url: str, sparql: str) -> list[tuple[str, ...]]:
    with post(url, sparql) as response:
        bindings = json.load(response)["results"]["bindings"]
    return sorted(tuple(b[k]["value"].rsplit("/", 1)[-1] for k in sorted(b)) for b in bindings)


def eventually(check, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while True:
        try:
            result = check()
            if result:
                return result
        except (OSError, urllib.error.URLError):
            pass
        assert time.monotonic() < deadline, "no change within the time allowed"
        time.sleep(0.3)


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as fh:  # a zombie is dead
        return fh.read().split(")")[-1].split()[0] != "Z"


@pytest.fixture
def served(tmp_path):
    out = tmp_path / "out"
    write_store(heads([("Salma-Idrissi", "Atlas-Labs")], extra=1500), out)
    port = free_port()
    kg = Path(sys.executable).parent / "kg"
    command = [str(kg), "serve", str(out), "--port", str(port), "--cors", "*", "--timeout", "2"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert "/query" in process.stdout.readline()
    yield out, f"http://127.0.0.1:{port}/", process
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_prefixes_are_known_and_cors_is_answered(served):
    _, url, _ = served
    assert rows(url + "query", HEADS) == [("Atlas-Labs", "Salma-Idrissi")]
    with post(url + "query", "ASK { ?p ekg:headOf ?o }", {"Origin": "https://yasgui.example"}) as response:
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    # a query declaring a prefix itself keeps its own meaning
    assert rows(url + "query", "PREFIX ekg: <http://other/> " + HEADS) == []


def test_a_nested_request_is_refused_and_the_server_still_answers(served):
    _, url, _ = served
    with pytest.raises(urllib.error.HTTPError) as refused:
        post(url + "query", "SELECT * WHERE " + "{" * 3000 + "}" * 3000)
    assert refused.value.code == 400 and b"levels deep" in refused.value.read()
    for update in ("INSERT DATA { <http://a> <http://b> <http://c> }",):
        with pytest.raises(urllib.error.HTTPError) as read_only:
            post(url + "query", update)
        assert b"read-only" in read_only.value.read()
    assert rows(url + "query", HEADS) == [("Atlas-Labs", "Salma-Idrissi")]


def test_a_long_query_stops_at_the_timeout(served):
    _, url, _ = served
    started = time.monotonic()
    # Oxigraph has begun streaming (status 200) when the timeout strikes: the body ends with its message
    with post(url + "query", "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }", timeout=30) as r:
        body = r.read()
    assert time.monotonic() - started < 25
    assert b"cancelled" in body
    assert rows(url + "query", HEADS) == [("Atlas-Labs", "Salma-Idrissi")]


def test_a_killed_oxigraph_is_restarted(served):
    _, url, process = served
    (oxigraph,) = children(process.pid)
    os.kill(oxigraph, signal.SIGKILL)
    assert eventually(lambda: rows(url + "query", HEADS)) == [("Atlas-Labs", "Salma-Idrissi")]
    assert children(process.pid) and children(process.pid) != [oxigraph]


def test_a_rebuild_is_served_without_a_restart(served):
    out, url, _ = served
    write_store(heads([("Youssef-Amrani", "Rif-Solaire")]), out)  # what kg build does: a new store swapped in
    assert eventually(lambda: rows(url + "query", HEADS) == [("Rif-Solaire", "Youssef-Amrani")])


def test_the_query_page_opens_with_prefixes_and_library_queries(served):
    _, url, _ = served
    page = urllib.request.urlopen(url, timeout=10).read().decode()
    assert "yasgui.min.js" in page and "PREFIX ekg: <https://w3id.org/ecosystem-kg/ontology#>" in page
    assert "people_roles" in page and "operates" in page
    assert urllib.request.urlopen(url + "yasgui.min.js", timeout=10).status == 200


def test_kill_9_leaves_nothing_on_the_port(served):
    _, url, process = served
    (oxigraph,) = children(process.pid)
    process.kill()
    process.wait()
    eventually(lambda: not alive(oxigraph), 10)
    with pytest.raises(OSError):
        urllib.request.urlopen(url, timeout=2)


def test_a_busy_port_is_exit_2_naming_it(served):
    out, url, _ = served
    port = urllib.parse.urlsplit(url).port
    kg = Path(sys.executable).parent / "kg"
    run = subprocess.run([str(kg), "serve", str(out), "--port", str(port)], capture_output=True, text=True, timeout=30)
    assert run.returncode == 2 and f"port {port}" in run.stderr and "Traceback" not in run.stderr


def test_project_prefixes_come_first_so_a_query_can_still_redeclare_them():
    text = with_prefixes("PREFIX ekg: <http://other/> ASK {}")
    assert text.index("PREFIX ekg: <https://w3id.org") < text.index("PREFIX ekg: <http://other/>")


def test_an_oversized_or_malformed_body_is_refused_and_nothing_is_printed(served):
    _, url, process = served
    for length in (str(10**10), "abc"):
        with socket.create_connection(("127.0.0.1", urllib.parse.urlsplit(url).port)) as raw:
            request = (
                f"POST /query HTTP/1.0\r\nContent-Length: {length}\r\nContent-Type: application/sparql-query\r\n\r\n"
            )
            raw.sendall(request.encode())
            assert raw.recv(100).startswith(b"HTTP/1.0 413")
    assert rows(url + "query", HEADS) == [("Atlas-Labs", "Salma-Idrissi")]
    process.send_signal(signal.SIGINT)
    _, errors = process.communicate(timeout=20)
    assert "Traceback" not in errors
