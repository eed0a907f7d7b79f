"""RDF stage: entities, facts and documents -> quads with the ontology's terms.

Layout (see ``ontology/README.md``):

- default graph: each entity's ``rdf:type``, ``rdfs:label``, ``skos:altLabel``
  and ``ekg:mentionCount``: what resolution decided across all documents;
- one named graph per document, named by the document's IRI: the document's
  metadata, ``ekg:mentions`` links, each fact as a direct triple and, for
  each, an ``ekg:Claim`` (an ``rdf:Statement``) with its provenance;
- the graph ``INFERRED_GRAPH``: what the ontology entails from the direct
  triples and is not asserted (``headOf`` is a ``worksFor``, ``partnerOf``
  goes both ways); see :func:`inferred_quads` and ``ontology/README.md``.

Quads are pyoxigraph terms, so that writing and loading stay in Rust;
:func:`to_rdflib` gives an rdflib ``Dataset`` for users and tests.
"""

from __future__ import annotations

import hashlib
import weakref
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal
from functools import cache
from importlib import resources

import pyoxigraph as ox
import rdflib
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from kg.model import Document, DocumentAnalysis, Entity, Fact, Qualifiers
from kg.resolve import Resolution
from kg.search import search_keys
from kg.vocab import DATA_BASE, EKG, PREDICATES, class_iri, predicate_iri

PREFIXES = {
    "ekg": str(EKG),
    "ent": DATA_BASE + "entity/",
    "doc": DATA_BASE + "doc/",
    "claim": DATA_BASE + "claim/",
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "skos": str(SKOS),
    "xsd": str(XSD),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
}


def _n(iri) -> ox.NamedNode:
    return ox.NamedNode(str(iri))


_TYPE, _LABEL, _ALT = _n(RDF.type), _n(RDFS.label), _n(SKOS.altLabel)
_XSD_INT, _XSD_DEC = _n(XSD.integer), _n(XSD.decimal)
# the terms every document and claim repeats, made once (an rdflib attribute and a NamedNode per quad cost
# as much as the quad)
_DOCUMENT, _CLAIM, _SOURCE, _TITLE = _n(EKG.Document), _n(EKG.Claim), _n(DCTERMS.source), _n(DCTERMS.title)
_TEXT_LENGTH, _SENTENCE_COUNT, _MENTIONS = _n(EKG.textLength), _n(EKG.sentenceCount), _n(EKG.mentions)
_SUBJECT, _PREDICATE, _OBJECT, _DERIVED = _n(RDF.subject), _n(RDF.predicate), _n(RDF.object), _n(PROV.wasDerivedFrom)
_SENTENCE, _START, _END, _RULE = _n(EKG.sentence), _n(EKG.startOffset), _n(EKG.endOffset), _n(EKG.rule)
_CONFIDENCE, _ROLE = _n(EKG.confidence), _n(EKG.role)


INFERRED_GRAPH = DATA_BASE + "graph/inferred"  # the named graph of entailed triples, apart from what texts assert


def entity_iri(entity_id: str) -> str:
    return f"{DATA_BASE}entity/{entity_id}"


def document_iri(doc_id: str) -> str:
    return f"{DATA_BASE}doc/{doc_id}"


def _int(value: int) -> ox.Literal:
    return ox.Literal(str(int(value)), datatype=_XSD_INT)


@cache
def _predicate_node(predicate: str) -> ox.NamedNode:
    return _n(predicate_iri(predicate))


def entity_quads(entities: Iterable[Entity]) -> Iterator[ox.Quad]:
    g = ox.DefaultGraph()
    for e in entities:
        s = ox.NamedNode(entity_iri(e.entity_id))
        yield ox.Quad(s, _TYPE, _n(class_iri(e.cls)), g)
        yield ox.Quad(s, _LABEL, ox.Literal(e.label), g)
        for alias in e.aliases:
            yield ox.Quad(s, _ALT, ox.Literal(alias), g)
        yield ox.Quad(s, _n(EKG.mentionCount), _int(e.mention_count), g)
        for key in search_keys(e.label, e.aliases):  # so that library queries find an entity by name in the index
            yield ox.Quad(s, _n(EKG.searchKey), ox.Literal(key), g)


