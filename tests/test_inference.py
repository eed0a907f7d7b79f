"""Entailed relations: headOf is found by a worksFor query, partnerOf in both directions; kept apart as inferred."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.ingest import make_document
from kg.model import Claim, DocumentAnalysis, Mention
from kg.rdf import INFERRED_GRAPH, asserted_triples, entailment_rules, entity_iri, inferred_quads
from kg.resolve import resolve_entities
from kg.store import KGStore
from kg.vocab import EKG

TEXT = "Salma Berrada dirige Atlas Robotique. Atlas Robotique est partenaire de Noor Sciences."


@pytest.fixture
def store() -> KGStore:
    from kg.build import graph_quads

    document = make_document(TEXT, "articles/atlas.txt")
    d = document.doc_id
    salma = Mention(d, 0, 13, "Salma Berrada", "Person")
    atlas = Mention(d, 21, 36, "Atlas Robotique", "Organization")
    atlas2 = Mention(d, 38, 53, "Atlas Robotique", "Organization")
    noor = Mention(d, 72, 85, "Noor Sciences", "Organization")
    assert TEXT[noor.start : noor.end] == "Noor Sciences"
    claims = (
        Claim(salma, "headOf", atlas, d, TEXT[:37], 0, 37, "test-head", 0.8, "dirige"),
        Claim(atlas2, "partnerOf", noor, d, TEXT[38:], 38, len(TEXT), "test-partner", 0.7),
    )
    analysis = DocumentAnalysis(document, 2, (salma, atlas, atlas2, noor), claims)
    return KGStore.in_memory(graph_quads([analysis], resolve_entities([analysis])))


def labels(store: KGStore, sparql: str) -> set[tuple[str, str]]:
    return {(r["a"], r["b"]) for r in store.query(sparql)}


def test_the_ontology_gives_the_rules():
    supers, symmetric = entailment_rules()
    assert str(EKG.worksFor) in supers[str(EKG.headOf)]
    assert symmetric == {str(EKG.partnerOf)}


def test_a_works_for_query_finds_the_head(store):
    rows = labels(store, "SELECT ?a ?b WHERE { ?p ekg:worksFor ?o . ?p rdfs:label ?a . ?o rdfs:label ?b }")
    assert rows == {("Salma Berrada", "Atlas Robotique")}


def test_partner_of_answers_in_both_directions(store):
    query = "SELECT ?a ?b WHERE { ?x ekg:partnerOf ?y . ?x rdfs:label ?a . ?y rdfs:label ?b }"
    assert labels(store, query) == {("Atlas Robotique", "Noor Sciences"), ("Noor Sciences", "Atlas Robotique")}
    noor = 'SELECT ?b WHERE { ?n rdfs:label "Noor Sciences" ; ekg:partnerOf ?y . ?y rdfs:label ?b }'
    assert store.query(noor) == [{"b": "Atlas Robotique"}]


def test_inferred_triples_are_kept_apart_from_what_the_text_asserts(store):
    iri = {r["l"]: r["e"] for r in store.query("SELECT ?e ?l WHERE { ?e rdfs:label ?l }")}
    inferred = store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{INFERRED_GRAPH}> {{ ?s ?p ?o }} }}")
    assert {(r["s"], r["p"], r["o"]) for r in inferred} == {
        (iri["Salma Berrada"], str(EKG.worksFor), iri["Atlas Robotique"]),
        (iri["Noor Sciences"], str(EKG.partnerOf), iri["Atlas Robotique"]),
    }
    # no claim backs an inferred triple, and graph.ttl (the asserted graph) leaves them out
    assert store.query("ASK { ?c rdf:predicate ekg:worksFor }") == [{"ask": False}]
    asserted = {t.predicate.value for t in asserted_triples(store.quads())}
    assert str(EKG.headOf) in asserted and str(EKG.worksFor) not in asserted


def test_an_asserted_triple_is_never_also_inferred():
    s, o = ox.NamedNode(entity_iri("a")), ox.NamedNode(entity_iri("b"))
    g = ox.NamedNode("https://w3id.org/ecosystem-kg/id/doc/d1")
    both = [ox.Quad(s, ox.NamedNode(str(EKG.partnerOf)), o, g), ox.Quad(o, ox.NamedNode(str(EKG.partnerOf)), s, g)]
    assert inferred_quads(both) == []


def test_the_network_and_the_page_count_each_relation_once(store):
    from kg.analysis import to_networkx

    graph = to_networkx(store)
    assert sorted((graph.nodes[u]["label"], d["predicate"]) for u, _, d in graph.edges(data=True)) == [
        ("Atlas Robotique", "partnerOf"),
        ("Salma Berrada", "headOf"),
    ]


@pytest.mark.model
def test_on_the_seed_every_head_is_found_by_works_for(seed_store):
    heads = seed_store.query("SELECT DISTINCT ?p ?o WHERE { ?p ekg:headOf ?o }")
    workers = seed_store.query("SELECT DISTINCT ?p ?o WHERE { ?p ekg:worksFor ?o }")
    assert heads and all(h in workers for h in heads)
