"""kg eval: gold loading, matching rules, score arithmetic, and the real pipeline on a small gold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.eval import (
    KG_GROUPS,
    POPCORN_GROUPS,
    Gold,
    GoldDocument,
    GoldEntity,
    GoldError,
    GoldRelation,
    Predicted,
    PredictedDocument,
    Score,
    evaluate,
    format_report,
    is_named,
    load_gold,
    run_eval,
)
from kg.model import Claim, Entity, Fact, Mention

GOLD_SMALL = Path(__file__).parent / "data" / "gold_small.json"
CLASSES = ("Organization", "Person", "Place")


def _gold(entities, relations=(), groups=KG_GROUPS, ignored=frozenset()) -> Gold:
    doc = GoldDocument("d1", "texte", tuple(entities), tuple(relations), frozenset(ignored))
    return Gold("toy", "kg", (doc,), CLASSES, groups)


def _fact(subject: Entity, predicate: str, obj: Entity, rule: str = "toy-rule") -> Fact:
    m = Mention("h", 0, 1, subject.label, subject.cls)
    claim = Claim(m, predicate, m, "h", "Une phrase inventée.", 0, 20, rule, 0.9)
    return Fact(subject.entity_id, predicate, obj.entity_id, claim)


def _predicted(entities, facts=()) -> Predicted:
    return Predicted((PredictedDocument("d1", tuple(entities), tuple(facts)),))


def _row(scores, name) -> Score:
    return next(s for s in scores if s.name == name)


ATLAS = GoldEntity("Atlas Sensing", "Organization")
AGENCE = GoldEntity("Agence de l'Énergie Durable", "Organization", ("AED",))
KARIM = GoldEntity("Karim Bennani", "Person")


def test_reversed_symmetric_relation_still_matches():
    gold = _gold([ATLAS, AGENCE], [GoldRelation("Atlas Sensing", "partnerOf", "Agence de l'Énergie Durable")])
    a, b = Entity("a", "Atlas Sensing", "Organization"), Entity("b", "AED", "Organization")
    report = evaluate(gold, _predicted([a, b], [_fact(b, "partnerOf", a)]))
    assert _row(report.relations, "partnerOf") == Score("partnerOf", tp=1, fp=0, fn=0)


def test_reversed_directed_relation_is_missed_and_spurious():
    gold = _gold([KARIM, ATLAS], [GoldRelation("Karim Bennani", "headOf", "Atlas Sensing")])
    k, a = Entity("k", "Karim Bennani", "Person"), Entity("a", "Atlas Sensing", "Organization")
    report = evaluate(gold, _predicted([k, a], [_fact(a, "headOf", k, rule="role-copula")]))
    assert _row(report.relations, "headOf") == Score("headOf", tp=0, fp=1, fn=1)
    assert report.spurious[-1].rule == "role-copula"
    assert report.spurious_by_rule == (("role-copula", 1),)


def test_accent_case_and_article_variants_match():
    gold = _gold([AGENCE])
    variant = Entity("x", "l'agence de l’energie durable", "Organization")
    report = evaluate(gold, _predicted([variant]))
    assert _row(report.entities, "Organization") == Score("Organization", tp=1, fp=0, fn=0)


def test_alias_on_either_side_matches():
    report = evaluate(_gold([AGENCE]), _predicted([Entity("x", "Agence E.D.", "Organization", aliases=("AED",))]))
    assert _row(report.entities, "Organization").tp == 1


def test_wrong_class_counts_as_missed_and_spurious_but_not_class_agnostic():
    report = evaluate(_gold([ATLAS]), _predicted([Entity("x", "Atlas Sensing", "Person")]))
    assert _row(report.entities, "Organization") == Score("Organization", tp=0, fp=0, fn=1)
    assert _row(report.entities, "Person") == Score("Person", tp=0, fp=1, fn=0)
    assert report.entities_any_class == Score("any class", tp=1, fp=0, fn=0)
    assert [(e.subject, e.object) for e in report.missed] == [("Atlas Sensing", "Organization")]


def test_predictions_naming_ignored_gold_entities_are_not_errors():
    gold = _gold([ATLAS], ignored={"police"})
    report = evaluate(
        gold, _predicted([Entity("a", "Atlas Sensing", "Organization"), Entity("p", "La Police", "Organization")])
    )
    assert _row(report.entities, "Organization") == Score("Organization", tp=1, fp=0, fn=0)


def test_f1_arithmetic_on_a_known_toy_case():
    s = Score("toy", tp=3, fp=1, fn=2)
    assert s.precision == pytest.approx(0.75)
    assert s.recall == pytest.approx(0.6)
    assert s.f1 == pytest.approx(2 * 0.75 * 0.6 / 1.35)
    assert Score("empty").f1 == 0.0


def test_relation_group_accepts_any_of_its_predicates_and_checks_classes():
    group = {g.name: g for g in POPCORN_GROUPS}["person-in-organisation"]
    gold = _gold([KARIM, ATLAS], [GoldRelation("Karim Bennani", group.name, "Atlas Sensing")], groups=POPCORN_GROUPS)
    k, a = Entity("k", "Karim Bennani", "Person"), Entity("a", "Atlas Sensing", "Organization")
    site = Entity("s", "Technopark", "Facility")
    facts = [_fact(k, "worksFor", a), _fact(a, "operates", site), _fact(site, "locatedIn", a)]
    report = evaluate(gold, _predicted([k, a, site], facts))
    assert _row(report.relations, group.name) == Score(group.name, tp=1, fp=0, fn=0)
    assert report.not_evaluated_facts == 2  # operates is not in POPCORN; Facility locatedIn has no gold class


def test_duplicate_symmetric_facts_count_once():
    a, b = Entity("a", "Atlas Sensing", "Organization"), Entity("b", "Oasis Pay", "Organization")
    report = evaluate(_gold([ATLAS]), _predicted([a, b], [_fact(a, "partnerOf", b), _fact(b, "partnerOf", a)]))
    assert _row(report.relations, "partnerOf").fp == 1


@pytest.mark.parametrize(
    ("value", "text", "named"),
    [
        ("Il", "Hier, Il pleuvait.", False),
        ("Ce dernier", "Hier, Ce dernier est parti.", False),
        ("La police", "Hier, La police est venue.", False),
        ("La Poste", "Hier, La Poste a ouvert.", True),
        ("Pompiers", "Pompiers et pompiers volontaires.", False),
        ("Meknès", "Meknès accueille le salon.", True),
    ],
)
def test_named_mentions(value, text, named):
    assert is_named(value, text.index(value), text) is named


def test_own_format_errors_name_file_and_problem(tmp_path):
    bad = tmp_path / "gold.json"
    bad.write_text(
        json.dumps({"documents": [{"id": "x", "text": "Rien.", "entities": [{"name": "A", "class": "Ville"}]}]})
    )
    with pytest.raises(GoldError, match=r"gold\.json: document x: entity 'A' has class 'Ville'"):
        load_gold(bad)
    bad.write_text("{pas du json")
    with pytest.raises(GoldError, match="not valid JSON"):
        load_gold(bad)


@pytest.mark.model
def test_small_gold_end_to_end(tmp_path):
    gold = load_gold(GOLD_SMALL)
    assert gold.format == "kg" and len(gold.documents) == 5
    report = run_eval(GOLD_SMALL, out_dir=tmp_path)
    assert report.documents == 5
    assert {s.name for s in report.entities} >= {"Organization", "Person", "Place"}
    assert report.entities_micro.recall > 0 and report.relations_micro.recall > 0
    for s in (*report.entities, *report.relations):
        assert 0.0 <= s.precision <= 1.0 and 0.0 <= s.recall <= 1.0
    gold_relations = sum(len(d.relations) for d in gold.documents)
    assert sum(s.tp + s.fn for s in report.relations) == gold_relations
    saved = json.loads((tmp_path / "eval.json").read_text())
    assert saved["relations_micro"]["tp"] == report.relations_micro.tp
    assert (tmp_path / "store").is_dir() and (tmp_path / "graph.ttl").exists()
    text = format_report(report, show=3)
    assert "precision" in text and "missed (first 3 of" in text


def test_cli_rejects_a_gold_file_that_is_not_one_without_traceback(tmp_path):
    from kg.cli import app

    bad = tmp_path / "liste.json"
    bad.write_text("[1, 2]")
    result = CliRunner().invoke(app, ["eval", str(bad)])
    assert result.exit_code == 2
    assert "liste.json" in result.output and "Traceback" not in result.output


def test_popcorn_loads_first_texts_with_mapped_classes_and_groups(popcorn_path):
    gold = load_gold(popcorn_path).limited(10)
    assert gold.format == "popcorn" and len(gold.documents) == 10
    entities = [e for d in gold.documents for e in d.entities]
    assert {e.cls for e in entities} <= set(CLASSES) and entities
    names = [n for e in entities for n in (e.name, *e.aliases)]
    assert all(n[:1].isupper() or n.split()[0].lower() in ("le", "la", "les", "l'") for n in names)
    assert not {"Il", "Elle", "Ils"} & set(names)
    groups = {r.group for d in gold.documents for r in d.relations}
    assert groups and groups <= {g.name for g in POPCORN_GROUPS}
    for d in gold.documents:
        known = {e.name for e in d.entities}
        assert all(r.subject in known and r.object in known for r in d.relations)


@pytest.mark.model
def test_cli_reports_an_unwritable_out_folder(tmp_path):
    from kg.cli import app

    blocker = tmp_path / "un-fichier"
    blocker.write_text("pas un dossier")
    result = CliRunner().invoke(app, ["eval", str(GOLD_SMALL), "--limit", "1", "--out", str(blocker)])
    assert result.exit_code == 2
    message = " ".join(result.output.split())  # rich wraps long error lines
    assert "un-fichier: cannot write the outputs" in message and "Traceback" not in message