def document_quads(
    document: Document, analysis: DocumentAnalysis, resolution: Resolution, sources: Iterable[str] = ()
) -> Iterator[ox.Quad]:
    """The named graph of one document: metadata, mentions, facts and their claims."""
    d = ox.NamedNode(document_iri(document.doc_id))
    g = d
    yield ox.Quad(d, _TYPE, _DOCUMENT, g)
    for source in sorted({document.source, *sources}):
        yield ox.Quad(d, _SOURCE, ox.Literal(source), g)
    if document.title:
        yield ox.Quad(d, _TITLE, ox.Literal(document.title), g)
    yield ox.Quad(d, _TEXT_LENGTH, _int(len(document.text)), g)
    yield ox.Quad(d, _SENTENCE_COUNT, _int(analysis.sentence_count), g)
    for key, value in document.metadata:
        yield from _metadata_quads(d, key, value, g)
    mentioned = sorted({resolution.mention_entity[m] for m in analysis.mentions})
    for entity_id in mentioned:
        yield ox.Quad(d, _MENTIONS, ox.NamedNode(entity_iri(entity_id)), g)
    doc_facts = facts_by_document(resolution).get(document.doc_id, [])
    for fact in doc_facts:
        s, p, o = (
            ox.NamedNode(entity_iri(fact.subject)),
            _predicate_node(fact.predicate),
            ox.NamedNode(entity_iri(fact.object)),
        )
        yield ox.Quad(s, p, o, g)
        c = fact.claim
        digest = hashlib.sha1(
            f"{document.doc_id}|{fact.subject}|{fact.predicate}|{fact.object}|{c.sentence_start}|{c.rule}".encode()
        ).hexdigest()[:20]
        claim = ox.NamedNode(f"{DATA_BASE}claim/{digest}")
        yield ox.Quad(claim, _TYPE, _CLAIM, g)
        yield ox.Quad(claim, _SUBJECT, s, g)
        yield ox.Quad(claim, _PREDICATE, p, g)
        yield ox.Quad(claim, _OBJECT, o, g)
        yield ox.Quad(claim, _DERIVED, d, g)
        yield ox.Quad(claim, _SENTENCE, ox.Literal(c.sentence), g)
        yield ox.Quad(claim, _START, _int(c.sentence_start), g)
        yield ox.Quad(claim, _END, _int(c.sentence_end), g)
        yield ox.Quad(claim, _RULE, ox.Literal(c.rule), g)
        yield ox.Quad(claim, _CONFIDENCE, ox.Literal(str(Decimal(str(c.confidence))), datatype=_XSD_DEC), g)
        if c.role:
            yield ox.Quad(claim, _ROLE, ox.Literal(c.role), g)
        if c.qualifiers:
            yield from qualifier_quads(claim, c.qualifiers, g)


def qualifier_quads(claim: ox.NamedNode, q: Qualifiers, g) -> Iterator[ox.Quad]:
    """A claim's amount, currency, share and date, typed, with the amount and date as written (role: see above)."""
    if q.amount is not None:
        yield ox.Quad(claim, _n(EKG.amount), ox.Literal(str(q.amount), datatype=_XSD_DEC), g)
    if q.currency:
        yield ox.Quad(claim, _n(EKG.currency), ox.Literal(q.currency), g)
    if q.amount_text:
        yield ox.Quad(claim, _n(EKG.amountText), ox.Literal(q.amount_text), g)
    if q.share is not None:
        yield ox.Quad(claim, _n(EKG.share), ox.Literal(str(q.share), datatype=_XSD_DEC), g)
    if q.date and q.date_datatype:
        yield ox.Quad(claim, _n(EKG.date), ox.Literal(q.date, datatype=_n(XSD[q.date_datatype])), g)
    if q.date_text:
        yield ox.Quad(claim, _n(EKG.dateText), ox.Literal(q.date_text), g)


_fact_index: tuple[weakref.ref, dict[str, list[Fact]]] | None = None


def facts_by_document(resolution: Resolution) -> dict[str, list[Fact]]:
    """The facts of each document, in order; indexed once per resolution, not scanned once per document."""
    global _fact_index
    if _fact_index is None or _fact_index[0]() is not resolution:
        index: dict[str, list[Fact]] = defaultdict(list)
        for fact in resolution.facts:
            index[fact.claim.doc_id].append(fact)
        _fact_index = (weakref.ref(resolution), dict(index))
    return _fact_index[1]


