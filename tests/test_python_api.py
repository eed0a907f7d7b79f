"""The Python API: rdflib terms and DataFrames from queries, the project's own errors, typing for users."""

from __future__ import annotations

import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

import kg
from kg import analysis
from kg.store import KGStore, QuerySyntaxError, StoreError

ROOT = Path(__file__).resolve().parents[1]
ENT = "https://w3id.org/ecosystem-kg/id/entity/"
XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.fixture
def store() -> KGStore:
    atlas = ox.NamedNode(ENT + "Atlas")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    count = ox.NamedNode("https://w3id.org/ecosystem-kg/ontology#mentionCount")
    g = ox.DefaultGraph()
    return KGStore.in_memory(
        [
            ox.Quad(atlas, label, ox.Literal("Atlas Numérique", language="fr"), g),
            ox.Quad(atlas, count, ox.Literal("4", datatype=ox.NamedNode(XSD + "integer")), g),
            ox.Quad(atlas, ox.NamedNode("https://schema.org/url"), ox.Literal(ENT + "Atlas"), g),
        ]
    )


def test_query_terms_keeps_iris_literals_languages_and_datatypes_apart(store):
    rows = store.query_terms("SELECT ?e ?l ?n ?u ?none WHERE { ?e rdfs:label ?l ; ekg:mentionCount ?n ; ?p ?u "
                             "FILTER(?p = <https://schema.org/url>) OPTIONAL { ?e ekg:nothing ?none } }")  # fmt: skip
    assert rows == [
        {
            "e": rdflib.URIRef(ENT + "Atlas"),
            "l": rdflib.Literal("Atlas Numérique", lang="fr"),
            "n": rdflib.Literal("4", datatype=rdflib.XSD.integer),
            "u": rdflib.Literal(ENT + "Atlas"),  # a text that looks like an IRI stays a text
            "none": None,
        }
    ]
    assert rows[0]["n"].toPython() == 4
    # the plain rows give the same row as Python values
    assert store.query("SELECT ?n WHERE { ?e ekg:mentionCount ?n }") == [{"n": 4}]


def test_query_df_gives_a_dataframe_with_one_column_per_variable(store):
    pytest.importorskip("pandas")
    frame = store.query_df("SELECT ?l ?n WHERE { ?e rdfs:label ?l ; ekg:mentionCount ?n }")
    assert list(frame.columns) == ["l", "n"] and frame.to_dict("records") == [{"l": "Atlas Numérique", "n": 4}]
    as_terms = store.query_df("SELECT ?e WHERE { ?e rdfs:label ?l }", terms=True)
    assert as_terms["e"][0] == rdflib.URIRef(ENT + "Atlas")
    with pytest.raises(StoreError, match="SELECT"):
        store.query_df("ASK {}")


def test_errors_are_the_projects_own_with_docstrings(store):
    with pytest.raises(QuerySyntaxError) as caught:
        store.query("SELECT WHERE {")
    assert isinstance(caught.value, StoreError) and caught.value.line == 1
    for error in (kg.StoreError, kg.QuerySyntaxError, kg.BuildError, kg.LibraryError):
        assert error.__doc__ and error.__doc__ != Exception.__doc__


def test_analysis_declares_its_public_names():
    assert set(analysis.__all__) >= {"to_networkx", "central_actors", "communities", "UnknownActorError"}
    assert all(hasattr(analysis, name) for name in analysis.__all__)
    assert all(hasattr(kg, name) for name in kg.__all__)


def test_the_package_is_marked_typed():
    assert resources.files("kg").joinpath("py.typed").is_file()


@pytest.mark.skipif(shutil.which("mypy", path=str(Path(sys.executable).parent)) is None, reason="mypy not installed")
def test_a_users_script_type_checks_strictly_with_no_any_from_kg(tmp_path):
    mypy = Path(sys.executable).parent / "mypy"
    script = ROOT / "tests" / "data" / "user_script.py"
    result = subprocess.run(
        [str(mypy), "--strict", "--disallow-any-expr", "--follow-imports=silent", "--cache-dir", str(tmp_path), script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
