"""Exports: each format read back by its own reader has the store's entities and relations."""

from __future__ import annotations

import csv
import json

import networkx as nx
import pytest
import rdflib
from rdflib.namespace import RDF, RDFS
from typer.testing import CliRunner

from kg.cli import app
from kg.export import export_graph
from kg.rdf import INFERRED_GRAPH
from kg.vocab import EKG, ENTITY_CLASSES, PREDICATES

CLASSES = {EKG[c] for c in ENTITY_CLASSES}
RELATIONS = {EKG[p] for p in PREDICATES}


def entities_and_relations(graph: rdflib.Graph) -> tuple[set, set]:
    entities = {s for s, o in graph.subject_objects(RDF.type) if o in CLASSES}
    relations = {(s, p, o) for s, p, o in graph if p in RELATIONS}
    return entities, relations


@pytest.fixture(scope="module")
def expected(seed_store):
    ds = seed_store.dataset()
    union = rdflib.Graph()
    for s, p, o, _ in ds.quads((None, None, None, None)):
        union.add((s, p, o))
    entities, relations = entities_and_relations(union)
    assert entities and relations  # the seed has both, or these tests prove nothing
    return entities, relations


def without_inferred(store, relations: set) -> set:
    """The relations a network export draws: the entailed ones (headOf => worksFor, partnerOf reversed) are left out."""
    rows = store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{INFERRED_GRAPH}> {{ ?s ?p ?o }} }}")
    inferred = {(r["s"], r["p"], r["o"]) for r in rows}
    assert inferred  # the seed has heads and partners, so something is entailed
    return {(s, p, o) for s, p, o in relations if (str(s), str(p), str(o)) not in inferred}


def test_jsonld_reads_back_with_the_same_entities_and_relations(seed_store, expected, tmp_path):
    (path,) = export_graph(seed_store, "jsonld", tmp_path / "graph.jsonld")
    graph = rdflib.Graph().parse(path, format="json-ld")
    assert entities_and_relations(graph) == expected


def test_jsonld_uses_short_readable_keys(seed_store, tmp_path):
    (path,) = export_graph(seed_store, "jsonld", tmp_path / "graph.jsonld")
    nodes = json.loads(path.read_text(encoding="utf-8"))["@graph"]
    technopark = next(n for n in nodes if n.get("label") == "Technopark")
    assert technopark["type"] == "Facility"
    assert technopark["id"] == "ent:Technopark"
    claim = next(n for n in nodes if n.get("type") == "Claim")
    assert {"sentence", "confidence", "derivedFrom", "subject", "predicate", "object"} <= set(claim)


def test_nquads_keep_every_quad_and_the_named_graphs(seed_store, expected, tmp_path):
    (path,) = export_graph(seed_store, "nquads", tmp_path / "graph.nq")
    ds = rdflib.Dataset()
    ds.parse(path, format="nquads")
    assert len(list(ds.quads((None, None, None, None)))) == len(seed_store)
    union = rdflib.Graph()
    for s, p, o, _ in ds.quads((None, None, None, None)):
        union.add((s, p, o))
    assert entities_and_relations(union) == expected
    named = {g for *_, g in ds.quads((None, EKG.mentions, None, None))}
    assert named and all(str(g).startswith("https://w3id.org/ecosystem-kg/id/doc/") for g in named)


@pytest.mark.parametrize(("fmt", "reader"), [("graphml", nx.read_graphml), ("gexf", nx.read_gexf)])
def test_network_formats_read_back_with_labels_classes_and_predicates(seed_store, expected, tmp_path, fmt, reader):
    entities, relations = expected
    relations = without_inferred(seed_store, relations)
    (path,) = export_graph(seed_store, fmt, tmp_path / f"graph.{fmt}")
    graph = reader(path)
    assert set(graph.nodes) == {str(e) for e in entities}
    edges = {(u, data["predicate"], v) for u, v, data in graph.edges(data=True)}
    assert edges == {(str(s), p.rsplit("#", 1)[-1], str(o)) for s, p, o in relations}
    omar = next(data for node, data in graph.nodes(data=True) if data["label"] == "Omar Balafrej")
    assert omar["class"] == "Person"


def test_csv_writes_nodes_and_edges_readable_by_the_csv_module(seed_store, expected, tmp_path):
    entities, relations = expected
    relations = without_inferred(seed_store, relations)
    paths = export_graph(seed_store, "csv", tmp_path / "tables")
    assert sorted(p.name for p in paths) == ["edges.csv", "nodes.csv"]
    with open(tmp_path / "tables" / "nodes.csv", encoding="utf-8-sig", newline="") as fh:
        nodes = list(csv.DictReader(fh))
    with open(tmp_path / "tables" / "edges.csv", encoding="utf-8-sig", newline="") as fh:
        edges = list(csv.DictReader(fh))
    assert {row["id"] for row in nodes} == {str(e) for e in entities}
    assert len(edges) == len(relations)
    assert {row["predicate"] for row in edges} == {p.rsplit("#", 1)[-1] for _, p, _ in relations}


def test_kg_export_writes_the_file_and_rejects_unknown_formats(seed_out, tmp_path):
    target = tmp_path / "cytoscape" / "ecosysteme.graphml"
    result = CliRunner().invoke(app, ["export", str(seed_out), "--format", "graphml", "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert nx.read_graphml(target).number_of_nodes() > 0
    assert [p.name for p in target.parent.iterdir()] == ["ecosysteme.graphml"]  # no temporary file left
    result = CliRunner().invoke(app, ["export", str(seed_out), "--format", "xlsx"])
    assert result.exit_code == 2
    assert "xlsx" in result.output


def test_kg_export_names_a_folder_without_store(tmp_path):
    result = CliRunner().invoke(app, ["export", str(tmp_path / "vide"), "--format", "nquads"])
    assert result.exit_code == 2
    assert "vide" in result.output


def test_labels_survive_the_jsonld_round_trip_with_their_accents(seed_store, tmp_path):
    (path,) = export_graph(seed_store, "jsonld", tmp_path / "graph.jsonld")
    graph = rdflib.Graph().parse(path, format="json-ld")
    labels = {str(label) for label in graph.objects(None, RDFS.label)}
    assert "Benchaâboun" in labels