_METADATA = {
    "date": (DCTERMS.date, None),
    "publisher": (DCTERMS.publisher, None),
    "language": (DCTERMS.language, None),
    "url": (rdflib.URIRef("https://schema.org/url"), None),
    "author": (DCTERMS.creator, None),
}


def _metadata_quads(d, key: str, value: str, g) -> Iterator[ox.Quad]:
    if key not in _METADATA or not value:
        return
    prop, _ = _METADATA[key]
    if key == "date":
        datatype = XSD.dateTime if "T" in value else XSD.date
        yield ox.Quad(d, _n(prop), ox.Literal(value, datatype=_n(datatype)), g)
    else:
        yield ox.Quad(d, _n(prop), ox.Literal(value), g)


@cache
def entailment_rules() -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    """From ``ontology/ecosystem.ttl``: each ``ekg:`` relation's ``ekg:`` super-properties (transitively), and the
    symmetric relations. Super-properties in other vocabularies (schema:, org:) are not materialised."""
    ttl = resources.files("kg.ontology").joinpath("ecosystem.ttl").read_bytes()
    relations = {str(predicate_iri(p)) for p in PREDICATES}
    direct: dict[str, set[str]] = defaultdict(set)
    symmetric = set()
    for t in ox.parse(ttl, format=ox.RdfFormat.TURTLE):
        s, p, o = t.subject.value, t.predicate.value, t.object.value
        if s not in relations:
            continue
        if p == str(RDFS.subPropertyOf) and o in relations:
            direct[s].add(o)
        elif p == str(RDF.type) and o == "http://www.w3.org/2002/07/owl#SymmetricProperty":
            symmetric.add(s)
    closure: dict[str, frozenset[str]] = {}
    for relation in relations:
        seen: set[str] = set()
        todo = list(direct[relation])
        while todo:
            parent = todo.pop()
            if parent not in seen:
                seen.add(parent)
                todo.extend(direct[parent])
        closure[relation] = frozenset(seen)
    return closure, frozenset(symmetric)


def inferred_quads(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """The relation triples the ontology entails and no document asserts, in the graph ``INFERRED_GRAPH``.

    Rules (RDFS and OWL 2 RL, restricted to ``ekg:`` relations): ``rdfs:subPropertyOf`` (``p ⊑ q, s p o => s q o``)
    and ``owl:SymmetricProperty`` (``s p o => o p s``), applied until nothing new comes.
    """
    supers, symmetric = entailment_rules()
    asserted = {
        (q.subject, q.predicate.value, q.object)
        for q in quads
        if q.predicate.value in supers and not isinstance(q.graph_name, ox.DefaultGraph)
    }
    known = set(asserted)
    todo = list(asserted)
    while todo:
        s, p, o = todo.pop()
        entailed = [(s, parent, o) for parent in supers[p]]
        if p in symmetric:
            entailed.append((o, p, s))
        for triple in entailed:
            if triple not in known:
                known.add(triple)
                todo.append(triple)
    g = ox.NamedNode(INFERRED_GRAPH)
    return [ox.Quad(s, ox.NamedNode(p), o, g) for s, p, o in sorted(known - asserted, key=str)]


def asserted_triples(quads: Iterable[ox.Quad]) -> set[ox.Triple]:
    """The asserted graph (``graph.ttl``): entity descriptions and relations, no provenance, documents or inferences."""
    relation_iris = {str(predicate_iri(p)) for p in PREDICATES}
    inferred = ox.NamedNode(INFERRED_GRAPH)
    out = set()
    for q in quads:
        if q.graph_name == inferred:
            continue
        if isinstance(q.graph_name, ox.DefaultGraph) or q.predicate.value in relation_iris:
            out.add(ox.Triple(q.subject, q.predicate, q.object))
    return out


def to_rdflib(quads: Iterable[ox.Quad]) -> rdflib.Dataset:
    """An rdflib ``Dataset`` holding the quads (for Python users and graph comparisons)."""
    data = ox.serialize(list(quads), format=ox.RdfFormat.N_QUADS)
    ds = rdflib.Dataset()
    ds.parse(data=data.decode("utf-8"), format="nquads")
    return ds
