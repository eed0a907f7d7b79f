"""Speed of every library query on a graph of over a million triples, against rdflib's in-memory engine.

The graph is synthetic but has exactly the layout ``kg build`` writes (see kg/rdf.py):

- default graph: each entity's rdf:type, rdfs:label, sometimes skos:altLabel, ekg:mentionCount and the
  ekg:searchKey of its names; 30 % of the labels carry French accents;
- one named graph per document: the document (ekg:Document, dcterms:source, dcterms:title, dcterms:date,
  ekg:textLength, ekg:sentenceCount), ``ekg:mentions`` of each entity its facts involve, and ten facts, each as a
  direct triple plus an ekg:Claim (rdf:subject/predicate/object, prov:wasDerivedFrom, ekg:sentence, offsets,
  ekg:rule, ekg:confidence, ekg:role on headOf/worksFor).

Facts follow the ontology's domains (people head organisations, organisations operate facilities, facilities
are part of networks and located in cities...). Entities are drawn with a Zipf-like skew (weight 1/(rank+10)),
as in news where a few actors appear everywhere. The ``--docs`` default (7,600 documents, 30,000 entities) gives
about 1.1 M triples.

Oxigraph runs on an on-disk store opened read-only, as ``kg query`` does. rdflib needs minutes just to load a
million triples and then seconds to minutes per query, so it runs on a stated subset (the first ``--rdflib-docs``
documents and every entity, about 200 k triples); Oxigraph is timed on that same subset for the ratio. An rdflib
query still running after ``--timeout`` seconds is stopped and shown as "> N s".

    .venv/bin/python bench/bench_queries.py            # full run, a few minutes
    .venv/bin/python bench/bench_queries.py --docs 500 # quick check

The ``# internal:`` queries (whole-graph loaders of kg viz and kg analyse) are left out unless ``--internal``: they
return every node or edge by design and have no latency target.
"""

from __future__ import annotations

import argparse
import itertools
import random
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
import rdflib

from kg.library import bind_parameters, list_queries
from kg.rdf import PREFIXES
from kg.search import search_keys
from kg.store import KGStore

EKG, ENT, DOC, CLAIM = PREFIXES["ekg"], PREFIXES["ent"], PREFIXES["doc"], PREFIXES["claim"]
RDF, RDFS, SKOS, XSD = PREFIXES["rdf"], PREFIXES["rdfs"], PREFIXES["skos"], PREFIXES["xsd"]
DCT, PROV = PREFIXES["dcterms"], PREFIXES["prov"]
TARGET_MS = 200

SHARES = {"Organization": 0.45, "Person": 0.25, "Facility": 0.12, "Place": 0.08, "Event": 0.05, "Program": 0.05}
# (predicate, subject class, object class, rule)
SHAPES = [
    ("headOf", "Person", "Organization", "role-before-person"),
    ("worksFor", "Person", "Organization", "role-apposition-after-person"),
    ("operates", "Organization", "Facility", "operator-apposition"),
    ("partnerOf", "Organization", "Organization", "partnership-between"),
    ("locatedIn", "Organization", "Place", "located-verb"),
    ("locatedIn", "Organization", "Facility", "located-participle"),
    ("locatedIn", "Facility", "Place", "located-verb"),
    ("partOf", "Facility", "Facility", "network-site"),
    ("funds", "Organization", "Program", "funding-verb"),
    ("organizes", "Organization", "Event", "organizer-verb"),
    ("presentIn", "Organization", "Place", "presence"),
    ("memberOf", "Organization", "Organization", "membership"),
]
ROLES = ("directeur général", "présidente", "fondateur", "directrice", "responsable")
WORDS = ("Atlas", "Sahel", "Médina", "Océan", "Zénith", "Cèdre", "Oasis", "Rif", "Étoile", "Argan", "Safran", "Nador")
KINDS = {
    "Organization": ("Groupe", "Société", "Banque", "Agence", "Association", "Fonds"),
    "Person": ("Amine", "Leïla", "Youssef", "Hélène", "Karim", "Salma"),
    "Facility": ("Technopôle", "Incubateur", "Campus", "Parc"),
    "Place": ("Ville", "Région", "Province"),
    "Event": ("Forum", "Sommet", "Salon"),
    "Program": ("Programme", "Initiative", "Plan"),
}


