"""Closed vocabulary of the ecosystem ontology (``ontology/ecosystem.ttl``).

A misspelt term raises ``AttributeError`` at import time of the caller;
``tests/test_ontology.py`` checks this list against the ontology file.
"""

import difflib
import re
from collections.abc import Iterable
from functools import cache
from importlib import resources

from rdflib import Namespace, URIRef
from rdflib.namespace import RDFS, DefinedNamespace

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


def ontology_terms() -> tuple[str, ...]:
    """Every local name the ontology defines (classes, relations and provenance properties), as in :class:`EKG`."""
    return tuple(name for name in EKG.__annotations__ if not name.startswith("_"))


_PREFIXED = re.compile(r"(?<![\w:/#<])ekg:([A-Za-z_][\w-]*)")
_FULL = re.compile(re.escape(ONTOLOGY_IRI) + r"#([A-Za-z_][\w-]*)>")
_OWN_PREFIX = re.compile(r"PREFIX\s+ekg:\s*<([^>]*)>", re.IGNORECASE)
# IRIs (kept), then strings and comments (blanked), so that '#' inside an IRI is not taken for a comment
_LEXEMES = re.compile(
    r"(<[^<>\s\"{}|^`\\]*>)|\"\"\".*?\"\"\"|'''.*?'''|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|#[^\n]*",
    re.DOTALL,
)


def closest_terms(name: str, terms: Iterable[str] | None = None, n: int = 3) -> list[str]:
    """The terms nearest to ``name``: same letters in another case first, then the closest spellings."""
    terms = list(terms if terms is not None else ontology_terms())
    same = [t for t in terms if t.casefold() == name.casefold()]
    return same + [t for t in difflib.get_close_matches(name, terms, n=n, cutoff=0.6) if t not in same][: n - len(same)]


class UnknownTermError(ValueError):
    """A query names an ``ekg:`` term the ontology does not define; the message gives the closest terms."""


def check_query_terms(sparql: str) -> None:
    """Raise :class:`UnknownTermError` when ``sparql`` uses an ``ekg:`` term the ontology does not define.

    Strings and comments are not read; a query that binds ``ekg:`` to another namespace is left alone.
    """
    own = _OWN_PREFIX.search(sparql)
    code = _LEXEMES.sub(lambda m: m.group(1) or " ", sparql)
    used = _FULL.findall(code) + ([] if own and own.group(1) != str(EKG._NS) else _PREFIXED.findall(code))
    known = set(ontology_terms())
    unknown = list(dict.fromkeys(name for name in used if name not in known))
    if unknown:
        hints = []
        for name in unknown:
            near = closest_terms(name)
            hint = f"did you mean {', '.join('ekg:' + t for t in near)}?" if near else "no close term"
            hints.append(f"ekg:{name} ({hint})")
        raise UnknownTermError(
            f"the ontology defines no {'; '.join(hints)}; its terms are listed in ontology/ecosystem.ttl"
        )


@cache
def term_labels() -> dict[str, frozenset[str]]:
    """Local name -> its French and English ``rdfs:label`` values, from ``ontology/ecosystem.ttl``."""
    import pyoxigraph as ox

    ttl = resources.files("kg.ontology").joinpath("ecosystem.ttl").read_bytes()
    labels: dict[str, set[str]] = {}
    ns = str(EKG._NS)
    for t in ox.parse(ttl, format=ox.RdfFormat.TURTLE):
        if t.predicate.value == str(RDFS.label) and t.subject.value.startswith(ns):
            labels.setdefault(t.subject.value[len(ns) :], set()).add(t.object.value)
    return {name: frozenset(values) for name, values in labels.items()}


def local_name(text: str, allowed: Iterable[str]) -> str | None:
    """The term of ``allowed`` that ``text`` names: its local name or a French or English label, ignoring case
    and accents (``dirige``, ``head of``, ``headOf``, ``Organisation``); None when none fits."""
    from kg.search import fold

    wanted = fold(text.strip().removeprefix("ekg:"))
    labels = term_labels()
    for name in allowed:
        if wanted == fold(name) or wanted in {fold(label) for label in labels.get(name, ())}:
            return name
    return None


def subclasses(ont, cls) -> list:
    """``cls`` and its subclasses in the ontology graph ``ont``."""
    from rdflib.namespace import RDFS

    found = [cls]
    for sub in sorted(ont.subjects(RDFS.subClassOf, cls)):
        found.extend(c for c in subclasses(ont, sub) if c not in found)
    return found


def class_set(ont, expr) -> list:
    """The classes of a domain or range: one class or an owl:unionOf list, each with its subclasses."""
    import rdflib
    from rdflib.collection import Collection
    from rdflib.namespace import OWL

    members = Collection(ont, ont.value(expr, OWL.unionOf)) if isinstance(expr, rdflib.BNode) else [expr]
    out = []
    for member in members:
        out.extend(c for c in subclasses(ont, member) if c not in out)
    return out


@cache
def predicate_signatures() -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """Predicate -> (classes its subject may have, classes its object may have), from the ontology's
    ``rdfs:domain`` and ``rdfs:range`` (subclasses and unions included)."""
    import rdflib
    from rdflib.namespace import RDFS

    ont = rdflib.Graph().parse(data=(resources.files("kg.ontology") / "ecosystem.ttl").read_text("utf-8"),
                               format="turtle")  # fmt: skip
    out = {}
    for name in PREDICATES:
        prop = EKG[name]
        ends = []
        for axis in (RDFS.domain, RDFS.range):
            expr = ont.value(prop, axis)
            classes = class_set(ont, expr) if expr is not None else [EKG[c] for c in ENTITY_CLASSES]
            ends.append(frozenset(str(c).rsplit("#", 1)[-1] for c in classes))
        out[name] = (ends[0], ends[1])
    return out
