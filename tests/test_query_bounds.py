"""Queries are bounded: time, memory, nesting, SERVICE and UPDATE, on the API and the command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.query import QueryError, QueryTimeout, answer, bounded_query, check_query, read_query_file
from kg.store import KGStore, write_store

KG = Path(sys.executable).parent / "kg"
EKG = "https://w3id.org/ecosystem-kg/ontology#"
CROSS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bounds")
    quads = [
        ox.Quad(ox.NamedNode(f"{EKG}org{i}"), ox.NamedNode(f"{EKG}operates"), ox.NamedNode(f"{EKG}site{i % 7}"))
        for i in range(1500)
    ]
    write_store(quads, out)
    return out


def test_bounded_answers_equal_the_in_process_ones(store_dir):
    store = KGStore.open(store_dir)
    select = "SELECT ?o ?s WHERE { ?o ekg:operates ?s } ORDER BY ?o LIMIT 5"
    construct = "CONSTRUCT { ?s ekg:hosts ?o } WHERE { ?o ekg:operates ?s } LIMIT 3"
    assert store.query(select, timeout=20) == store.query(select)
    assert bool(bounded_query(store_dir / "store", "ASK { ?o ekg:operates ?s }")) is True
    assert sorted(map(str, bounded_query(store_dir / "store", construct))) == sorted(
        map(str, store.raw_query(construct))
    )


def test_a_cartesian_count_stops_at_the_timeout(store_dir):
    with pytest.raises(QueryTimeout, match=r"longer than 1 s.*--timeout"):
        KGStore.open(store_dir).query(CROSS, timeout=1)


def test_an_order_by_over_a_cross_product_stops_at_the_memory_bound(store_dir):
    sparql = "SELECT * WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f } ORDER BY ?a ?c ?e"
    with pytest.raises(QueryTimeout, match=r"more than 300 MB.*--max-memory"):
        bounded_query(store_dir / "store", sparql, timeout=60, max_memory_mb=300)


def test_deep_nesting_is_refused_before_parsing(store_dir):
    deep = "SELECT * WHERE " + "{" * 3000 + "}" * 3000
    with pytest.raises(QueryError, match="3000 levels deep"):
        KGStore.open(store_dir).raw_query(deep)  # in this process: a parser stack overflow would kill the tests
    check_query('SELECT * WHERE { ?s ?p "{{{{" } # {{{{{{{{{{{{{{', max_nesting=2)  # strings and comments don't count


def test_service_is_refused_unless_allowed(store_dir):
    service = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    with pytest.raises(QueryError, match="SERVICE is refused.*--allow-service"):
        answer(store_dir, service)
    check_query(service, allow_service=True)
    check_query('SELECT * WHERE { ?s ?p "SERVICE" }')  # the word in a string is no SERVICE clause


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <http://a> <http://b> <http://c> }",
        "PREFIX x: <http://x#>\nDELETE WHERE { ?s ?p ?o }",
        "# a comment\nCLEAR ALL",
        "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    ],
)
def test_update_is_refused_with_a_read_only_message(store_dir, update):
    with pytest.raises(QueryError, match=r"read-only.*kg build"):
        answer(store_dir, update)


def test_a_query_file_that_is_a_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="is a folder"):
        read_query_file(tmp_path)


def test_cli_timeout_is_one_line_and_exit_2(store_dir):
    run = subprocess.run(
        [str(KG), "query", CROSS, "--store", str(store_dir), "--timeout", "1"], capture_output=True, text=True
    )
    assert run.returncode == 2
    assert "longer than 1 s" in run.stderr and "Traceback" not in run.stderr + run.stdout


def test_a_failing_service_call_is_a_query_error_not_a_damaged_store(store_dir):
    service = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    with pytest.raises(QueryError, match="the query failed"):
        answer(store_dir, service, allow_service=True, timeout=20)