def n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def typed(value, datatype: str) -> ox.Literal:
    return ox.Literal(str(value), datatype=n(XSD + datatype))


def make_entities(count: int, rng: random.Random) -> dict[str, list[tuple[str, str]]]:
    """Per class, (entity IRI, label) pairs."""
    by_class: dict[str, list[tuple[str, str]]] = {c: [] for c in SHARES}
    for i in range(count):
        cls = rng.choices(list(SHARES), weights=list(SHARES.values()))[0]
        label = f"{rng.choice(KINDS[cls])} {rng.choice(WORDS)} {i}"
        if rng.random() > 0.3:  # 70 % without accents, as many acronyms and brand names are
            label = label.translate(str.maketrans("éèêëïôÉ", "eeeeioE"))
        by_class[cls].append((f"{ENT}e{i}", label))
    return by_class


def entity_quads(by_class, rng: random.Random):
    g = ox.DefaultGraph()
    for cls, items in by_class.items():
        for iri, label in items:
            s = n(iri)
            yield ox.Quad(s, n(RDF + "type"), n(EKG + cls), g)
            yield ox.Quad(s, n(RDFS + "label"), ox.Literal(label), g)
            aliases = [label.upper()] if rng.random() < 0.3 else []
            for alias in aliases:
                yield ox.Quad(s, n(SKOS + "altLabel"), ox.Literal(alias), g)
            yield ox.Quad(s, n(EKG + "mentionCount"), typed(rng.randint(1, 50), "integer"), g)
            for key in search_keys(label, aliases):
                yield ox.Quad(s, n(EKG + "searchKey"), ox.Literal(key), g)


def skewed(items: list, rng: random.Random):
    # Zipf-like weights 1/(rank + 10): the busiest actor is in about 1.5 % of the facts of its class, a long tail
    # appears once or twice, as in the news
    weights = _CUMULATIVE.get(len(items))
    if weights is None:
        weights = _CUMULATIVE[len(items)] = list(itertools.accumulate(1 / (rank + 10) for rank in range(len(items))))
    return rng.choices(items, cum_weights=weights)[0]


_CUMULATIVE: dict[int, list[float]] = {}


