"""Start-up time of commands that need no spaCy: ``kg query "ASK {}"`` next to ``python -c pass``, same run.

Also lists the heaviest imports of ``kg query`` (``python -X importtime``) and checks that spaCy is not among them.

Run: .venv/bin/python bench/bench_startup.py [--rounds N]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from kg.store import write_outputs


def tiny_store(folder: Path) -> Path:
    """An output folder with a one-triple store: start-up is what is measured, not the query."""
    s = ox.NamedNode("https://w3id.org/ecosystem-kg/id/entity/Demo")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    write_outputs([ox.Quad(s, label, ox.Literal("Démo"), ox.DefaultGraph())], folder)
    return folder


def best_of(command: list[str], rounds: int) -> tuple[float, float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times)


def heaviest_imports(command: list[str], top: int = 8) -> tuple[list[tuple[int, str]], bool]:
    stderr = subprocess.run(command, check=True, capture_output=True, text=True).stderr
    rows = []
    for line in stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)", line)
        if m and len(m.group(2)) <= 2:  # top-level imports only
            rows.append((int(m.group(1)), m.group(3)))
    return sorted(rows, reverse=True)[:top], "spacy" in {name.split(".")[0] for _, name in rows} or "spacy" in stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        store = tiny_store(Path(tmp))
        query = [python, "-m", "kg", "query", "ASK {}", "--store", str(store)]
        base_best, base_median = best_of([python, "-c", "pass"], args.rounds)
        kg_best, kg_median = best_of(query, args.rounds)
        version_best, _ = best_of([python, "-m", "kg", "--version"], args.rounds)
        imports, spacy_loaded = heaviest_imports([python, "-X", "importtime", *query[1:]])
    print(f"python -c pass        best {base_best:.3f} s  median {base_median:.3f} s")
    print(f'kg query "ASK {{}}"     best {kg_best:.3f} s  median {kg_median:.3f} s  ({kg_best / base_best:.0f}x pass)')
    print(f"kg --version          best {version_best:.3f} s")
    print(f"spaCy imported by kg query: {'YES' if spacy_loaded else 'no'}")
    print("heaviest top-level imports of kg query (cumulative):")
    for micros, name in imports:
        print(f"  {micros / 1000:7.1f} ms  {name}")


if __name__ == "__main__":
    main()
