"""The command line: every command documents itself; bad input fails cleanly."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from kg.cli import app

runner = CliRunner()


def command_names() -> list[str]:
    import typer.main

    group = typer.main.get_command(app)
    return sorted(group.commands)


def test_top_level_help_shows_an_example():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0 and "kg build seeds/ --out out/" in result.output


@pytest.mark.parametrize("name", command_names())
def test_every_command_has_help_with_an_example(name):
    result = runner.invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output and f"kg {name}" in result.output


def test_build_on_a_missing_path_fails_before_any_work(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "kg.cli", "build", str(tmp_path / "absent"), "--out", str(out)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "absent" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()


def test_query_on_a_folder_without_store_names_it(tmp_path):
    result = runner.invoke(app, ["query", "SELECT * WHERE { ?s ?p ?o }", "--store", str(tmp_path)])
    assert result.exit_code == 2 and str(tmp_path) in result.output


def test_query_syntax_error_gives_position_and_code_2(seed_out):
    result = runner.invoke(app, ["query", "SELECT ?x WHERE { ?x ekg:operates }", "--store", str(seed_out)])
    assert result.exit_code == 2
    assert "line 1" in result.output and "Traceback" not in result.output


def test_build_skips_bad_files_and_reports_them(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "ok.txt").write_text(
        "La société Dar Tawfir, dirigée par Hind Sqalli, s'est installée à Marrakech.", encoding="utf-8"
    )
    (src / "blob.txt").write_bytes(b"\x00\xff\x00binary")
    (src / "vide.txt").write_bytes(b"")
    result = runner.invoke(app, ["build", str(src), "--out", str(tmp_path / "out"), "--no-html"])
    assert result.exit_code == 0, result.output
    assert "blob.txt" in result.output and "vide.txt" in result.output
    assert "2 skipped" in result.output


def test_ask_queries_answer_true_or_false(seed_out, seed_store):
    assert seed_store.query("ASK { ?o ekg:operates ?s }") == [{"ask": True}]
    result = runner.invoke(app, ["query", "ASK { ?o ekg:acquires ?s }", "--store", str(seed_out)])
    assert result.exit_code == 0 and result.output.strip() == "false"
    result = runner.invoke(app, ["query", "ASK { ?o ekg:operates ?s }", "--store", str(seed_out), "--format", "json"])
    assert json.loads(result.output) == {"head": {}, "boolean": True}