def document_quads(d: int, by_class, rng: random.Random, facts_per_doc: int = 10):
    doc = n(f"{DOC}d{d}")
    g = doc
    yield ox.Quad(doc, n(RDF + "type"), n(EKG + "Document"), g)
    yield ox.Quad(doc, n(DCT + "source"), ox.Literal(f"corpus/article-{d}.txt"), g)
    yield ox.Quad(doc, n(DCT + "title"), ox.Literal(f"Article {d} sur l'écosystème"), g)
    yield ox.Quad(doc, n(DCT + "date"), typed(f"2024-{1 + d % 12:02d}-{1 + d % 28:02d}", "date"), g)
    yield ox.Quad(doc, n(EKG + "textLength"), typed(rng.randint(800, 6000), "integer"), g)
    yield ox.Quad(doc, n(EKG + "sentenceCount"), typed(rng.randint(8, 60), "integer"), g)
    mentioned = set()
    for k in range(facts_per_doc):
        pred, scls, ocls, rule = rng.choice(SHAPES)
        s_iri, s_label = skewed(by_class[scls], rng)
        o_iri, o_label = skewed(by_class[ocls], rng)
        if s_iri == o_iri:
            continue
        mentioned.update((s_iri, o_iri))
        s, p, o = n(s_iri), n(EKG + pred), n(o_iri)
        yield ox.Quad(s, p, o, g)
        claim = n(f"{CLAIM}d{d}-{k}")
        start = k * 200
        yield ox.Quad(claim, n(RDF + "type"), n(EKG + "Claim"), g)
        yield ox.Quad(claim, n(RDF + "subject"), s, g)
        yield ox.Quad(claim, n(RDF + "predicate"), p, g)
        yield ox.Quad(claim, n(RDF + "object"), o, g)
        yield ox.Quad(claim, n(PROV + "wasDerivedFrom"), doc, g)
        yield ox.Quad(claim, n(EKG + "sentence"), ox.Literal(f"Selon l'article, {s_label} ({pred}) {o_label}."), g)
        yield ox.Quad(claim, n(EKG + "startOffset"), typed(start, "integer"), g)
        yield ox.Quad(claim, n(EKG + "endOffset"), typed(start + 150, "integer"), g)
        yield ox.Quad(claim, n(EKG + "rule"), ox.Literal(rule), g)
        yield ox.Quad(
            claim, n(EKG + "confidence"), typed(rng.choice((0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)), "decimal"), g
        )
        if pred in ("headOf", "worksFor"):
            yield ox.Quad(claim, n(EKG + "role"), ox.Literal(rng.choice(ROLES)), g)
    for iri in sorted(mentioned):
        yield ox.Quad(doc, n(EKG + "mentions"), n(iri), g)


def parameters_for(query, hubs: dict[str, str]) -> dict[str, str] | None:
    """Realistic values: the labels of the busiest entities. None when a required parameter has no value here."""
    values = {
        "entity": hubs["Organization"],
        "city": hubs["Place"],
        "label": hubs["Organization"].upper(),
        "subject": hubs["Organization"],
        "class": "Person",
        "from": "2024-03-01",
        "to": "2024-03-31",
    }
    params = {}
    for p in query.parameters:
        if p.name in values:
            params[p.name] = values[p.name]
        elif p.required:
            return None
    return params


def to_rdflib(term):
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if term.datatype.value == XSD + "string":
        return rdflib.Literal(term.value)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


class Timeout(Exception):
    pass


class EngineError(Exception):
    pass


def _alarm(signum, frame):
    raise Timeout


def median_ms(run, repeats: int, timeout: float | None = None) -> tuple[float | None, int]:
    """Median wall time of ``run()`` in ms after one warm-up, and its row count; None when it timed out."""
    if timeout:
        signal.signal(signal.SIGALRM, _alarm)
    times, rows = [], 0
    for _ in range(repeats + 1):
        if timeout:
            signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            started = time.perf_counter()
            rows = run()
            elapsed = (time.perf_counter() - started) * 1000
        except Timeout:
            return None, 0
        except Exception as exc:  # rdflib fails on some valid queries (e.g. GROUP_CONCAT over unbound values)
            raise EngineError(f"{type(exc).__name__}: {exc}") from None
        finally:
            if timeout:
                signal.setitimer(signal.ITIMER_REAL, 0)
        times.append(elapsed)
        if timeout and elapsed > timeout * 1000 / 3:  # slow engine: one run is all we can afford
            break
    return statistics.median(times[1:] or times), rows  # the first run only warms caches, when there are more


def oxigraph_runner(store: KGStore, text: str, bindings: dict):
    def run() -> int:
        result = store.raw_query(text, bindings)
        return sum(1 for _ in result)

    return run


