"""A tiny hand-made graph in the RDF layout of ``kg build``, shared by the viz tests."""

from __future__ import annotations

import pyoxigraph as ox

from kg.rdf import PREFIXES
from kg.store import KGStore

HOSTILE_NAME = '<img src=x onerror="window.pwned=1">Atlas'
HOSTILE_SENTENCE = "La société <script>window.pwned=1</script> s'installe à la Technopole d'Oujda."

# (id, class, label, aliases)
ENTITIES = [
    ("atlas", "Organization", "Atlas Numérique", ["AN"]),
    ("technopole", "Facility", "Technopole d'Oujda", []),
    ("oujda", "Place", "Oujda", []),
    ("salma", "Person", "Salma Idrissi", []),
    ("oriental", "Place", "Région de l'Oriental", []),
    ("isole", "Organization", "Coopérative Isolée", []),
    ("hostile", "Organization", HOSTILE_NAME, []),
]
# (subject, predicate, object, sentence)
FACTS = [
    ("atlas", "locatedIn", "technopole", "Atlas Numérique s'est installée à la Technopole d'Oujda."),
    ("technopole", "locatedIn", "oujda", "La Technopole d'Oujda se trouve à l'est de la ville d'Oujda."),
    ("oujda", "partOf", "oriental", "Oujda est la capitale de la région de l'Oriental."),
    ("salma", "headOf", "atlas", "Salma Idrissi dirige Atlas Numérique depuis trois ans."),
    ("atlas", "partnerOf", "hostile", HOSTILE_SENTENCE),
    ("hostile", "locatedIn", "technopole", HOSTILE_SENTENCE),
]


def tiny_store() -> KGStore:
    n, lit = ox.NamedNode, ox.Literal
    t = {name: (lambda local, ns=ns: n(PREFIXES[ns] + local)) for name, ns in (("ekg", "ekg"), ("rdf", "rdf"))}
    ekg, rdf = t["ekg"], t["rdf"]
    rdfs_label, alt = n(PREFIXES["rdfs"] + "label"), n(PREFIXES["skos"] + "altLabel")
    ent = {key: n(PREFIXES["ent"] + key) for key, *_ in ENTITIES}
    g, doc = ox.DefaultGraph(), n(PREFIXES["doc"] + "d1")
    quads = [
        ox.Quad(doc, rdf("type"), ekg("Document"), doc),
        ox.Quad(doc, n(PREFIXES["dcterms"] + "source"), lit("articles/oujda.txt"), doc),
        ox.Quad(doc, n(PREFIXES["dcterms"] + "title"), lit("L'Oriental attire les <b>start-up</b>"), doc),
    ]
    for key, cls, label, aliases in ENTITIES:
        quads += [ox.Quad(ent[key], rdf("type"), ekg(cls), g), ox.Quad(ent[key], rdfs_label, lit(label), g)]
        quads += [ox.Quad(ent[key], alt, lit(a), g) for a in aliases]
        quads.append(ox.Quad(doc, ekg("mentions"), ent[key], doc))
    for i, (s, p, o, sentence) in enumerate(FACTS):
        claim = n(f"{PREFIXES['claim']}c{i}")
        quads += [
            ox.Quad(ent[s], ekg(p), ent[o], doc),
            ox.Quad(claim, rdf("type"), ekg("Claim"), doc),
            ox.Quad(claim, rdf("subject"), ent[s], doc),
            ox.Quad(claim, rdf("predicate"), ekg(p), doc),
            ox.Quad(claim, rdf("object"), ent[o], doc),
            ox.Quad(claim, n(PREFIXES["prov"] + "wasDerivedFrom"), doc, doc),
            ox.Quad(claim, ekg("sentence"), lit(sentence), doc),
        ]
    return KGStore.in_memory(quads)
