"""Closed vocabulary of the ecosystem ontology (``ontology/ecosystem.ttl``).

A misspelt term raises ``AttributeError`` at import time of the caller;
``tests/test_ontology.py`` checks this list against the ontology file.
"""

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

ONTOLOGY_IRI = "https://w3id.org/ecosystem-kg/ontology"
DATA_BASE = "https://w3id.org/ecosystem-kg/id/"


class EKG(DefinedNamespace):
    _fail = True
    _NS = Namespace(ONTOLOGY_IRI + "#")

    # classes
    Actor: URIRef
    Organization: URIRef
    Person: URIRef
    Place: URIRef
    Facility: URIRef
    Event: URIRef
    Program: URIRef
    Document: URIRef
    Claim: URIRef

    # relations between actors
    operates: URIRef
    partnerOf: URIRef
    locatedIn: URIRef
    presentIn: URIRef
    worksFor: URIRef
    headOf: URIRef
    memberOf: URIRef
    partOf: URIRef
    foundedBy: URIRef
    shareholderOf: URIRef
    funds: URIRef
    acquires: URIRef
    authorizes: URIRef
    participatesIn: URIRef
    organizes: URIRef
    launches: URIRef
    supervisedBy: URIRef

    # documents and provenance
    mentions: URIRef
    mentionCount: URIRef
    searchKey: URIRef
    sentence: URIRef
    startOffset: URIRef
    endOffset: URIRef
    rule: URIRef
    confidence: URIRef
    role: URIRef
    amount: URIRef
    currency: URIRef
    amountText: URIRef
    share: URIRef
    date: URIRef
    dateText: URIRef
    textLength: URIRef
    sentenceCount: URIRef


ENTITY_CLASSES = ("Organization", "Person", "Place", "Facility", "Event", "Program")
PREDICATES = (
    "operates",
    "partnerOf",
    "locatedIn",
    "presentIn",
    "headOf",
    "worksFor",
    "memberOf",
    "partOf",
    "foundedBy",
    "shareholderOf",
    "funds",
    "acquires",
    "authorizes",
    "participatesIn",
    "organizes",
    "launches",
    "supervisedBy",
)
SYMMETRIC_PREDICATES = frozenset({"partnerOf"})


def class_iri(name: str) -> URIRef:
    """IRI of an ontology class; unknown names fail loudly."""
    if name not in ENTITY_CLASSES:
        raise ValueError(f"unknown entity class {name!r}; expected one of {ENTITY_CLASSES}")
    return EKG[name]


def predicate_iri(name: str) -> URIRef:
    """IRI of an ontology relation; unknown names fail loudly."""
    if name not in PREDICATES:
        raise ValueError(f"unknown predicate {name!r}; expected one of {PREDICATES}")
    return EKG[name]
