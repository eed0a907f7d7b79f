"""Build time and peak memory of one long text: 10 KB, 1 MB and 10 MB, per character against the 10 KB one.

The text is one plain-text file made of the synthetic articles of ``bench/corpus.py`` (our own
templates) one after another, paragraphs separated by line breaks, so it is a single document
that ingest cuts into bounded segments (``kg.ingest.MAX_SEGMENT_CHARS``). Each size is built in
a fresh process (so each peak memory is its own) with the model loaded before timing; HTML and
SHACL validation are off (they depend on the graph, not on the text's length).

The target (issue 14): seconds per character of the 1 MB and 10 MB builds within 2x of the 10 KB one.

Example: .venv/bin/python bench/bench_long_text.py --sizes 10000,1000000,10000000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus import generate  # noqa: E402


def long_text(chars: int, seed: int = 11) -> str:
    """About ``chars`` characters of articles, one after another."""
    parts, total, batch = [], 0, 0
    while total < chars:
        for text in generate(200, seed=seed + batch):
            parts.append(text)
            total += len(text) + 1
            if total >= chars:
                break
        batch += 1
    return "\n".join(parts)[:chars]


def build_one(chars: int) -> dict:
    """In this process: write the text, load the model, time the build."""
    from kg.build import build_graph
    from kg.nlp import load_pipeline

    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "long.txt"
        source.write_text(long_text(chars), encoding="utf-8")
        load_pipeline()
        base_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started, cpu = time.perf_counter(), time.process_time()
        report = build_graph([source], Path(folder) / "out", write_html=False, validate=False, use_cache=False)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "chars": chars,
        "seconds": seconds,
        "cpu": cpu,
        "peak_mb": peak_mb,
        "model_mb": base_mb,
        "sentences": report.sentences,
        "triples": report.triples,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,1000000,10000000", help="Text sizes in characters.")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # the child process: one size
    args = parser.parse_args()
    if args.one:
        print(json.dumps(build_one(args.one)))
        return
    results = []
    for chars in (int(s) for s in args.sizes.split(",")):
        run = subprocess.run([sys.executable, __file__, "--one", str(chars)], capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit(f"the {chars:,}-character build failed:\n{run.stderr[-2000:]}")
        results.append(json.loads(run.stdout.strip().splitlines()[-1]))
    base = results[0]
    per_char = base["cpu"] / base["chars"]
    print(f"{'characters':>12} {'wall s':>9} {'CPU s':>9} {'µs/char':>9} {'ratio':>6} {'peak MB':>8} {'sentences':>9}")
    for r in results:
        ratio = (r["cpu"] / r["chars"]) / per_char
        print(
            f"{r['chars']:>12,} {r['seconds']:>9.1f} {r['cpu']:>9.1f} {1e6 * r['cpu'] / r['chars']:>9.1f} "
            f"{ratio:>6.2f} {r['peak_mb']:>8.0f} {r['sentences']:>9,}"
        )
    print(
        f"(ratio: CPU time per character against the {base['chars']:,}-character text; target <= 2.0; "
        f"peak MB includes the model, {base['model_mb']:.0f} MB)"
    )


if __name__ == "__main__":
    main()
