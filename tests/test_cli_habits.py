"""Habits users expect of a command: --version, python -m kg, exit codes in --help, fast start without spaCy."""

from __future__ import annotations

import subprocess
import sys

import pytest

import kg

PY = sys.executable


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PY, *args], capture_output=True, text=True, timeout=120)


def test_version_and_python_dash_m():
    assert run("-m", "kg", "--version").stdout.strip() == f"kg {kg.__version__}"
    helped = run("-m", "kg", "--help")
    assert helped.returncode == 0 and "Usage: kg " in helped.stdout
    flat = " ".join(helped.stdout.split())
    assert "Exit codes: 0 ok; 1 findings" in flat and "2 usage or input error" in flat


def test_quiet_and_verbose_together_are_a_usage_error():
    result = run("-m", "kg", "-q", "-v", "query", "ASK {}")
    assert result.returncode == 2 and "choose one of --quiet and --verbose" in result.stderr


def test_import_kg_loads_no_spacy():
    code = "import sys, kg; kg.open_store; kg.KGStore; print('spacy' in sys.modules)"
    assert run("-c", code).stdout.strip() == "False"


@pytest.mark.model
@pytest.mark.parametrize(
    "command",
    [
        ["query", "ASK {}", "--store"],
        ["stats"],
        ["export", "--format", "csv", "--out", "{tmp}/csv"],
        ["viz", "--out", "{tmp}/page.html"],
        ["validate"],
    ],
)
def test_commands_on_a_built_graph_import_no_spacy(seed_out, tmp_path, command):
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    if args[0] == "query":
        args.append(str(seed_out))
    else:
        args.insert(1, str(seed_out))
    result = run("-X", "importtime", "-m", "kg", *args)
    assert result.returncode == 0, result.stderr[-2000:]
    imported = {line.split("|")[-1].strip().split(".")[0] for line in result.stderr.splitlines() if "|" in line}
    assert "kg" in imported and "spacy" not in imported and "thinc" not in imported
