"""The notebooks run top to bottom on the seed, without writing into the repository, and are committed clean."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
NAMES = ("explore.ipynb", "your_corpus.ipynb")

pytestmark = pytest.mark.model


def execute(name: str, out_dir, monkeypatch):
    """Run a notebook from notebooks/ (as Jupyter would) with its build outputs sent to ``out_dir``."""
    monkeypatch.setenv("KG_NOTEBOOK_OUT", str(out_dir))  # the kernel inherits this environment
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    # "python3" is ipykernel's own spec; jupyter_client starts it with this interpreter (sys.executable)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()
    return nb


def outputs_of(nb, mime: str) -> list[str]:
    """Every output of that type; printed text counts as text/plain."""
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and mime == "text/plain":
                found.append(output.get("text", ""))
            data = output.get("data", {}).get(mime)
            if data is not None:
                found.append(data if isinstance(data, str) else json.dumps(data))
    return found


def files_under(folder) -> set:
    return {p.relative_to(folder) for p in folder.rglob("*") if ".ipynb_checkpoints" not in p.parts}


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_committed_without_outputs(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)
    assert nb.metadata.kernelspec.name == "python3"


def test_explore_notebook_runs_and_answers(tmp_path, monkeypatch):
    repo_files = files_under(NOTEBOOKS)
    nb = execute("explore.ipynb", tmp_path / "out", monkeypatch)
    text = "\n".join(outputs_of(nb, "text/plain"))
    tables = "\n".join(outputs_of(nb, "text/html"))
    assert "Omar Balafrej -headOf-> Technopark" in text, text  # the connection path
    assert "no actor labelled 'Technoprak'" in text  # the unknown-label error, caught and shown
    assert "<table>" in tables and "Technopark" in tables
    assert "<iframe srcdoc=" in tables  # the interactive view, inlined so that it works offline
    assert "2 millions de dirhams" in tables and "Tibr Agri" in tables  # the funding table of examples/
    assert outputs_of(nb, "image/png"), "the matplotlib chart is missing"
    assert (tmp_path / "out" / "store").is_dir() and (tmp_path / "out" / "csv" / "nodes.csv").is_file()
    assert files_under(NOTEBOOKS) == repo_files  # nothing written next to the notebooks


def test_your_corpus_notebook_runs_on_the_default_folder(tmp_path, monkeypatch):
    repo_files = files_under(NOTEBOOKS)
    nb = execute("your_corpus.ipynb", tmp_path / "out", monkeypatch)
    text = "\n".join(outputs_of(nb, "text/plain"))
    assert "1 document(s) from 1 file(s)" in text, text
    assert "Technopark ->" in text  # the two most connected actors, linked by default
    assert outputs_of(nb, "image/png")
    assert (tmp_path / "out" / "graph.html").is_file()
    assert files_under(NOTEBOOKS) == repo_files


def test_kernel_runs_the_test_interpreter(tmp_path, monkeypatch):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import sys; print(sys.executable)")])
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert nb.cells[0].outputs[0]["text"].strip() == sys.executable
