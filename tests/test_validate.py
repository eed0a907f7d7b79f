"""SHACL validation: the seed build conforms, and each kind of broken data is caught by the right shape."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import rdflib
from typer.testing import CliRunner

from kg.cli import app
from kg.store import KGStore, write_store
from kg.validate import (
    format_report,
    generate_shapes,
    ontology_path,
    shapes_path,
    shapes_text,
    validate_graph,
    validate_parts,
)

PREFIXES = """
@prefix ekg: <https://w3id.org/ecosystem-kg/ontology#> .
@prefix ent: <https://w3id.org/ecosystem-kg/id/entity/> .
@prefix doc: <https://w3id.org/ecosystem-kg/id/doc/> .
@prefix claim: <https://w3id.org/ecosystem-kg/id/claim/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
"""

# A small graph in the layout kg build writes: descriptions in the default graph, the rest in the document's graph.
SENTENCE = "La société Oasis Numérique gère le parc Dakhla Digital depuis mars, selon Leïla Tazi."
VALID = (
    PREFIXES
    + """
ent:Oasis-Numerique a ekg:Organization ; rdfs:label "Oasis Numérique" ; ekg:mentionCount 2 .
ent:Dakhla-Digital a ekg:Facility ; rdfs:label "Dakhla Digital" ; ekg:mentionCount 1 .
ent:Leila-Tazi a ekg:Person ; rdfs:label "Leïla Tazi" ; ekg:mentionCount 1 .
doc:d1 {
  doc:d1 a ekg:Document ; dcterms:source "tests/dakhla.txt" ; ekg:textLength 120 ;
      ekg:mentions ent:Oasis-Numerique , ent:Dakhla-Digital , ent:Leila-Tazi .
  ent:Oasis-Numerique ekg:operates ent:Dakhla-Digital .
  ent:Leila-Tazi ekg:headOf ent:Oasis-Numerique .
  claim:c1 a ekg:Claim ; rdf:subject ent:Oasis-Numerique ; rdf:predicate ekg:operates ;
      rdf:object ent:Dakhla-Digital ; prov:wasDerivedFrom doc:d1 ; ekg:sentence "SENTENCE" ;
      ekg:startOffset 0 ; ekg:endOffset 86 ; ekg:rule "operate-verb" ; ekg:confidence 0.75 .
  claim:c2 a ekg:Claim ; rdf:subject ent:Leila-Tazi ; rdf:predicate ekg:headOf ;
      rdf:object ent:Oasis-Numerique ; prov:wasDerivedFrom doc:d1 ; ekg:sentence "SENTENCE" ;
      ekg:startOffset 0 ; ekg:endOffset 86 ; ekg:rule "role-apposition-after-person" ; ekg:confidence 0.9 .
}
""".replace("SENTENCE", SENTENCE)
)


def quads(trig: str) -> list[ox.Quad]:
    return list(ox.parse(trig, format=ox.RdfFormat.TRIG))


def broken(old: str, new: str) -> list[ox.Quad]:
    assert old in VALID, old
    return quads(VALID.replace(old, new, 1))


def shapes_violated(report) -> set[str]:
    return {v.shape for v in report.violations}


def test_the_seed_build_validates_with_zero_violations(seed_store):
    report = validate_graph(seed_store)
    assert report.conforms, format_report(report)
    assert report.count == 0


def test_a_well_formed_hand_made_graph_conforms():
    report = validate_graph(quads(VALID))
    assert report.conforms, format_report(report)


BROKEN = [
    ('; rdfs:label "Dakhla Digital" ', "", "ekgsh:Entity-label"),
    ('rdfs:label "Dakhla Digital"', 'rdfs:label "Dakhla Digital" , "Parc de Dakhla"', "ekgsh:Entity-label"),
    ("ent:Dakhla-Digital a ekg:Facility ;", "ent:Dakhla-Digital", "ekgsh:Entity-class"),
    (
        "ent:Oasis-Numerique ekg:operates ent:Dakhla-Digital",
        "ent:Oasis-Numerique ekg:operates ent:Leila-Tazi",
        "ekgsh:operates-range",
    ),
    (
        "ent:Oasis-Numerique ekg:operates ent:Dakhla-Digital",
        "ent:Leila-Tazi ekg:operates ent:Dakhla-Digital",
        "ekgsh:operates-domain",
    ),
    (
        "ent:Leila-Tazi ekg:headOf ent:Oasis-Numerique",
        "ent:Leila-Tazi ekg:headOf ent:Leila-Tazi",
        "ekgsh:headOf-range",
    ),
    ("ekg:startOffset 0 ; ekg:endOffset 86", "ekg:startOffset 100 ; ekg:endOffset 140", "ekgsh:Claim-offsets"),
    ("ekg:startOffset 0 ; ekg:endOffset 86", "ekg:startOffset 50 ; ekg:endOffset 50", "ekgsh:Claim-offsets"),
    ("ekg:confidence 0.75", "ekg:confidence 1.5", "ekgsh:Claim-confidence"),
    ('ekg:rule "operate-verb" ;', "", "ekgsh:Claim-rule"),
    ('ekg:sentence "' + SENTENCE + '" ;', "", "ekgsh:Claim-sentence"),
    ("prov:wasDerivedFrom doc:d1 ;", "", "ekgsh:Claim-document"),
    ('dcterms:source "tests/dakhla.txt" ;', "", "ekgsh:Document-source"),
    ("ent:Oasis-Numerique a ekg:Organization", "<https://example.org/oasis> a ekg:Organization", "ekgsh:Entity"),
]


@pytest.mark.parametrize(("old", "new", "shape"), BROKEN)
def test_each_kind_of_broken_data_is_reported_by_its_shape(old, new, shape):
    report = validate_graph(broken(old, new))
    assert not report.conforms
    assert shape in shapes_violated(report), format_report(report)


@pytest.mark.parametrize(("old", "new", "shape"), BROKEN)
def test_the_rust_engine_and_the_check_by_parts_find_the_same_violations_as_pyshacl(old, new, shape):
    data = broken(old, new)
    reference = validate_graph(data, engine="pyshacl")
    assert shape in shapes_violated(reference)
    assert validate_graph(data, engine="turbo") == reference
    # one named graph or one default-graph subject per part: each shape still sees what it needs
    assert validate_parts(data, batch_quads=1) == reference


def test_the_check_by_parts_counts_a_violation_found_in_several_parts_once(seed_store):
    # Technopark is a Facility in the seed: as a Person, every relation touching it breaks a domain or range
    person = ox.NamedNode("https://w3id.org/ecosystem-kg/ontology#Person")
    data = [
        ox.Quad(q.subject, q.predicate, person, q.graph_name)
        if q.subject.value.endswith("/entity/Technopark") and q.predicate.value.endswith("#type")
        else q
        for q in seed_store.quads()
    ]
    full = validate_graph(data)
    assert full.count > 2, format_report(full)
    assert len({v.shape for v in full.violations}) > 1
    assert validate_parts(data, batch_quads=100) == full
    assert validate_parts(data, batch_quads=1) == full


def test_an_unknown_engine_is_named():
    with pytest.raises(ValueError, match="nosuch"):
        validate_graph(quads(VALID), engine="nosuch")


def test_violations_are_grouped_by_shape_with_one_example_each():
    bad = VALID.replace("ekg:confidence 0.75", "ekg:confidence 1.5").replace("ekg:confidence 0.9", "ekg:confidence 1.2")
    report = validate_graph(quads(bad))
    group = next(v for v in report.violations if v.shape == "ekgsh:Claim-confidence")
    assert group.count == 2
    assert group.focus_node == "https://w3id.org/ecosystem-kg/id/claim/c1"
    assert "[0, 1]" in group.message
    assert report.count == sum(v.count for v in report.violations)


def test_the_committed_shapes_are_generated_from_the_current_ontology():
    ontology = ontology_path().read_text(encoding="utf-8")
    current = shapes_path().read_text(encoding="utf-8")
    assert shapes_text(ontology, current) == current, "run: python -m kg.validate --write-shapes"


def test_generated_shapes_follow_union_domains_and_subclasses():
    ontology = """
    @prefix ekg: <https://w3id.org/ecosystem-kg/ontology#> .
    @prefix owl: <http://www.w3.org/2002/07/owl#> .
    @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    ekg:Actor a owl:Class .
    ekg:Person a owl:Class ; rdfs:subClassOf ekg:Actor .
    ekg:Place a owl:Class ; rdfs:subClassOf ekg:Actor .
    ekg:Town a owl:Class ; rdfs:subClassOf ekg:Place .
    ekg:livesIn a owl:ObjectProperty ; rdfs:domain ekg:Person ;
        rdfs:range [ owl:unionOf ( ekg:Place ekg:Person ) ] .
    """
    shapes = rdflib.Graph().parse(data="@prefix ekgsh: <https://w3id.org/ecosystem-kg/shapes#> .\n"
                                  "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
                                  "@prefix ekg: <https://w3id.org/ecosystem-kg/ontology#> .\n"
                                  + generate_shapes(ontology), format="turtle")  # fmt: skip
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    ekg = rdflib.Namespace("https://w3id.org/ecosystem-kg/ontology#")
    rng = rdflib.URIRef("https://w3id.org/ecosystem-kg/shapes#livesIn-range")
    allowed = {
        shapes.value(member, sh["class"])
        for member in rdflib.collection.Collection(shapes, shapes.value(rng, sh["or"]))
    }
    assert allowed == {ekg.Place, ekg.Town, ekg.Person}
    domain = rdflib.URIRef("https://w3id.org/ecosystem-kg/shapes#livesIn-domain")
    assert shapes.value(domain, sh["class"]) == ekg.Person


def test_kg_validate_exits_1_on_violations_and_0_on_a_conforming_graph(tmp_path, seed_out):
    write_store(broken("ekg:confidence 0.75", "ekg:confidence 1.5"), tmp_path)
    result = CliRunner().invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    assert "ekgsh:Claim-confidence: 1" in result.output
    assert "claim/c1" in result.output
    result = CliRunner().invoke(app, ["validate", str(seed_out)])
    assert result.exit_code == 0, result.output
    assert "0 violations" in result.output


def test_kg_validate_names_a_folder_without_store(tmp_path):
    result = CliRunner().invoke(app, ["validate", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "nowhere" in result.output


def test_a_build_reports_its_violation_count_unless_told_not_to_validate(tmp_path):
    from kg.build import build_graph

    article = tmp_path / "in" / "agadir.txt"
    article.parent.mkdir()
    article.write_text(
        "Agadir accueille un nouvel incubateur.\n\n"
        "La société Souss Innovation gère le Technopark d'Agadir depuis 2023. "
        "Youssef Amrani, directeur général de Souss Innovation, prévoit d'y accueillir quarante startups.",
        encoding="utf-8",
    )
    report = build_graph([article.parent], tmp_path / "out", write_html=False)
    assert report.violations == 0
    assert validate_graph(KGStore.open(tmp_path / "out")).conforms
    report = build_graph([article.parent], tmp_path / "out2", write_html=False, validate=False)
    assert report.violations is None


def test_kg_build_warns_on_stderr_when_its_output_breaks_the_shapes(tmp_path, monkeypatch):
    import kg.build
    from kg.build import BuildReport

    def fake_build(paths, out, **options):
        assert options["validate"] == "parts"
        return BuildReport(out_dir=out, documents=1, files=1, violations=3)

    monkeypatch.setattr(kg.build, "build_graph", fake_build)
    (tmp_path / "note.txt").write_text("Le port de Nador ouvre une nouvelle zone logistique.", encoding="utf-8")
    result = CliRunner().invoke(app, ["build", str(tmp_path / "note.txt"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "3 VIOLATIONS" in result.stdout
    assert "breaks its SHACL shapes 3 time(s)" in result.stderr


def test_kg_build_validates_by_parts_or_in_full_or_not_at_all(tmp_path, monkeypatch):
    import kg.build
    from kg.build import BuildReport

    seen = []

    def fake_build(paths, out, **options):
        seen.append(options["validate"])
        return BuildReport(out_dir=out, documents=1, files=1, violations=None if not options["validate"] else 0)

    monkeypatch.setattr(kg.build, "build_graph", fake_build)
    note = tmp_path / "note.txt"
    note.write_text("Le port de Nador ouvre une nouvelle zone logistique.", encoding="utf-8")
    for flags in (["--validate", "full"], ["--validate", "off"], ["--no-validate"]):
        result = CliRunner().invoke(app, ["build", str(note), "--out", str(tmp_path / "out"), *flags])
        assert result.exit_code == 0, result.output
    assert seen == ["full", False, False]
    result = CliRunner().invoke(app, ["build", str(note), "--out", str(tmp_path / "out"), "--validate", "some"])
    assert result.exit_code == 2
    assert "--validate some" in result.output


def test_a_build_validated_in_full_gives_the_count_of_one_validated_by_parts(tmp_path):
    from kg.build import build_graph

    article = tmp_path / "in" / "oujda.txt"
    article.parent.mkdir()
    article.write_text(
        "La société Oriental Data a ouvert un centre de données à Oujda. "
        "Samira Lahlou, présidente d'Oriental Data, a signé un partenariat avec l'Université Mohammed Premier.",
        encoding="utf-8",
    )
    parts = build_graph([article.parent], tmp_path / "out", write_html=False, use_cache=False)
    full = build_graph([article.parent], tmp_path / "out2", write_html=False, use_cache=False, validate="full")
    assert parts.violations == full.violations == validate_graph(KGStore.open(tmp_path / "out")).count
