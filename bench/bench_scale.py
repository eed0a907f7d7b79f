"""Time per document and peak memory of ``kg build`` as the corpus grows (2,000, 10,000, 40,000 documents).

Each size is a generated corpus (``bench/corpus.py``, short articles by default, as news briefs are)
built from scratch by ``build_graph`` as ``kg build`` runs it (validation and HTML on) in a fresh
process, so that each size's peak RSS is its own. Targets: time per document at the largest size
within 20% of the smallest, peak RSS under 2 GB at 40,000.

Run: nice -n 10 .venv/bin/python bench/bench_scale.py --sizes 2000,10000,40000
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def build_once(count: int, min_words: int, max_words: int, scratch: Path) -> dict:
    """Child process: write the corpus, build it, report seconds and peak RSS as JSON."""
    sys.path.insert(0, str(ROOT))
    from bench.corpus import write_corpus
    from kg.build import build_graph

    corpus = write_corpus(scratch / "corpus", count, min_words=min_words, max_words=max_words)
    started, cpu = time.perf_counter(), time.process_time()
    report = build_graph([corpus], scratch / "out")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "documents": report.documents,
        "quads": report.triples,
        "violations": report.violations,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="2000,10000,40000", help="corpus sizes, in documents")
    parser.add_argument("--min-words", type=int, default=40)
    parser.add_argument("--max-words", type=int, default=120)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--scratch", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(build_once(args.child, args.min_words, args.max_words, args.scratch)))
        return
    rows = []
    columns = ("documents", 9), ("quads", 11), ("seconds", 9), ("ms/doc", 8), ("vs first", 9), ("CPU ms/doc", 11)
    print(" ".join(f"{name:>{width}}" for name, width in (*columns, ("vs first", 9), ("peak RSS", 10))))
    for size in (int(s) for s in args.sizes.split(",")):
        scratch = Path(tempfile.mkdtemp(prefix="kg-bench-scale-"))
        try:
            child = [sys.executable, __file__, "--child", str(size), "--scratch", str(scratch)]
            child += ["--min-words", str(args.min_words), "--max-words", str(args.max_words)]
            done = subprocess.run(child, capture_output=True, text=True)
            if done.returncode != 0:
                sys.exit(f"the build of {size} documents failed:\n{done.stderr}")
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        row = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append(row)
        per_doc = 1000 * row["seconds"] / row["documents"]
        first = 1000 * rows[0]["seconds"] / rows[0]["documents"]
        cpu_doc = 1000 * row["cpu_seconds"] / row["documents"]
        cpu_first = 1000 * rows[0]["cpu_seconds"] / rows[0]["documents"]
        print(
            f"{row['documents']:>9} {row['quads']:>11,} {row['seconds']:>9.1f} {per_doc:>8.1f} "
            f"{per_doc / first:>8.2f}x {cpu_doc:>11.1f} {cpu_doc / cpu_first:>8.2f}x {row['peak_mb']:>7.0f} MB",
            flush=True,
        )
    print("(wall time depends on the other jobs of the machine; CPU time is steadier)")
    print("targets: ms/doc within 1.20x of the first size; peak RSS < 2048 MB at 40,000 documents")


if __name__ == "__main__":
    main()
