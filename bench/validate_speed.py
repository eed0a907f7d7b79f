"""SHACL validation engines on the same graph, in this process: pyshacl, pyshacl-turbo, and the check by parts.

The graph is what ``kg build PATHS`` writes (validation off), then the same graph repeated under new
IRIs (``--copies``) to see how each check grows with the data. Every check must find the same violations.

- ``pyshacl``: the reference engine, the whole union graph at once (skipped past ``--pyshacl-max`` quads);
- ``turbo full``: pyshacl-turbo (Rust), the whole union graph at once (``kg validate``, ``--validate full``);
- ``turbo parts``: :func:`kg.validate.validate_parts`, a few documents at a time (``kg build``'s default).

Run: .venv/bin/python bench/validate_speed.py [PATHS...] [--copies 1,10,40]   (default: seeds/)
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from kg.build import build_graph
from kg.store import KGStore
from kg.validate import validate_graph, validate_parts


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


def timed(check, quads):
    started = time.perf_counter()
    report = check(quads)
    return time.perf_counter() - started, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, default=[Path(__file__).resolve().parents[1] / "seeds"])
    parser.add_argument("--copies", default="1,10,40", help="sizes to check, as copies of the built graph")
    parser.add_argument("--pyshacl-max", type=int, default=150_000, help="largest graph (quads) given to pyshacl")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as out:
        build_graph(args.paths, out, write_html=False, validate=False, use_cache=False)
        quads = KGStore.open(out).quads()
    checks = {
        "pyshacl": lambda q: validate_graph(q, engine="pyshacl"),
        "turbo full": lambda q: validate_graph(q, engine="turbo"),
        "turbo parts": validate_parts,
    }
    print(f"{'quads':>9} " + " ".join(f"{name:>22}" for name in checks) + "  violations")
    for count in (int(c) for c in args.copies.split(",")):
        data = copies(quads, count) if count > 1 else quads
        times, reports = {}, {}
        for name, check in checks.items():
            if name == "pyshacl" and len(data) > args.pyshacl_max:
                continue
            times[name], reports[name] = timed(check, data)
        base = times.get("pyshacl")
        cells = [
            f"{times[n]:8.2f} s" + (f" (x{base / times[n]:5.1f})" if base and n in times else " " * 9)
            if n in times
            else f"{'-':>22}"
            for n in checks
        ]
        same = len({r for r in reports.values()}) == 1
        counts = reports["turbo full"].count
        print(f"{len(data):>9} " + " ".join(f"{c:>22}" for c in cells) + f"  {counts}{'' if same else ' DIFFER'}")
    print("(x N: times faster than pyshacl on the same graph in this run)")
    print(f"peak memory (ru_maxrss): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
