"""``kg query``: output formats, library queries by name, errors without tracebacks, the rdflib view."""

from __future__ import annotations

import csv
import io
import json

import pytest
import rdflib
from typer.testing import CliRunner

from kg.cli import app
from kg.query import FORMATS

# the operator of the Technopark, as the formats tests know it
OPERATES = "SELECT ?o ?s WHERE { ?o ekg:operates ?s FILTER(?o = ent:MITC) }"
MITC = "https://w3id.org/ecosystem-kg/id/entity/MITC"
TECHNOPARK = "https://w3id.org/ecosystem-kg/id/entity/Technopark"


@pytest.fixture(scope="module")
def kg_query(seed_out):
    runner = CliRunner()

    def run(*args):
        return runner.invoke(app, ["query", *args, "--store", str(seed_out)])

    return run


def test_table_is_aligned_and_shortens_iris_and_long_cells(kg_query):
    result = kg_query("SELECT ?c ?sentence WHERE { ?c ekg:sentence ?sentence }")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["c", "sentence"]
    assert lines[-1].endswith("rows)")
    body = lines[2:-1]
    assert all(line.startswith("claim:") for line in body)
    assert all(len(line) <= len(lines[1]) for line in body)
    assert any(line.endswith("…") for line in body)


def test_csv_and_tsv(kg_query):
    result = kg_query(OPERATES, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert list(csv.reader(io.StringIO(result.output))) == [["o", "s"], [MITC, TECHNOPARK]]
    # SPARQL 1.1 TSV: variables with '?', terms in N-Triples syntax, so an IRI and a text stay apart
    tsv = kg_query(OPERATES, "--format", "tsv")
    rows = list(csv.reader(io.StringIO(tsv.output), delimiter="\t"))
    assert rows == [["?o", "?s"], [f"<{MITC}>", f"<{TECHNOPARK}>"]]
    labels = kg_query('SELECT ?l WHERE { ?e rdfs:label ?l FILTER(?l = "MITC") }', "--format", "tsv")
    assert labels.output.splitlines() == ["?l", '"MITC"']


def test_xml_is_sparql_results_xml(kg_query):
    import xml.etree.ElementTree as ET

    ns = {"r": "http://www.w3.org/2005/sparql-results#"}
    root = ET.fromstring(kg_query(OPERATES, "--format", "xml").output)
    assert [v.get("name") for v in root.findall("r:head/r:variable", ns)] == ["o", "s"]
    assert [u.text for u in root.findall("r:results/r:result/r:binding/r:uri", ns)] == [MITC, TECHNOPARK]
    ask = ET.fromstring(kg_query("ASK { ?a ekg:partOf ?b }", "--format", "xml").output)
    assert ask.find("r:boolean", ns).text == "true"


def test_json_is_sparql_results_json(kg_query):
    result = kg_query(OPERATES, "--format", "json")
    data = json.loads(result.output)
    assert data["head"]["vars"] == ["o", "s"]
    assert data["results"]["bindings"] == [
        {"o": {"type": "uri", "value": MITC}, "s": {"type": "uri", "value": TECHNOPARK}}
    ]
    ask = json.loads(kg_query("ASK { ?a ekg:partOf ?b }", "--format", "json").output)
    assert ask == {"head": {}, "boolean": True}


@pytest.mark.parametrize(("fmt", "rdflib_format"), [("turtle", "turtle"), ("ntriples", "nt"), ("jsonld", "json-ld")])
def test_construct_and_describe_as_rdf(kg_query, fmt, rdflib_format):
    result = kg_query(
        "CONSTRUCT { ?o ekg:operates ?s } WHERE { ?o ekg:operates ?s FILTER(?o = ent:MITC) }", "--format", fmt
    )
    assert result.exit_code == 0, result.output
    graph = rdflib.Graph().parse(data=result.output, format=rdflib_format)
    operates = rdflib.URIRef("https://w3id.org/ecosystem-kg/ontology#operates")
    assert set(graph) == {(rdflib.URIRef(MITC), operates, rdflib.URIRef(TECHNOPARK))}
    described = rdflib.Graph().parse(data=kg_query("DESCRIBE ent:MITC", "--format", fmt).output, format=rdflib_format)
    assert (rdflib.URIRef(MITC), rdflib.RDFS.label, rdflib.Literal("MITC")) in described


def test_formats_that_do_not_fit_the_answer_are_refused(kg_query):
    graph_as_csv = kg_query("DESCRIBE ent:MITC", "--format", "csv")
    assert graph_as_csv.exit_code == 2 and "CONSTRUCT or DESCRIBE" in graph_as_csv.output
    select_as_turtle = kg_query(OPERATES, "--format", "turtle")
    assert select_as_turtle.exit_code == 2 and "for CONSTRUCT and DESCRIBE" in select_as_turtle.output
    unknown = kg_query(OPERATES, "--format", "xlsx")
    assert unknown.exit_code == 2 and "unknown format" in unknown.output
    assert set(FORMATS) == {"table", "csv", "tsv", "json", "xml", "turtle", "ntriples", "jsonld"}


def test_syntax_error_gives_line_column_and_no_traceback(kg_query):
    result = kg_query("SELECT ?o\nWHERE { ?o ekg:operates }")
    assert result.exit_code == 2
    assert "SPARQL syntax error at line 2, column" in result.output
    assert "WHERE { ?o ekg:operates }" in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, not an escaped exception


def test_library_query_by_name_with_parameters(kg_query):
    result = kg_query("partners", "--param", "entity=Technopark", "--format", "csv")
    assert result.exit_code == 0, result.output
    partners = {row["partnerLabel"] for row in csv.DictReader(io.StringIO(result.output))}
    assert {"EAC L’boulevart"} <= partners


def test_list_shows_names_and_what_they_answer():
    result = CliRunner().invoke(app, ["query", "--list"])
    assert result.exit_code == 0
    assert "partners\n    The partners of an organisation" in result.output
    assert "--param entity=" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["partenaires"], "no library query named 'partenaires'"),
        (["partners", "--param", "ville=Rabat"], "no parameter 'ville'"),
        (["partners", "--param", "Technopark"], "NAME=VALUE"),
        ([OPERATES, "--param", "entity=MITC"], "only applies to library queries"),
    ],
)
def test_unknown_query_or_parameter_exits_2(kg_query, args, message):
    result = kg_query(*args)
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_query_file(kg_query, tmp_path):
    rq = tmp_path / "sites.rq"
    rq.write_text("# sites d'un réseau\nSELECT ?site WHERE { ?site ekg:partOf ent:Technopark }", encoding="utf-8")
    result = kg_query("--file", str(rq), "--format", "csv")
    assert sorted(result.output.split()[1:]) == [
        "https://w3id.org/ecosystem-kg/id/entity/Technopark-de-Casablanca",
        "https://w3id.org/ecosystem-kg/id/entity/Technopark-de-Rabat",
    ]


def test_rdflib_dataset_view_answers_sparql(seed_store):
    ds = seed_store.dataset()
    rows = list(ds.query("SELECT ?o ?s WHERE { ?o ekg:operates ?s FILTER(?o = ent:MITC) }"))
    assert [(str(o), str(s)) for o, s in rows] == [(MITC, TECHNOPARK)]
    labels = {str(row.label) for row in ds.query("SELECT ?label WHERE { ?p a ekg:Person ; rdfs:label ?label }")}
    assert "Omar Balafrej" in labels
    (count,) = next(iter(ds.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))
    assert int(count) == len(seed_store)


def test_a_library_table_leaves_out_the_columns_of_parameters_not_given(seed_out):
    from kg.query import answer

    header = answer(seed_out, "funding").splitlines()[0].split()
    assert "funder" in header and not {"entity", "currency", "since"} & set(header)
    header = answer(seed_out, "funding", params={"currency": "MAD"}).splitlines()[0].split()
    assert "currency" in header and not {"entity", "since"} & set(header)  # a given one echoes its value
