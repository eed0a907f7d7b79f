"""20 writes of two contents killed at random moments: whatever the manifest vouches for is what is on disk."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox

from kg.store import (
    KGStore,
    build_lock,
    current_outputs,
    forget_outputs,
    quads_digest,
    record_outputs,
    write_outputs,
)

WRITER = "import sys; from tests.test_converge_kill import write_until_killed; write_until_killed(sys.argv[1])"
ROOT = Path(__file__).resolve().parents[1]


def _sigint_default() -> None:
    """Ctrl-C as a terminal sends it: a shell's background job (as in 'make test &') starts with SIGINT ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def write_until_killed(out: str) -> None:
    """What build_graph does when it writes, alternating two corpora, until killed (in a child process)."""
    out = Path(out)
    print("ready", flush=True)
    while True:
        for quads in (corpus("a", 1000), corpus("b", 600)):
            with build_lock(out):
                forget_outputs(out)
                outputs = write_outputs(quads, out)
                record_outputs(out, quads_digest(quads), outputs, None)
            time.sleep(0.2)  # a real build reads and analyses between two writes


def corpus(tag: str, n: int) -> list[ox.Quad]:
    g = ox.NamedNode(f"https://w3id.org/ecosystem-kg/id/doc/{tag}")
    return [
        ox.Quad(
            ox.NamedNode(f"https://example.org/{tag}{i}"), ox.NamedNode("https://example.org/p"), ox.Literal(str(i)), g
        )
        for i in range(n)
    ]


def test_random_kills_never_leave_outputs_the_manifest_misdescribes(tmp_path):
    contents = {tag: corpus(tag, n) for tag, n in (("a", 1000), ("b", 600))}
    rng = random.Random(14)
    vouched = 0
    for run in range(20):
        out = tmp_path / f"run{run % 2}"  # reuse folders: leftovers of earlier kills must be handled too
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(out)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            preexec_fn=_sigint_default,
        )
        assert writer.stdout.readline() == b"ready\n"
        time.sleep(rng.uniform(0.0, 1.5))
        writer.send_signal(rng.choice([signal.SIGKILL, signal.SIGINT]))
        writer.wait(timeout=30)
        writer.stdout.close()
        for quads in contents.values():
            if current_outputs(out, quads_digest(quads), html=False) is None:
                continue  # a build would rewrite everything
            vouched += 1
            trig = ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes={})
            on_disk = list(ox.parse((out / "graph.trig").read_bytes(), format=ox.RdfFormat.TRIG))
            assert sorted(map(str, on_disk)) == sorted(map(str, ox.parse(trig, format=ox.RdfFormat.TRIG)))
            assert len(KGStore.open(out)) == len(quads)
    assert vouched > 0  # some kills fell between two complete writes
