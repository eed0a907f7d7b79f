"""The ontology file: it parses, every term is documented in French and English, the code matches it."""

from __future__ import annotations

import json
from importlib import resources

import pytest
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS

from kg.vocab import EKG, ENTITY_CLASSES, PREDICATES

KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    text = (resources.files("kg.ontology") / "ecosystem.ttl").read_text(encoding="utf-8")
    return rdflib.Graph().parse(data=text, format="turtle")


def defined_terms(ontology) -> set[str]:
    return {
        str(term)[len(str(EKG)) :]
        for kind in KINDS
        for term in ontology.subjects(RDF.type, kind)
        if str(term).startswith(str(EKG))
    }


def class_names(ontology, expr) -> set[str]:
    members = Collection(ontology, ontology.value(expr, OWL.unionOf)) if isinstance(expr, rdflib.BNode) else [expr]
    return {str(m).rsplit("#", 1)[-1] for m in members}


def test_the_ontology_declares_classes_and_both_kinds_of_properties(ontology):
    for kind in KINDS:
        assert any(ontology.subjects(RDF.type, kind)), kind


@pytest.mark.parametrize("prop", [RDFS.label, RDFS.comment])
def test_every_term_has_a_french_and_an_english_label_and_comment(ontology, prop):
    missing = []
    for name in sorted(defined_terms(ontology)):
        languages = {value.language for value in ontology.objects(EKG[name], prop)}
        missing.extend(f"{name} {prop.fragment}@{lang}" for lang in ("fr", "en") if lang not in languages)
    assert not missing


def test_the_closed_vocabulary_and_the_ontology_define_the_same_terms(ontology):
    in_code = set(EKG.__annotations__)
    assert in_code == defined_terms(ontology)


def test_a_misspelt_term_fails_loudly():
    with pytest.raises(AttributeError):
        _ = EKG.operatez


def test_entity_classes_and_predicates_of_the_code_are_ontology_terms(ontology):
    for name in ENTITY_CLASSES:
        assert (EKG[name], RDF.type, OWL.Class) in ontology
    for name in PREDICATES:
        assert (EKG[name], RDF.type, OWL.ObjectProperty) in ontology


def test_relation_rules_use_ontology_predicates_within_their_domain_and_range(ontology):
    # subject_classes / object_classes are those of the fact (after an inverse rule swaps its S and O)
    rules = json.loads((resources.files("kg.data") / "relations.json").read_text(encoding="utf-8"))["rules"]
    wrong = []
    for rule in rules:
        prop = EKG[rule["predicate"]]
        assert (prop, RDF.type, OWL.ObjectProperty) in ontology, rule["name"]
        domain = class_names(ontology, ontology.value(prop, RDFS.domain))
        rng = class_names(ontology, ontology.value(prop, RDFS.range))
        outside = set(rule["subject_classes"].split("|")) - domain, set(rule["object_classes"].split("|")) - rng
        if any(outside):
            wrong.append((rule["name"], *outside))
    assert not wrong
