"""What a build into --out holds: exactly its documents, more with --add, fewer with kg remove; sources canonical."""

from __future__ import annotations

import os

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

import kg.distributed
from kg.build import BuildError, build_graph, remove_documents
from kg.cli import app
from kg.store import KGStore

pytestmark = pytest.mark.model

FIRST = {
    "safran.txt": "La société Safran Nord, dirigée par Leila Amrani, a ouvert un atelier à Kénitra.",
    "ziz.txt": "Ziz Agritech, basée à Errachidia, a signé un partenariat avec la Banque Populaire.",
}
SECOND = {
    "oasis.txt": "Hamza Idrissi, directeur général de Oasis Cloud, annonce un centre de données à Benguerir.",
}


def write(folder, texts):
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def sources(out) -> list[str]:
    rows = KGStore.open(out).query("SELECT ?s WHERE { ?d a ekg:Document ; dcterms:source ?s }")
    return sorted(r["s"] for r in rows)


def quads(out) -> set[str]:
    return {str(q) for q in ox.parse((out / "graph.trig").read_bytes(), format=ox.RdfFormat.TRIG)}


def build(paths, out, **options):
    return build_graph(paths, out, write_html=False, validate=False, **options)


@pytest.fixture
def corpora(tmp_path):
    return write(tmp_path / "a", FIRST), write(tmp_path / "b", SECOND)


def test_two_builds_into_one_folder_give_the_second_corpus_only(nlp, corpora, tmp_path):
    a, b = corpora
    out = tmp_path / "out"
    build([a], out)
    report = build([b], out)
    assert sources(out) == ["b/oasis.txt"]
    assert report.documents == 1
    assert report.changes.added == ("b/oasis.txt",)
    assert report.changes.removed == ("a/safran.txt", "a/ziz.txt")


def test_add_keeps_the_earlier_documents_and_remove_takes_them_out(nlp, corpora, tmp_path, monkeypatch):
    a, b = corpora
    out = tmp_path / "out"
    build([a], out)
    added = build([b], out, add=True)
    assert added.documents == 3 and added.changes.added == ("b/oasis.txt",) and not added.changes.removed
    assert sources(out) == ["a/safran.txt", "a/ziz.txt", "b/oasis.txt"]
    with_all = len(KGStore.open(out))
    fresh = tmp_path / "fresh"
    assert build([a, b], fresh).triples == added.triples
    assert quads(out) == quads(fresh)  # --add gives the graph a build of both corpora gives
    kept = tmp_path / "kept"
    build([a / "safran.txt", b / "oasis.txt"], kept)  # what should remain after removing a/ziz.txt

    def no_nlp(*args, **kwargs):
        raise AssertionError("kg remove must not run the NLP: every remaining document is cached")

    monkeypatch.setattr(kg.distributed, "load_pipeline", no_nlp)
    removed = remove_documents(out, ["a/ziz.txt"], write_html=False, validate=False)
    assert removed.documents == 2 and removed.changes.removed == ("a/ziz.txt",)
    assert sources(out) == ["a/safran.txt", "b/oasis.txt"]
    assert len(KGStore.open(out)) < with_all
    assert quads(out) == quads(kept)  # removing gives the graph of the remaining documents, triple for triple
    labels = {r["l"] for r in KGStore.open(out).query("SELECT ?l WHERE { ?e rdfs:label ?l }")}
    assert "Ziz Agritech" not in labels and "Oasis Cloud" in labels
    # by document IRI too
    iri = KGStore.open(out).query("SELECT ?d WHERE { ?d dcterms:source 'b/oasis.txt' }")[0]["d"]
    assert remove_documents(out, [iri], write_html=False, validate=False).documents == 1
    assert sources(out) == ["a/safran.txt"]


def test_removing_an_unknown_document_says_so_and_changes_nothing(nlp, corpora, tmp_path):
    a, _ = corpora
    out = tmp_path / "out"
    build([a], out)
    with pytest.raises(BuildError, match="no document matches 'a/nope.txt'.*a/safran.txt"):
        remove_documents(out, ["a/nope.txt"], write_html=False, validate=False)
    assert sources(out) == ["a/safran.txt", "a/ziz.txt"]


def test_the_same_files_from_another_working_directory_are_the_same_sources(nlp, corpora, tmp_path, monkeypatch):
    a, _ = corpora
    out = tmp_path / "out"
    monkeypatch.chdir(tmp_path)
    build(["a"], "out")
    monkeypatch.chdir(a)
    report = build(["."], os.path.join("..", "out"))
    assert report.duplicates == 0 and not report.changes
    assert sources(out) == ["a/safran.txt", "a/ziz.txt"]


def test_a_non_empty_folder_that_is_not_a_kg_output_is_refused(corpora, tmp_path):
    a, _ = corpora
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "todo.md").write_text("à faire", encoding="utf-8")
    with pytest.raises(BuildError, match="notes: not empty .*todo.md.* not the output of kg build"):
        build([a], notes)
    assert sorted(p.name for p in notes.iterdir()) == ["todo.md"]


def test_cli_build_add_and_remove_print_what_changed(nlp, corpora, tmp_path):
    a, b = corpora
    out = tmp_path / "out"
    runner = CliRunner()
    first = runner.invoke(app, ["build", str(a), "--out", str(out), "--no-html", "--no-validate"])
    assert first.exit_code == 0, first.output
    assert "+ a/safran.txt" in first.output and "2 added, 0 removed, 0 replaced" in first.output
    added = runner.invoke(app, ["build", "--add", str(b), "--out", str(out), "--no-html", "--no-validate"])
    assert "+ b/oasis.txt" in added.output and "1 added, 0 removed" in added.output
    gone = runner.invoke(app, ["remove", "b/oasis.txt", "--out", str(out), "--no-html", "--no-validate"])
    assert gone.exit_code == 0 and "- b/oasis.txt" in gone.output
    unknown = runner.invoke(app, ["remove", "zzz.txt", "--out", str(out)])
    assert unknown.exit_code == 2 and "no document matches 'zzz.txt'" in " ".join(unknown.output.split())
    quiet = runner.invoke(app, ["-q", "build", str(a), "--out", str(out), "--no-html", "--no-validate"])
    assert quiet.exit_code == 0 and quiet.output.strip() == ""
    verbose = runner.invoke(app, ["-v", "build", str(a), "--out", str(out), "--no-html", "--no-validate"])
    assert "a/ziz.txt: 1 sentences" in verbose.output


def test_a_build_into_a_folder_of_its_corpus_does_not_read_its_own_outputs(nlp, corpora, tmp_path):
    a, _ = corpora
    build([a], a / "out")
    (a / "out" / "graph.html").write_text("<html><body>" + "Une page de kg. " * 20 + "</body></html>")
    again = build([a], a / "out")
    assert again.files == 2 and sources(a / "out") == ["a/safran.txt", "a/ziz.txt"]
