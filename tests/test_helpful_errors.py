"""Mistakes that used to give an empty answer now say what is wrong and what was probably meant."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.library import UnknownEntityError, run_named_query
from kg.vocab import ENTITY_CLASSES, PREDICATES, UnknownTermError, check_query_terms, closest_terms, local_name

runner = CliRunner()


def flat(text: str) -> str:
    return " ".join(text.split())


def test_a_misspelt_ekg_term_names_the_closest_terms():
    with pytest.raises(UnknownTermError, match=r"no ekg:headof \(did you mean ekg:headOf\?\)"):
        check_query_terms("SELECT * WHERE { ?p ekg:headof ?o }")
    with pytest.raises(UnknownTermError, match=r"ekg:Persn \(did you mean ekg:Person\?\)"):
        check_query_terms("SELECT * WHERE { ?p a <https://w3id.org/ecosystem-kg/ontology#Persn> }")
    assert closest_terms("partnerof")[0] == "partnerOf"  # the same letters in another case come first
    assert "funds" in closest_terms("fundz")


@pytest.mark.parametrize(
    "sparql",
    [
        "SELECT * WHERE { ?p ekg:headOf ?o ; ekg:worksFor ?x ; a ekg:Person }",
        'SELECT * WHERE { ?p rdfs:label "ekg:pas-un-terme" }  # ekg:commentaire',
        "PREFIX ekg: <http://example.org/autre#> SELECT * WHERE { ?s ekg:nimporte ?o }",
        "SELECT * WHERE { ?p <https://w3id.org/ecosystem-kg/ontology#headOf> ?o FILTER(?a < 3) }",
    ],
)
def test_correct_queries_strings_comments_and_other_namespaces_pass(sparql):
    check_query_terms(sparql)


def test_french_and_english_labels_name_classes_and_relations():
    assert local_name("dirige", PREDICATES) == "headOf"
    assert local_name("Head of", PREDICATES) == "headOf"
    assert local_name("partenaire de", PREDICATES) == "partnerOf"
    assert local_name("ekg:headOf", PREDICATES) == "headOf"
    assert local_name("Organisation", ENTITY_CLASSES) == "Organization"
    assert local_name("evenement", ENTITY_CLASSES) == "Event"  # accents do not matter
    assert local_name("dirige", ENTITY_CLASSES) is None
    assert local_name("rien du tout", PREDICATES) is None


@pytest.mark.model
def test_cli_query_with_a_misspelt_term_exits_2_with_a_hint(seed_out):
    result = runner.invoke(app, ["query", "SELECT * WHERE { ?p ekg:headof ?o }", "--store", str(seed_out)])
    assert result.exit_code == 2
    assert "did you mean ekg:headOf?" in flat(result.output)


@pytest.mark.model
def test_an_entity_parameter_matching_no_entity_says_so_with_near_names(seed_out, seed_store):
    with pytest.raises(UnknownEntityError, match=r"no entity is named 'Jokolabs'; near names: Jokkolabs"):
        run_named_query(seed_store, "partners", check_names=True, entity="Jokolabs")
    assert run_named_query(seed_store, "partners", entity="Jokolabs") == []  # without the check: no rows
    result = runner.invoke(app, ["query", "partners", "-p", "entity=Zzqxw", "--store", str(seed_out)])
    assert result.exit_code == 2 and "no entity is named 'Zzqxw'" in flat(result.output)
    assert run_named_query(seed_store, "partners", entity="jokkolabs")  # a known name in another case still answers


@pytest.mark.model
def test_viz_accepts_the_labels_the_legend_shows(seed_out, tmp_path):
    by_label = tmp_path / "labels.html"
    by_name = tmp_path / "names.html"
    args = ["viz", str(seed_out), "--min-degree", "1"]
    labels = runner.invoke(app, [*args, "--classes", "Organisation,Personne", "--predicates", "dirige", "-o", by_label])
    assert labels.exit_code == 0, labels.output
    names = runner.invoke(app, [*args, "--classes", "Organization,Person", "--predicates", "headOf", "-o", by_name])
    assert names.exit_code == 0
    assert by_label.read_bytes() == by_name.read_bytes()
    wrong = runner.invoke(app, [*args, "--predicates", "dirje", "-o", tmp_path / "x.html"])
    assert wrong.exit_code == 2 and "unknown predicate 'dirje'" in flat(wrong.output)
