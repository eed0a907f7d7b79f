"""A build stopped part-way (Ctrl-C, then a hard kill) leaves the previous outputs whole and usable."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.corpus import write_corpus
from kg.build import build_graph
from kg.cache import CACHE_DIR, CACHE_FILE, AnalysisCache
from kg.store import KGStore

pytestmark = pytest.mark.model

KG = Path(sys.executable).parent / "kg"
OUTPUTS = {"graph.trig", "graph.ttl", "graph.html", "store"}
FIRST = (
    "Oasia Agro s'implante à Meknès\n"
    "Oasia Agro, dirigée par Samira Kettani, a ouvert un centre de recherche à Meknès. "
    "La société a signé un partenariat avec Atlasia Capital."
)


def _sigint_default() -> None:
    """Ctrl-C as a terminal sends it: a shell's background job (as in 'make test &') starts with SIGINT ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def analysed_count(out: Path) -> int:
    """Analyses committed to the cache so far (the build's progress, as a reader sees it)."""
    try:
        with sqlite3.connect(f"file:{out / CACHE_DIR / CACHE_FILE}?mode=ro", uri=True, timeout=5) as db:
            return db.execute("SELECT COUNT(*) FROM analyses").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet, or busy for an instant
        return 0


def start_build_and_stop(inputs: list[Path], out: Path, sig: int, progress_over: int) -> int:
    """Run ``kg build`` in a subprocess; send ``sig`` once more than ``progress_over`` analyses are committed."""
    proc = subprocess.Popen(
        [str(KG), "build", *map(str, inputs), "--out", str(out), "--no-validate"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=_sigint_default,
    )
    try:
        deadline = time.monotonic() + 300
        while analysed_count(out) <= progress_over:
            assert proc.poll() is None, f"the build ended before it could be interrupted: {proc.stderr.read()!r}"
            assert time.monotonic() < deadline, "the build made no progress in 300 s"
            time.sleep(0.2)
        proc.send_signal(sig)
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode


def snapshot(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in ("graph.trig", "graph.ttl", "graph.html")}


def labels(out: Path) -> set[str]:
    return {r["l"] for r in KGStore.open(out).query("SELECT ?l WHERE { ?e rdfs:label ?l }")}


def test_interrupted_builds_keep_the_previous_outputs(nlp, tmp_path):
    small, big, out = tmp_path / "small", tmp_path / "big", tmp_path / "out"
    small.mkdir()
    (small / "oasia.txt").write_text(FIRST, encoding="utf-8")
    build_graph([small], out, validate=False)
    before, before_labels = snapshot(out), labels(out)
    assert "Oasia Agro" in before_labels
    write_corpus(big, 400, seed=11)

    code = start_build_and_stop([small, big], out, signal.SIGINT, progress_over=1)
    assert code != 0
    after_ctrl_c = analysed_count(out)
    assert after_ctrl_c > 1  # the analyses finished before Ctrl-C are kept for the next run
    assert snapshot(out) == before and labels(out) == before_labels

    code = start_build_and_stop([small, big], out, signal.SIGKILL, progress_over=after_ctrl_c)
    assert code == -signal.SIGKILL
    assert snapshot(out) == before
    store = KGStore.open(out)
    assert store.path == out / "store"
    assert labels(out) == before_labels
    visible = {p.name for p in out.iterdir() if not p.name.startswith(".")}
    assert visible == OUTPUTS  # side files of the killed build are hidden, never taken for outputs
    cache = AnalysisCache(out)  # the cache survived the kill and still opens
    assert [d.source for d in cache.members()] == [f"{small.name}/oasia.txt"]
    cache.close()


def test_a_store_set_aside_by_a_cut_short_swap_is_used_and_restored(nlp, tmp_path):
    out = tmp_path / "out"
    (tmp_path / "in.txt").write_text(FIRST, encoding="utf-8")
    build_graph([tmp_path / "in.txt"], out, validate=False, write_html=False)
    dead_pid = 2**22 + 1  # above Linux's pid_max: no live process has it
    os.replace(out / "store", out / f".store-old-{dead_pid}")  # killed between the two renames of the swap
    assert "Oasia Agro" in labels(out)
    build_graph([tmp_path / "in.txt"], out, validate=False, write_html=False)
    assert (out / "store").is_dir() and not list(out.glob(".store-*"))
    assert "Oasia Agro" in labels(out)
