"""How fast is the graph page at thousands of entities?

For each size (default 5,000 and 20,000 entities, with three times as many relations) it builds a synthetic graph
(``tests.viz_fixtures.synthetic_quads``: hubs by preferential attachment, the RDF layout of ``kg build``, dated
documents, one claim per fact) in an in-memory KGStore, writes the page with ``kg.viz`` and opens it in headless
Debian chromium. It reports the page size, the Python time (load + layout + render), and, in milliseconds from
navigation start, the first drawing (``window.kgReadyAt``, the network's first ``afterDrawing``) and the moment the
page is interactive (``window.kgInteractiveAt``, when the browser is free again after that drawing); then how long
a click on the biggest hub takes to dim the rest and fill the panel.

Baseline, in the same run and on the same graph: the page with every entity drawn from the start (``first_view`` =
all entities), which is how the page worked before it started small.

    .venv/bin/python bench/bench_viz.py [--sizes 5000 20000] [--ratio 3] [--no-baseline]
Targets: 20,000 entities interactive in under 3 s, page under 15 MB.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.viz_fixtures when run as a script

from kg.store import KGStore  # noqa: E402
from kg.viz import load_graph, render_page  # noqa: E402
from tests.viz_fixtures import synthetic_quads  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
CLICK_HUB = """() => new Promise((done) => {
    const hub = kgNodes.getIds().sort((a, b) => kgData.nodes[b].degree - kgData.nodes[a].degree)[0];
    const t0 = performance.now();
    kgNetwork.emit('click', {nodes: [hub], edges: []});
    kgNetwork.once('afterDrawing', () => done(performance.now() - t0));
    kgNetwork.redraw();
})"""


def time_page(page: Path, timeout_s: float = 120) -> dict[str, float | None]:
    """Milliseconds from navigation start to the first drawing and to interactive, then for a click on a hub."""
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
                tab.wait_for_function("window.kgInteractiveAt !== undefined", timeout=timeout_s * 1000, polling=50)
            except PlaywrightTimeout:
                return {"drawn": None, "interactive": None, "click": None}
            drawn, interactive = tab.evaluate("[window.kgReadyAt, window.kgInteractiveAt]")
            return {"drawn": drawn, "interactive": interactive, "click": tab.evaluate(CLICK_HUB)}
        finally:
            context.close()


def measure(n_nodes: int, ratio: float, baseline: bool) -> None:
    store = KGStore.in_memory(synthetic_quads(n_nodes, int(n_nodes * ratio)))
    started = time.perf_counter()
    graph = load_graph(store)
    html = render_page(graph)
    t_python = time.perf_counter() - started
    print(f"{graph.number_of_nodes():,} entities, {graph.number_of_edges():,} relations: page {len(html) / 1e6:.1f} MB,"
          f" python {t_python:.1f} s")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "graph.html"
        page.write_text(html, encoding="utf-8")
        ours = time_page(page)
        print(f"  first view of 100: drawn {ours['drawn']:.0f} ms, interactive {ours['interactive']:.0f} ms, "
              f"click on a hub {ours['click']:.0f} ms")  # fmt: skip
        if baseline:
            started = time.perf_counter()
            everything = render_page(graph, first=graph.number_of_nodes())
            page.write_text(everything, encoding="utf-8")
            print(f"  baseline, everything drawn at once (python {time.perf_counter() - started:.1f} s):", end=" ")
            base = time_page(page)
            if base["interactive"] is None:
                print("not interactive after 120 s")
            else:
                print(f"drawn {base['drawn']:.0f} ms, interactive {base['interactive']:.0f} ms, "
                      f"click {base['click']:.0f} ms; ratio baseline/ours (interactive) = "
                      f"{base['interactive'] / ours['interactive']:.1f}x")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000])
    parser.add_argument("--ratio", type=float, default=3.0, help="relations per entity")
    parser.add_argument("--no-baseline", action="store_true", help="skip the everything-drawn baseline")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} not found: install Debian's chromium package")
    for size in args.sizes:
        measure(size, args.ratio, not args.no_baseline)


if __name__ == "__main__":
    main()
