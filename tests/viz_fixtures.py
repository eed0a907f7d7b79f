"""Graphs in the RDF layout of ``kg build`` shared by the viz tests and bench/bench_viz.py: a tiny hand-made one
and a seeded synthetic one of any size."""

from __future__ import annotations

import random

import pyoxigraph as ox

from kg.rdf import PREFIXES
from kg.store import KGStore
from kg.vocab import ENTITY_CLASSES, PREDICATES

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
# (subject, predicate, object, sentence, document, confidence, qualifiers)
FACTS = [
    ("atlas", "locatedIn", "technopole", "Atlas Numérique s'est installée à la Technopole d'Oujda.", "d1", 0.9, {}),
    ("technopole", "locatedIn", "oujda", "La Technopole d'Oujda se trouve à l'est de la ville d'Oujda.", "d1", 0.8, {}),
    ("oujda", "partOf", "oriental", "Oujda est la capitale de la région de l'Oriental.", "d2", 0.6, {}),
    ("salma", "headOf", "atlas", "Salma Idrissi dirige Atlas Numérique depuis trois ans.", "d1", 0.85,
     {"role": "directrice générale"}),
    ("salma", "shareholderOf", "atlas", "Salma Idrissi détient 30 % d'Atlas Numérique.", "d3", 0.4,
     {"share": "30", "amountText": "30 %"}),
    ("atlas", "partnerOf", "hostile", HOSTILE_SENTENCE, "d1", 0.7, {}),
    ("hostile", "locatedIn", "technopole", HOSTILE_SENTENCE, "d1", 0.7, {}),
]  # fmt: skip
# (id, title, date, url): d3 has no date
DOCUMENTS = [
    ("d1", "L'Oriental attire les <b>start-up</b>", "2024-03-12", "https://presse.example/oriental"),
    ("d2", "Géographie de l'Oriental", "2023-06-01", "javascript:window.pwned=1"),
    ("d3", "Le capital d'Atlas Numérique", None, None),
]


def tiny_store() -> KGStore:
    n, lit = ox.NamedNode, ox.Literal
    ekg = lambda local: n(PREFIXES["ekg"] + local)  # noqa: E731
    rdf = lambda local: n(PREFIXES["rdf"] + local)  # noqa: E731
    dc = lambda local: n(PREFIXES["dcterms"] + local)  # noqa: E731
    rdfs_label, alt = n(PREFIXES["rdfs"] + "label"), n(PREFIXES["skos"] + "altLabel")
    ent = {key: n(PREFIXES["ent"] + key) for key, *_ in ENTITIES}
    g = ox.DefaultGraph()
    docs = {key: n(PREFIXES["doc"] + key) for key, *_ in DOCUMENTS}
    quads = []
    for key, title, date, url in DOCUMENTS:
        doc = docs[key]
        quads += [
            ox.Quad(doc, rdf("type"), ekg("Document"), doc),
            ox.Quad(doc, dc("source"), lit(f"articles/{key}.txt"), doc),
            ox.Quad(doc, dc("title"), lit(title), doc),
        ]
        if date:
            quads.append(ox.Quad(doc, dc("date"), lit(date, datatype=n(PREFIXES["xsd"] + "date")), doc))
        if url:
            quads.append(ox.Quad(doc, n("https://schema.org/url"), lit(url), doc))
    for key, cls, label, aliases in ENTITIES:
        quads += [ox.Quad(ent[key], rdf("type"), ekg(cls), g), ox.Quad(ent[key], rdfs_label, lit(label), g)]
        quads += [ox.Quad(ent[key], alt, lit(a), g) for a in aliases]
        quads.append(ox.Quad(docs["d1"], ekg("mentions"), ent[key], docs["d1"]))
    decimal = n(PREFIXES["xsd"] + "decimal")
    for i, (s, p, o, sentence, d, confidence, qualifiers) in enumerate(FACTS):
        claim, doc = n(f"{PREFIXES['claim']}c{i}"), docs[d]
        quads += [
            ox.Quad(ent[s], ekg(p), ent[o], doc),
            ox.Quad(claim, rdf("type"), ekg("Claim"), doc),
            ox.Quad(claim, rdf("subject"), ent[s], doc),
            ox.Quad(claim, rdf("predicate"), ekg(p), doc),
            ox.Quad(claim, rdf("object"), ent[o], doc),
            ox.Quad(claim, n(PREFIXES["prov"] + "wasDerivedFrom"), doc, doc),
            ox.Quad(claim, ekg("sentence"), lit(sentence), doc),
            ox.Quad(claim, ekg("confidence"), lit(str(confidence), datatype=decimal), doc),
        ]
        quads += [ox.Quad(claim, ekg(q), lit(v), doc) for q, v in qualifiers.items()]
    return KGStore.in_memory(quads)


