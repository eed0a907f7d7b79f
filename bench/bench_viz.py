"""How fast is the graph page at thousands of nodes?

Builds a synthetic graph (default 5,000 entities, 15,000 relations) in an in-memory KGStore with the same RDF
layout as ``kg build`` (entity descriptions in the default graph, one named graph per document holding the
relations, ``ekg:mentions`` and one ``ekg:Claim`` per fact), writes the page with ``kg.viz``, and opens it in
headless Debian chromium. "Ready" is ``window.kgReadyAt``: ``performance.now()`` (milliseconds since navigation
start) at the network's first ``afterDrawing`` event. Then it times a search-and-focus and a zoom redraw.

Baseline, in the same process: the same page with vis-network's physics switched on (what pyvis does by
default: the browser stabilises the layout before its first drawing), capped by --baseline-timeout.

    .venv/bin/python bench/bench_viz.py [--nodes 5000] [--edges 15000] [--baseline-timeout 120]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from kg.rdf import PREFIXES
from kg.store import KGStore
from kg.viz import load_graph, render_page
from kg.vocab import ENTITY_CLASSES, PREDICATES

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
WORDS = ["Atlas", "Maghreb", "Digital", "Invest", "Capital", "Tech", "Agro", "Solaire", "Port", "Vision", "Sahara"]


def synthetic_quads(n_nodes: int, n_edges: int, n_docs: int = 500, seed: int = 1) -> list[ox.Quad]:
    """A random graph with a few hubs (preferential attachment), laid out in RDF like a real build."""
    rng = random.Random(seed)
    nn, lit = ox.NamedNode, ox.Literal
    ekg, rdf, rdfs, prov = (lambda t, ns=ns: nn(PREFIXES[ns] + t) for ns in ("ekg", "rdf", "rdfs", "prov"))
    dc = lambda t: nn(PREFIXES["dcterms"] + t)  # noqa: E731
    xsd_int = nn(PREFIXES["xsd"] + "integer")
    g = ox.DefaultGraph()
    ents = [nn(f"{PREFIXES['ent']}e{i}") for i in range(n_nodes)]
    quads = []
    for i, e in enumerate(ents):
        label = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {i}"
        quads += [
            ox.Quad(e, rdf("type"), ekg(rng.choice(ENTITY_CLASSES)), g),
            ox.Quad(e, rdfs("label"), lit(label), g),
            ox.Quad(e, nn(PREFIXES["skos"] + "altLabel"), lit(label.upper()), g),
            ox.Quad(e, ekg("mentionCount"), lit(str(rng.randint(1, 9)), datatype=xsd_int), g),
        ]
    docs = [nn(f"{PREFIXES['doc']}d{i}") for i in range(n_docs)]
    for i, d in enumerate(docs):
        quads += [
            ox.Quad(d, rdf("type"), ekg("Document"), d),
            ox.Quad(d, dc("source"), lit(f"corpus/article-{i}.txt"), d),
            ox.Quad(d, dc("title"), lit(f"Article {i}"), d),
        ]
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
        ]
    return quads


def time_page(page: Path, timeout_s: float) -> dict[str, float | None]:
    """Milliseconds from navigation start to the first drawing, then for a search-and-focus and a zoom redraw."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=ARGS, viewport={"width": 1400, "height": 850}
        )
        try:
            tab = context.new_page()
            tab.goto(page.as_uri(), wait_until="commit")
            try:
                tab.wait_for_function("window.kgReady === true", timeout=timeout_s * 1000, polling=50)
            except PlaywrightTimeout:
                return {"ready": None, "search": None, "zoom": None}
            ready = tab.evaluate("window.kgReadyAt")
            search = tab.evaluate("""() => new Promise((done) => {
                const t0 = performance.now(), box = document.getElementById('search');
                box.value = 'atlas'; box.dispatchEvent(new Event('input'));
                box.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter'}));
                kgNetwork.once('afterDrawing', () => done(performance.now() - t0));
                kgNetwork.redraw();
            })""")
            zoom = tab.evaluate("""() => new Promise((done) => {
                const t0 = performance.now();
                kgNetwork.once('afterDrawing', () => done(performance.now() - t0));
                kgNetwork.moveTo({scale: kgNetwork.getScale() * 2});
            })""")
            return {"ready": ready, "search": search, "zoom": zoom}
        finally:
            context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--edges", type=int, default=15000)
    parser.add_argument("--baseline-timeout", type=float, default=120.0, help="seconds; 0 skips the baseline")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} not found: install Debian's chromium package")

    started = time.perf_counter()
    store = KGStore.in_memory(synthetic_quads(args.nodes, args.edges))
    t_store = time.perf_counter() - started
    started = time.perf_counter()
    graph = load_graph(store)
    t_load = time.perf_counter() - started
    started = time.perf_counter()
    html = render_page(graph)
    t_render = time.perf_counter() - started
    print(f"graph: {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges; page {len(html) / 1e6:.1f} MB")
    print(f"python: store {t_store:.1f} s, load_graph {t_load:.1f} s, layout+render {t_render:.1f} s")

    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "graph.html"
        page.write_text(html, encoding="utf-8")
        ours = time_page(page, timeout_s=60)
        print(
            f"browser (precomputed layout, physics off): ready {ours['ready']:.0f} ms after navigation start; "
            f"search+focus {ours['search']:.0f} ms; zoom redraw {ours['zoom']:.0f} ms"
        )
        if args.baseline_timeout > 0:
            baseline = Path(tmp) / "baseline.html"
            baseline.write_text(html.replace("physics: false,", "physics: { enabled: true },", 1), encoding="utf-8")
            base = time_page(baseline, timeout_s=args.baseline_timeout)
            if base["ready"] is None:
                print(f"baseline (browser physics stabilisation): not ready after {args.baseline_timeout:.0f} s; "
                      f"ratio > {args.baseline_timeout * 1000 / ours['ready']:.1f}x")  # fmt: skip
            else:
                print(
                    f"baseline (browser physics stabilisation): ready {base['ready']:.0f} ms; "
                    f"ratio baseline/ours = {base['ready'] / ours['ready']:.1f}x"
                )


if __name__ == "__main__":
    main()
