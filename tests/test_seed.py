"""The seed article: the facts the user expects to find in graph.ttl."""

from __future__ import annotations

import pytest
import rdflib

from kg.vocab import EKG

LABEL_QUERY = """
SELECT ?sl ?ol WHERE {{
  ?s ekg:{p} ?o . ?s rdfs:label ?sl . ?o rdfs:label ?ol .
}}"""


@pytest.fixture(scope="module")
def ttl(seed_out) -> rdflib.Graph:
    return rdflib.Graph().parse(seed_out / "graph.ttl")


def facts(ttl, predicate: str) -> set[tuple[str, str]]:
    rows = ttl.query(LABEL_QUERY.format(p=predicate), initNs={"ekg": EKG._NS, "rdfs": rdflib.RDFS})
    return {(str(a), str(b)) for a, b in rows}


@pytest.mark.parametrize(
    ("subject", "predicate", "objects"),
    [
        ("MITC", "operates", {"Technopark"}),
        ("Technopark", "partnerOf", {"EAC L’boulevart", "EAC L'boulevart"}),
        ("Enactus Morocco", "locatedIn", {"Technopark de Rabat", "Rabat"}),
        ("Omar Balafrej", "headOf", {"Technopark"}),
        ("Asmaa Morine Azzouzi", "headOf", {"AFEM"}),
        ("Adnane Addioui", "headOf", {"Enactus Morocco"}),
        ("BEI", "partnerOf", {"CDG"}),
        # issue 3: the article's less direct statements
        ("Jokkolabs Casablanca", "partOf", {"Jokkolabs"}),
        ("MITC", "partnerOf", {"Jokkolabs"}),
        ("Jokkolabs Casablanca", "locatedIn", {"Technopark de Casablanca", "Casablanca"}),
        ("Jnane Tech", "locatedIn", {"Technopark"}),
        ("EAC L’boulevart", "locatedIn", {"Technopark"}),
        ("Technopark de Rabat", "partOf", {"Technopark"}),
        ("Technopark de Rabat", "locatedIn", {"Rabat"}),
    ],
)
def test_expected_fact(ttl, subject, predicate, objects):
    found = facts(ttl, predicate)
    symmetric = predicate == "partnerOf"
    assert any((subject, o) in found or (symmetric and (o, subject) in found) for o in objects), sorted(found)


def test_acronym_expansion_is_an_alternative_label(ttl):
    alts = {
        str(alt)
        for alt in ttl.objects(next(ttl.subjects(rdflib.RDFS.label, rdflib.Literal("MITC"))), rdflib.SKOS.altLabel)
    }
    assert "Moroccan Information Technopark Company" in alts


def test_typo_is_an_alias_not_an_entity(ttl):
    labels = {str(o) for o in ttl.objects(None, rdflib.RDFS.label)}
    assert "Tehnopark" not in labels
    technopark = next(ttl.subjects(rdflib.RDFS.label, rdflib.Literal("Technopark")))
    assert rdflib.Literal("Tehnopark") in set(ttl.objects(technopark, rdflib.SKOS.altLabel))


def test_every_entity_has_one_label_and_a_class(ttl):
    for entity in set(ttl.subjects(rdflib.RDF.type, None)):
        assert len(list(ttl.objects(entity, rdflib.RDFS.label))) == 1
        assert all(str(c).startswith(str(EKG._NS)) for c in ttl.objects(entity, rdflib.RDF.type))


def test_no_glued_or_junk_entities(ttl):
    labels = {str(o) for o in ttl.objects(None, rdflib.RDFS.label)}
    assert not labels & {"Technopark Omar Balafrej", "Marché de changes", "Web"}


def test_outputs_exist(seed_out):
    for name in ("graph.ttl", "graph.trig", "graph.html", "store"):
        assert (seed_out / name).exists(), name
    assert not [p.name for p in seed_out.iterdir() if ".tmp" in p.name or p.name.startswith(".store-")]


def test_store_answers_who_operates_what(seed_store):
    rows = seed_store.query(
        "SELECT ?operator ?site WHERE { ?o ekg:operates ?s . ?o rdfs:label ?operator . ?s rdfs:label ?site }"
    )
    assert {"operator": "MITC", "site": "Technopark"} in rows


def test_trig_keeps_one_named_graph_per_document_with_its_source(seed_out):
    ds = rdflib.Dataset()
    ds.parse(seed_out / "graph.trig", format="trig")
    docs = list(ds.query("SELECT ?g ?src WHERE { GRAPH ?g { ?g a ekg:Document ; dcterms:source ?src } }",
                         initNs={"ekg": EKG._NS, "dcterms": rdflib.DCTERMS}))  # fmt: skip
    assert len(docs) == 1 and str(docs[0].src) == "seeds/000_569da23aa276cdde.txt"  # relative to the base folder


def test_roles_are_kept_as_written(seed_store):
    rows = seed_store.query(
        """SELECT ?person ?org ?role WHERE {
             ?c rdf:predicate ekg:headOf ; rdf:subject ?p ; rdf:object ?o ; ekg:role ?role .
             ?p rdfs:label ?person . ?o rdfs:label ?org }"""
    )
    roles = {(r["person"], r["org"], r["role"]) for r in rows}
    assert ("Omar Balafrej", "Technopark", "directeur général") in roles
    assert ("Asmaa Morine Azzouzi", "AFEM", "présidente") in roles


def test_management_of_a_site_is_not_an_actor(ttl):
    """'la direction du Tehnopark' is Technopark's management, not an organisation of its own."""
    labels = {str(o).lower() for o in ttl.objects(None, rdflib.RDFS.label)}
    assert not any(label.startswith("direction") for label in labels)


@pytest.mark.xfail(
    strict=True,
    reason="the learned extractor misses 'la direction du X a présenté le dernier "
    "partenaire en date qui est Y' (issue 12 stays open for such indirect statements)",
)
def test_the_partner_presented_by_the_management_is_a_partner(ttl):
    assert ("Technopark", "Enactus Morocco") in facts(ttl, "partnerOf") | {(b, a) for a, b in facts(ttl, "partnerOf")}
