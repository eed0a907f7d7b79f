"""Do two versions of kg build the same graphs? Builds a few corpora and writes, per corpus, the build's
N-Quads (sorted) and the digests of graph.trig and graph.ttl; ``--against`` compares with a folder an
earlier version wrote.

Corpora: ``seeds/``, ``examples/``, the seeds read twice (a duplicate), a generated corpus
(``bench/corpus.py``), a build with ``--add`` and a ``kg remove``, and the first POPCORN texts when
``--popcorn`` is there. Run it on the old code, then on the new:

    .venv/bin/python bench/compare_outputs.py --write /tmp/before
    .venv/bin/python bench/compare_outputs.py --write /tmp/after --against /tmp/before
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_build import write_json_texts  # noqa: E402
from bench.corpus import write_corpus  # noqa: E402

POPCORN = ROOT.parent / "shared" / "datasets" / "popcorn" / "train.json"


def snapshot(out: Path, report) -> dict[str, bytes]:
    """What a build wrote, as comparable files: sorted N-Quads, the files' digests and the report's counts."""
    import pyoxigraph as ox

    from kg.store import KGStore

    quads = KGStore.open(out).quads()
    lines = sorted(ox.serialize(quads, format=ox.RdfFormat.N_QUADS).decode("utf-8").splitlines())
    digests = [
        f"{name} {hashlib.sha256((out / name).read_bytes()).hexdigest()}" for name in ("graph.trig", "graph.ttl")
    ]
    counts = [
        f"documents {report.documents}",
        f"triples {report.triples}",
        f"violations {report.violations}",
        f"duplicates {report.duplicates}",
        f"entities {sorted(report.entities_by_class.items())}",
        f"relations {sorted(report.relations_by_predicate.items())}",
        f"per_document {[(d.source, d.sentences, d.mentions, d.claims) for d in report.per_document]}",
    ]
    return {"quads.nq": ("\n".join(lines) + "\n").encode(), "files.txt": "\n".join(digests + counts).encode()}


def builds(scratch: Path, popcorn: Path):
    """(name, output folder, report) of each corpus built."""
    from kg.build import build_graph, remove_documents

    yield "seeds", scratch / "seeds", build_graph([ROOT / "seeds"], scratch / "seeds")
    yield "examples", scratch / "examples", build_graph([ROOT / "examples"], scratch / "examples")
    twice = scratch / "twice"
    for copy in ("a", "b"):
        shutil.copytree(ROOT / "seeds", twice / copy)
    yield "seeds-twice", scratch / "twice-out", build_graph([twice], scratch / "twice-out")
    generated = write_corpus(scratch / "generated", 300, min_words=40, max_words=160)
    yield "generated", scratch / "generated-out", build_graph([generated], scratch / "generated-out")
    build_graph([ROOT / "seeds"], scratch / "added")
    yield "added", scratch / "added", build_graph([ROOT / "examples"], scratch / "added", add=True)
    yield "removed", scratch / "added", remove_documents(scratch / "added", ["examples"])
    if popcorn.exists():
        texts = write_json_texts(popcorn, scratch / "popcorn", 150)
        yield "popcorn", scratch / "popcorn-out", build_graph([texts], scratch / "popcorn-out")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", type=Path, required=True, help="folder for this version's snapshots")
    parser.add_argument("--against", type=Path, help="folder of another version's snapshots, to compare")
    parser.add_argument("--popcorn", type=Path, default=POPCORN, help="POPCORN's train.json (skipped if absent)")
    args = parser.parse_args()
    args.write.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kg-compare-") as scratch:
        for name, out, report in builds(Path(scratch), args.popcorn):
            for file, data in snapshot(out, report).items():
                (args.write / f"{name}.{file}").write_bytes(data)
            print(f"{name}: {report.documents} documents, {report.triples:,} quads", flush=True)
    if args.against is None:
        return
    differing = [p.name for p in sorted(args.against.iterdir()) if (args.write / p.name).read_bytes() != p.read_bytes()]
    print("same outputs" if not differing else f"DIFFERENT: {', '.join(differing)}")
    sys.exit(1 if differing else 0)


if __name__ == "__main__":
    main()
