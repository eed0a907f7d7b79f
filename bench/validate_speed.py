"""What SHACL validation adds to a build: the seed built with and without it, in this process.

Run: .venv/bin/python bench/validate_speed.py [PATHS...]   (default: seeds/)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from kg.build import build_graph
from kg.store import KGStore
from kg.validate import validate_graph

ROUNDS = 3
COPIES = 10  # the seed's graph repeated under new IRIs, to see how validation grows with the data


def renamed(term, n: int):
    if isinstance(term, ox.NamedNode) and "/ecosystem-kg/id/" in term.value:
        return ox.NamedNode(f"{term.value}-{n}")
    return term


def copies(quads: list, count: int) -> list:
    return [
        ox.Quad(renamed(q.subject, n), q.predicate, renamed(q.object, n), renamed(q.graph_name, n))
        for n in range(1, count + 1)
        for q in quads
    ]


def best_build(paths, validate: bool) -> float:
    times = []
    for _ in range(ROUNDS):
        with tempfile.TemporaryDirectory() as out:
            started = time.perf_counter()
            build_graph(paths, out, write_html=False, validate=validate)
            times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    paths = [Path(p) for p in sys.argv[1:]] or [Path(__file__).resolve().parents[1] / "seeds"]
    build_graph(paths, tempfile.mkdtemp(), write_html=False, validate=True)  # warm the model
    baseline = best_build(paths, validate=False)
    validated = best_build(paths, validate=True)
    with tempfile.TemporaryDirectory() as out:
        build_graph(paths, out, write_html=False, validate=False)
        quads = KGStore.open(out).quads()
    started = time.perf_counter()
    report = validate_graph(quads)
    alone = time.perf_counter() - started
    print(f"quads: {len(quads)}, violations: {report.count}")
    print(f"build without validation: {baseline:.2f} s (baseline)")
    print(f"build with validation:    {validated:.2f} s (x{validated / baseline:.2f})")
    print(f"validation alone:         {alone:.2f} s ({alone / baseline:.0%} of the baseline build)")
    bigger = copies(quads, COPIES)
    started = time.perf_counter()
    report = validate_graph(bigger)
    scaled = time.perf_counter() - started
    print(
        f"validation of {len(bigger)} quads ({COPIES} renamed copies): {scaled:.2f} s (x{scaled / alone:.1f}), "
        f"violations: {report.count}"
    )


if __name__ == "__main__":
    main()
