"""RDF output: the asserted graph is compared with a hand-written Turtle file."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.compare import isomorphic

from kg.ingest import make_document
from kg.model import Claim, DocumentAnalysis, Mention
from kg.rdf import asserted_triples, document_iri, document_quads, entity_quads, to_rdflib
from kg.resolve import resolve_entities
from kg.vocab import EKG

DATA = Path(__file__).parent / "data"
TEXT = "Ynov Maroc ouvre un campus à Rabat. Son directeur, Samir Benjelloun, l'a annoncé."


def tiny_build():
    document = make_document(TEXT, "articles/ynov.txt")
    ynov = Mention(document.doc_id, 0, 10, "Ynov Maroc", "Organization")
    rabat = Mention(document.doc_id, 29, 34, "Rabat", "Place")
    samir = Mention(document.doc_id, 51, 68, "Samir Benjelloun", "Person")
    claims = (
        Claim(ynov, "locatedIn", rabat, document.doc_id, TEXT[:35], 0, 35, "opens-at", 0.65),
        Claim(samir, "headOf", ynov, document.doc_id, TEXT[36:], 36, len(TEXT), "role-possessive", 0.7, "directeur"),
    )
    analysis = DocumentAnalysis(document, 2, (ynov, rabat, samir), claims)
    resolution = resolve_entities([analysis])
    quads = list(entity_quads(resolution.entities)) + list(document_quads(document, analysis, resolution))
    return document, quads


def test_asserted_graph_matches_the_expected_turtle():
    _, quads = tiny_build()
    ntriples = ox.serialize(list(asserted_triples(quads)), format=ox.RdfFormat.N_TRIPLES).decode()
    got = rdflib.Graph().parse(data=ntriples, format="nt")
    expected = rdflib.Graph().parse(DATA / "expected_tiny.ttl")
    assert isomorphic(got, expected), sorted(set(got) ^ set(expected))


def test_each_fact_has_evidence_in_its_document_graph():
    document, quads = tiny_build()
    ds = to_rdflib(quads)
    graph = ds.graph(rdflib.URIRef(document_iri(document.doc_id)))
    rows = list(
        graph.query(
            """SELECT ?s ?o ?sentence ?start ?end ?rule ?conf ?role WHERE {
                 ?c a ekg:Claim ; rdf:subject ?s ; rdf:predicate ekg:headOf ; rdf:object ?o ;
                    ekg:sentence ?sentence ; ekg:startOffset ?start ; ekg:endOffset ?end ;
                    ekg:rule ?rule ; ekg:confidence ?conf ; ekg:role ?role ;
                    prov:wasDerivedFrom ?doc . }""",
            initNs={"ekg": EKG._NS, "prov": rdflib.PROV, "rdf": rdflib.RDF},
        )
    )
    assert len(rows) == 1
    row = rows[0]
    assert str(row.sentence) == TEXT[int(row.start) : int(row.end)]
    assert (str(row.rule), float(row.conf), str(row.role)) == ("role-possessive", 0.7, "directeur")
    assert (
        rdflib.URIRef(document_iri(document.doc_id)),
        rdflib.DCTERMS.source,
        rdflib.Literal("articles/ynov.txt"),
    ) in graph