WORDS = ["Atlas", "Maghreb", "Digital", "Invest", "Capital", "Tech", "Agro", "Solaire", "Port", "Vision", "Sahara"]


def synthetic_quads(n_nodes: int, n_edges: int, n_docs: int = 500, seed: int = 1) -> list[ox.Quad]:
    """A random graph with a few hubs (preferential attachment), laid out in RDF like a real build: dated
    documents (one in ten undated), claims with confidences."""
    rng = random.Random(seed)
    nn, lit = ox.NamedNode, ox.Literal
    ekg, rdf, rdfs, prov = (lambda t, ns=ns: nn(PREFIXES[ns] + t) for ns in ("ekg", "rdf", "rdfs", "prov"))
    dc = lambda t: nn(PREFIXES["dcterms"] + t)  # noqa: E731
    xsd = lambda t: nn(PREFIXES["xsd"] + t)  # noqa: E731
    g = ox.DefaultGraph()
    ents = [nn(f"{PREFIXES['ent']}e{i}") for i in range(n_nodes)]
    quads = []
    for i, e in enumerate(ents):
        label = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {i}"
        quads += [
            ox.Quad(e, rdf("type"), ekg(rng.choice(ENTITY_CLASSES)), g),
            ox.Quad(e, rdfs("label"), lit(label), g),
            ox.Quad(e, nn(PREFIXES["skos"] + "altLabel"), lit(label.upper()), g),
            ox.Quad(e, ekg("mentionCount"), lit(str(rng.randint(1, 9)), datatype=xsd("integer")), g),
        ]
    docs = [nn(f"{PREFIXES['doc']}d{i}") for i in range(n_docs)]
    for i, d in enumerate(docs):
        quads += [
            ox.Quad(d, rdf("type"), ekg("Document"), d),
            ox.Quad(d, dc("source"), lit(f"corpus/article-{i}.txt"), d),
            ox.Quad(d, dc("title"), lit(f"Article {i}"), d),
        ]
        if i % 10:
            date = f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}"
            quads.append(ox.Quad(d, dc("date"), lit(date, datatype=xsd("date")), d))
    ends = list(range(n_nodes))  # every node once, then hubs grow by being picked again
    seen = set()
    while len(seen) < n_edges:
        s, o = rng.choice(ends), rng.choice(ends)
        p = rng.choice(PREDICATES)
        if s == o or (s, p, o) in seen:
            continue
        seen.add((s, p, o))
        ends += [s, o]
        d = rng.choice(docs)
        claim = nn(f"{PREFIXES['claim']}c{len(seen)}")
        quads += [
            ox.Quad(ents[s], ekg(p), ents[o], d),
            ox.Quad(d, ekg("mentions"), ents[s], d),
            ox.Quad(d, ekg("mentions"), ents[o], d),
            ox.Quad(claim, rdf("type"), ekg("Claim"), d),
            ox.Quad(claim, rdf("subject"), ents[s], d),
            ox.Quad(claim, rdf("predicate"), ekg(p), d),
            ox.Quad(claim, rdf("object"), ents[o], d),
            ox.Quad(claim, prov("wasDerivedFrom"), d, d),
            ox.Quad(claim, ekg("sentence"), lit(f"Phrase de synthèse numéro {len(seen)} sur ce lien."), d),
            ox.Quad(claim, ekg("confidence"), lit(f"{rng.randint(30, 95) / 100:.2f}", datatype=xsd("decimal")), d),
        ]
    return quads


def synthetic_store(n_nodes: int, n_edges: int, seed: int = 1) -> KGStore:
    return KGStore.in_memory(synthetic_quads(n_nodes, n_edges, seed=seed))