def rdflib_runner(ds: rdflib.Dataset, text: str, bindings: dict):
    init = {k: to_rdflib(v) for k, v in bindings.items()}

    def run() -> int:
        return len(list(ds.query(text, initNs=PREFIXES, initBindings=init)))

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=7600, help="documents in the big graph")
    parser.add_argument("--entities", type=int, default=30000)
    parser.add_argument("--rdflib-docs", type=int, default=800, help="documents in the subset rdflib runs on")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before an rdflib query is stopped")
    parser.add_argument("--only", nargs="*", help="run only these library queries")
    parser.add_argument(
        "--internal", action="store_true", help="also time the whole-graph loaders of kg viz / kg analyse (no target)"
    )
    args = parser.parse_args()

    rng = random.Random(42)
    by_class = make_entities(args.entities, rng)
    entity_part = list(entity_quads(by_class, rng))
    doc_parts = [list(document_quads(d, by_class, rng)) for d in range(args.docs)]
    full = entity_part + [q for part in doc_parts for q in part]
    subset = entity_part + [q for part in doc_parts[: args.rdflib_docs] for q in part]
    hubs = {cls: items[0][1] for cls, items in by_class.items()}  # item 0 is the most drawn (Zipf head)

    with tempfile.TemporaryDirectory(prefix="kg-bench-") as tmp:
        started = time.perf_counter()
        for name, quads in (("full", full), ("subset", subset)):
            store = ox.Store(str(Path(tmp) / name))
            store.bulk_extend(quads)
            store.flush()
            del store
        big, small = KGStore.open(Path(tmp) / "full"), KGStore.open(Path(tmp) / "subset")
        load_s = time.perf_counter() - started
        started = time.perf_counter()
        ds = rdflib.Dataset(default_union=True)
        ds.parse(data=ox.serialize(subset, format=ox.RdfFormat.N_QUADS).decode("utf-8"), format="nquads")
        rdflib_load_s = time.perf_counter() - started
        print(f"big graph: {len(big):,} triples ({args.docs:,} documents, {args.entities:,} entities)")
        print(f"subset for the ratio: {len(small):,} triples (first {args.rdflib_docs:,} documents + every entity)")
        print(f"load: Oxigraph both stores {load_s:.1f} s, rdflib subset {rdflib_load_s:.1f} s\n")
        header = f"{'query':<20} {'rows':>7} {'oxigraph 1M':>12} {'oxi subset':>11} {'rdflib subset':>14} {'ratio':>8}"
        print(header + "\n" + "-" * len(header))
        slow = []
        for query in [q for q in list_queries(args.internal) if not args.only or q.name in args.only]:
            params = parameters_for(query, hubs)
            if params is None:
                print(f"{query.name:<20} skipped: a required parameter has no value in this bench")
                continue
            bindings = bind_parameters(query, params)
            big_ms, rows = median_ms(oxigraph_runner(big, query.text, bindings), args.repeats)
            small_ms, _ = median_ms(oxigraph_runner(small, query.text, bindings), args.repeats)
            try:
                rdf_ms, _ = median_ms(rdflib_runner(ds, query.text, bindings), min(args.repeats, 3), args.timeout)
                rdf_text = f"> {args.timeout:.0f} s" if rdf_ms is None else f"{rdf_ms:,.0f} ms"
                ratio = f"> {args.timeout * 1000 / small_ms:,.0f}x" if rdf_ms is None else f"{rdf_ms / small_ms:,.0f}x"
            except EngineError as exc:
                rdf_text, ratio = "rdflib error", "-"
                print(f"  ({query.name}: rdflib raised {str(exc)[:100]})")
            flag = "  internal loader, no target" if query.internal else "" if big_ms < TARGET_MS else "  over target"
            print(
                f"{query.name:<20} {rows:>7,} {big_ms:>9,.1f} ms {small_ms:>8,.1f} ms {rdf_text:>14} {ratio:>8}{flag}"
            )
            sys.stdout.flush()
            if big_ms >= TARGET_MS and not query.internal:
                slow.append(query.name)
        print(f"\ntarget: every query under {TARGET_MS} ms on the big graph; over it: {', '.join(slow) or 'none'}")
        print("ratio = rdflib time / Oxigraph time on the same subset and query (higher means Oxigraph is faster)")
        del big, small


if __name__ == "__main__":
    main()
