"""``kg build`` on hostile inputs: every bad file is a named, counted skip; the summary is printed as written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kg.store import KGStore

pytestmark = pytest.mark.model

KG = Path(sys.executable).parent / "kg"
SENTENCE = "La société Argana Data, dirigée par Nadia Skalli, a ouvert un bureau à Tiznit."


def test_hostile_inputs_give_named_skips_and_no_traceback(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "[green]lu.txt").write_text(SENTENCE, encoding="utf-8")
    (src / "emoji:smile:.txt").write_text("")
    with open(os.path.join(os.fsencode(src), b"caf\xe9.txt"), "wb") as fh:
        fh.write("Le groupe Menara Santé investit à Meknès avec la région.".encode())
    os.mkfifo(src / "flux.txt")
    (src / "[bold red]vide.txt").write_text("\u200b\ufeff\n-\n")
    records = [
        {"text": "La fondation Amlal Conseil lance un programme à Ifrane.", "date": "[/red]"},
        {"text": "La startup Zagora Mobilité s'installe à Oujda \ud800.", "date": 1e20},
        {"text": "Le fonds Anfa Capital soutient la société Souss Énergies.", "title": ["a"]},
    ]
    lines = [json.dumps(r) for r in records] + ["[" * 50_000 + "]" * 50_000]
    (src / "news.jsonl").write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    inputs = [str(src), str(src / "flux.txt"), "/dev/zero"]
    wide = {**os.environ, "COLUMNS": "400"}  # rich wraps messages at the terminal width
    command = [str(KG), "build", *inputs, "--out", str(out)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=600, env=wide)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "Traceback" not in output
    # rich markup and emoji codes in names and dates are shown as written
    assert "unreadable date '[/red]'" in output and "[bold red]vide.txt: no text" in output
    assert "emoji:smile:.txt: empty file" in output
    assert "flux.txt: not a regular file" in output and "/dev/zero: not a regular file" in output
    assert "news.jsonl:4: JSON nested too deeply" in output
    documents = KGStore.open(out).query("SELECT ?s WHERE { ?d <http://purl.org/dc/terms/source> ?s }")
    sources = {Path(r["s"]).name for r in documents}
    assert {"[green]lu.txt", "caf\\xe9.txt"} <= sources
    assert sum(1 for s in sources if s.startswith("news.jsonl:")) == 3
    summary = next(line for line in run.stdout.splitlines() if line.strip().startswith("documents"))
    assert "5 skipped" in summary


def test_out_naming_a_file_is_exit_2_with_its_name(tmp_path):
    (tmp_path / "a.txt").write_text(SENTENCE)
    (tmp_path / "not-a-folder").write_text("x")
    run = subprocess.run(
        [str(KG), "build", str(tmp_path / "a.txt"), "--out", str(tmp_path / "not-a-folder")],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "400"},
    )
    assert run.returncode == 2 and "not-a-folder: is a file, not a folder" in run.stderr
    assert "Traceback" not in run.stderr
