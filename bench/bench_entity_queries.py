"""Entity-filtered library queries (funding, stakes, appointments, timeline) at a million triples, against their
earlier formulation in the same run.

The graph is bench_queries.py's synthetic one (same layout as ``kg build``), with the qualifiers ``kg build``
writes on claims: a date on about half of them (xsd:date, gYearMonth or gYear, with its written form), an amount
and currency on funds claims, and two stakes per document (shareholderOf or acquires, with a share). Each query
runs for the busiest organisation and person (Zipf head), a middling and a rare organisation, and without an
entity; the baseline is the same query file at ``--baseline-rev`` (default: the commit before the rewrite, which
checked each claim's two ends against the key with FILTER EXISTS). Rows are compared as sets: they must be
identical whenever the baseline returns fewer rows than the query's LIMIT (at the limit each keeps "the first
200 in store order", which depends on how the store is walked, so they may differ).

    .venv/bin/python bench/bench_entity_queries.py             # about a minute
    .venv/bin/python bench/bench_entity_queries.py --docs 800  # quick check
"""

from __future__ import annotations

import argparse
import random
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
from bench_queries import CLAIM, DCT, DOC, EKG, RDF, document_quads, entity_quads, make_entities, median_ms, n, typed

from kg.library import bind_parameters, load_query, parse_query
from kg.store import KGStore

QUERIES = ("funding", "stakes", "appointments", "timeline")
LIMIT = 200
CURRENCIES = ("MAD", "EUR", "USD", "XOF")


def qualifier_quads(d: int, base: list[ox.Quad], by_class, rng: random.Random):
    """The qualifiers of the document's claims, and two stakes between organisations."""
    doc = n(f"{DOC}d{d}")
    for quad in base:
        if quad.predicate.value != RDF + "predicate":
            continue
        claim = quad.subject
        if rng.random() < 0.5:
            value, datatype, text = rng.choice(
                (
                    (f"2023-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", "date", "le 12 mars"),
                    (f"2022-{rng.randint(1, 12):02d}", "gYearMonth", "en mars 2022"),
                    (str(rng.randint(2010, 2024)), "gYear", "depuis 2019"),
                )
            )
            yield ox.Quad(claim, n(EKG + "date"), typed(value, datatype), doc)
            yield ox.Quad(claim, n(EKG + "dateText"), ox.Literal(text), doc)
        if quad.object.value == EKG + "funds":
            yield ox.Quad(claim, n(EKG + "amount"), typed(rng.randint(1, 900) * 100000, "decimal"), doc)
            yield ox.Quad(claim, n(EKG + "currency"), ox.Literal(rng.choice(CURRENCIES)), doc)
            yield ox.Quad(claim, n(EKG + "amountText"), ox.Literal("15 millions de dirhams"), doc)
    orgs = by_class["Organization"]
    for k in range(2):
        (s_iri, s_label), (o_iri, o_label) = rng.choice(orgs[:3000]), rng.choice(orgs)
        pred = rng.choice(("shareholderOf", "acquires"))
        claim = n(f"{CLAIM}d{d}-stake{k}")
        yield ox.Quad(n(s_iri), n(EKG + pred), n(o_iri), doc)
        yield ox.Quad(claim, n(RDF + "type"), n(EKG + "Claim"), doc)
        yield ox.Quad(claim, n(RDF + "subject"), n(s_iri), doc)
        yield ox.Quad(claim, n(RDF + "predicate"), n(EKG + pred), doc)
        yield ox.Quad(claim, n(RDF + "object"), n(o_iri), doc)
        yield ox.Quad(claim, n(EKG + "sentence"), ox.Literal(f"{s_label} détient 20 % de {o_label}."), doc)
        yield ox.Quad(claim, n(EKG + "share"), typed(rng.choice(("0.2", "0.35", "0.51", "1")), "decimal"), doc)
        yield ox.Quad(claim, n(DCT + "date"), typed("2024-01-01", "date"), doc)


def baseline_text(name: str, rev: str) -> str:
    try:
        return subprocess.run(
            ["git", "show", f"{rev}:kg/queries/{name}.rq"], check=True, capture_output=True, text=True
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise SystemExit(f"cannot read kg/queries/{name}.rq at {rev!r} with git: {exc}") from None


def rows_of(store: KGStore, text: str, bindings: dict) -> Counter:
    """The rows as a multiset (two claims may give the same row)."""
    result = store.raw_query(text, bindings)
    names = [v.value for v in result.variables]
    return Counter(tuple(str(sol[v]) if sol[v] is not None else None for v in names) for sol in result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=7600, help="documents in the graph (7,600: about 1.3 M triples)")
    parser.add_argument("--entities", type=int, default=30000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--baseline-rev", default="2e50666", help="git revision whose query files are the baseline")
    args = parser.parse_args()

    rng = random.Random(42)
    by_class = make_entities(args.entities, rng)
    quads = list(entity_quads(by_class, rng))
    for d in range(args.docs):
        base = list(document_quads(d, by_class, rng))
        quads += base
        quads += qualifier_quads(d, base, by_class, rng)
    orgs, people = by_class["Organization"], by_class["Person"]
    entities = {
        "busiest org": orgs[0][1],
        "busiest person": people[0][1],
        "org #500": orgs[500][1],
        "org #5000": orgs[5000][1],
        "no entity": None,
    }
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as tmp:
        raw = ox.Store(str(Path(tmp) / "store"))
        raw.bulk_extend(quads)
        raw.flush()
        del raw
        store = KGStore.open(Path(tmp) / "store")
        print(f"graph: {len(store):,} triples ({args.docs:,} documents, {args.entities:,} entities)")
        print(f"baseline: kg/queries at {args.baseline_rev}\n")
        header = f"{'query':<13} {'entity':<15} {'rows':>5} {'baseline':>11} {'now':>10} {'speed-up':>9}  same rows"
        print(header + "\n" + "-" * len(header))
        different = []
        for name in QUERIES:
            now = load_query(name)
            before = parse_query(name, baseline_text(name, args.baseline_rev))
            for who, label in entities.items():
                if label is None and now.parameter("entity").required:
                    continue
                params = {} if label is None else {"entity": label}
                bindings = bind_parameters(now, params)
                old_ms, _ = median_ms(lambda: sum(1 for _ in store.raw_query(before.text, bindings)), args.repeats)
                new_ms, _ = median_ms(lambda: sum(1 for _ in store.raw_query(now.text, bindings)), args.repeats)
                old_rows, new_rows = rows_of(store, before.text, bindings), rows_of(store, now.text, bindings)
                at_limit = old_rows.total() >= LIMIT and name != "timeline"
                if old_rows == new_rows:
                    same = "yes"
                elif at_limit:
                    same = "at the limit: each keeps 200 of them (store order)"
                else:
                    same = f"NO ({(old_rows - new_rows).total() + (new_rows - old_rows).total()} differ)"
                    different.append(f"{name}/{who}")
                print(
                    f"{name:<13} {who:<15} {new_rows.total():>5} {old_ms:>8,.1f} ms {new_ms:>7,.1f} ms "
                    f"{old_ms / new_ms:>8,.1f}x  {same}"
                )
        print(f"\nqueries whose rows differ from the baseline: {', '.join(different) or 'none'}")


if __name__ == "__main__":
    main()
