"""Qualifiers through the whole pipeline: extracted on the claim, written as typed RDF, checked by SHACL, queried."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal

import pyoxigraph as ox
import pytest

from kg.eval import (
    GoldDocument,
    GoldRelation,
    load_gold,
    qualifier_matches,
    score_gold_evidence,
    score_qualifier_pairs,
)
from kg.library import run_named_query
from kg.model import Qualifiers
from kg.rdf import PREFIXES
from kg.store import KGStore
from kg.validate import validate_graph

ARTICLES = [
    {
        "text": "La Banque européenne d'investissement a accordé un financement de 150 millions d'euros "
        "à Atlas Solaire. "
        "Meryem Tazi, directrice générale de Nour Énergie, a signé lundi une convention avec Atlas Solaire.",
        "title": "Atlas Solaire",
        "date": "2024-05-15",
    },
    {
        "text": "Le fonds Sahara Ventures détient désormais 20 % du capital de la société Dafa Pay.",
        "title": "Dafa Pay",
        "date": "2023-11-02",
    },
]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from kg.build import build_graph

    folder = tmp_path_factory.mktemp("qualifiers")
    source = folder / "news.jsonl"
    source.write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in ARTICLES) + "\n", encoding="utf-8")
    build_graph([source], folder / "out", write_html=False)
    return KGStore.open(folder / "out")


def test_funding_lists_amount_currency_and_evidence(built):
    rows = run_named_query(built, "funding")
    row = next(r for r in rows if r["fundedLabel"] == "Atlas Solaire")
    assert (Decimal(str(row["amount"])), row["currencyCode"]) == (Decimal("150000000"), "EUR")
    assert row["amountText"] == "150 millions d'euros"
    assert "Atlas Solaire" in row["sentence"]
    assert row["when"] == "2024-05-15"  # no date in the sentence: the document's
    assert run_named_query(built, "funding", currency="USD") == []
    assert run_named_query(built, "funding", currency="EUR")
    assert run_named_query(built, "funding", entity="atlas solaire")
    assert run_named_query(built, "funding", entity="Dafa Pay") == []
    assert run_named_query(built, "funding", since="2024-06") == []
    assert run_named_query(built, "funding", since="2024-05")


def test_stakes_appointments_and_timeline(built):
    stakes = run_named_query(built, "stakes", entity="Dafa Pay")
    assert [(r["shareholderLabel"], Decimal(str(r["share"]))) for r in stakes] == [("Sahara Ventures", Decimal("0.2"))]
    assert run_named_query(built, "stakes", entity="Atlas Solaire") == []
    people = run_named_query(built, "appointments", entity="nour energie")
    assert ("Meryem Tazi", "Nour Énergie", "directrice générale") in {
        (r["personLabel"], r["organisationLabel"], r["role"]) for r in people
    }
    timeline = run_named_query(built, "timeline", entity="Nour Énergie")
    # 'lundi' in an article of Wednesday 15 May 2024
    assert timeline and {str(r["date"]) for r in timeline} == {"2024-05-13"}
    assert {r["dateText"] for r in timeline} == {"lundi"}


def test_the_output_validates_and_typed_literals_are_written(built):
    assert validate_graph(built).conforms
    dates = list(built.raw_query("SELECT ?d WHERE { ?c ekg:date ?d }"))
    assert {s["d"].datatype.value for s in dates} == {"http://www.w3.org/2001/XMLSchema#date"}


def _claim_with(extra: list[tuple[str, ox.Literal]], built) -> list[ox.Quad]:
    quads = list(built.quads())
    claim = next(q.subject for q in quads if q.predicate.value == PREFIXES["ekg"] + "amount")
    graph = next(q.graph_name for q in quads if q.subject == claim)
    return quads + [ox.Quad(claim, ox.NamedNode(PREFIXES["ekg"] + p), v, graph) for p, v in extra]


def test_a_share_above_one_or_a_currency_that_is_not_a_code_is_a_violation(built):
    dec = ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")
    report = validate_graph(_claim_with([("share", ox.Literal("1.5", datatype=dec))], built))
    assert not report.conforms and "ekgsh:Claim-share" in {v.shape for v in report.violations}
    report = validate_graph(_claim_with([("currency", ox.Literal("dirhams"))], built))
    assert not report.conforms and "ekgsh:Claim-currency" in {v.shape for v in report.violations}


def test_qualifier_scoring_normalises_both_sides():
    doc = GoldDocument("d", "", (), (), date="2024-04-10")
    rel = GoldRelation("A", "funds", "B", qualifiers=(("amount", "12 MDH"), ("date", "en mars dernier")))
    right = Qualifiers(amount=Decimal("12000000"), currency="MAD", date="2024-03-05", date_precision="day")
    wrong = Qualifiers(amount=Decimal("12000000"), currency="EUR", date="2024", date_precision="year")
    by_kind = {s.kind: s for s in score_qualifier_pairs([(doc, rel, [right]), (doc, rel, [wrong])])}
    assert (by_kind["amount"].gold, by_kind["amount"].found, by_kind["amount"].correct) == (2, 2, 1)
    assert (by_kind["date"].correct, by_kind["date"].accuracy) == (1, 0.5)
    assert not qualifier_matches("role", "directrice", Qualifiers(role="présidente"))
    assert qualifier_matches("role", "directrice", Qualifiers(role="ancienne directrice"))


def test_gold_evidence_attachment_on_a_small_gold(tmp_path):
    text = "Le fonds Oasis Capital, qui gère 80 millions de dollars, a investi 3 millions de dirhams dans Tawsil."
    gold = {
        "documents": [
            {
                "id": "g1",
                "date": "2024-02-01",
                "text": text,
                "entities": [
                    {"name": "Oasis Capital", "class": "Organization"},
                    {"name": "Tawsil", "class": "Organization"},
                ],
                "relations": [
                    {
                        "subject": "Oasis Capital",
                        "predicate": "funds",
                        "object": "Tawsil",
                        "evidence": "a investi 3 millions de dirhams dans Tawsil",
                        "qualifiers": {"amount": "3 millions de dirhams"},
                    }
                ],
            }
        ]
    }
    path = tmp_path / "gold.json"
    path.write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    loaded = load_gold(path)
    assert loaded.documents[0].date == "2024-02-01"
    assert dict(loaded.documents[0].relations[0].qualifiers) == {"amount": "3 millions de dirhams"}
    amount = next(s for s in score_gold_evidence(loaded) if s.kind == "amount")
    assert (amount.gold, amount.correct) == (1, 1)


@pytest.mark.parametrize("name", ["funding", "stakes", "appointments", "timeline"])
def test_the_new_queries_run_on_an_empty_store(name):
    params = {"entity": "x"} if name == "timeline" else {}
    assert run_named_query(KGStore.in_memory(), name, **params) == []


def test_the_analysis_cache_keys_on_the_document_date():
    """'lundi' means another day in another week's article: a cached analysis of the same text cannot be reused."""
    from kg.cache import content_key
    from kg.ingest import make_document

    text = "Meryem Tazi, directrice générale de Nour Énergie, a signé lundi une convention."
    first = make_document(text, "a.jsonl:1", metadata=(("date", "2024-05-15"),))
    second = make_document(text, "a.jsonl:2", metadata=(("date", "2024-06-12"),))
    assert content_key(first) != content_key(second)
    assert content_key(first) == content_key(make_document(text, "b.jsonl:1", metadata=(("date", "2024-05-15"),)))


def _claims_store():
    """Claims of every kind the queries read, between entities of which two share a name ('Atlas Capital')."""
    from kg.search import search_keys

    rdf, rdfs, ekg, ent = PREFIXES["rdf"], PREFIXES["rdfs"], PREFIXES["ekg"], PREFIXES["ent"]
    xsd, prov, dct = PREFIXES["xsd"], PREFIXES["prov"], PREFIXES["dcterms"]
    names = {
        "atlas": "Atlas Capital",
        "atlas2": "ATLAS CAPITAL",  # another entity of the same name: both are 'Atlas Capital'
        "dafa": "Dafa Pay",
        "nour": "Nour Énergie",
        "tazi": "Meryem Tazi",
        "rif": "Rif Ventures",
    }
    quads = []
    for local, label in names.items():
        quads.append(ox.Quad(ox.NamedNode(ent + local), ox.NamedNode(rdfs + "label"), ox.Literal(label)))
        for key in search_keys(label, []):
            quads.append(ox.Quad(ox.NamedNode(ent + local), ox.NamedNode(ekg + "searchKey"), ox.Literal(key)))
    facts = [
        (
            "atlas",
            "funds",
            "dafa",
            {"amount": ("5000000", "decimal"), "currency": "MAD", "date": ("2024-03", "gYearMonth")},
        ),
        ("atlas2", "funds", "nour", {"amount": ("2000000", "decimal"), "currency": "EUR"}),
        ("rif", "funds", "dafa", {"date": ("2023", "gYear")}),
        ("atlas", "funds", "atlas2", {}),  # both ends have the name: listed once
        ("atlas", "shareholderOf", "dafa", {"share": ("0.2", "decimal"), "date": ("2024-03-04", "date")}),
        ("rif", "acquires", "nour", {"share": ("1", "decimal")}),
        ("tazi", "headOf", "nour", {"role": "directrice générale", "date": ("2022", "gYear")}),
        ("tazi", "memberOf", "atlas2", {"role": "administratrice"}),
    ]
    doc = ox.NamedNode(PREFIXES["doc"] + "d1")
    quads.append(
        ox.Quad(doc, ox.NamedNode(dct + "date"), ox.Literal("2024-05-15", datatype=ox.NamedNode(xsd + "date")), doc)
    )
    for n, (s, p, o, qualifiers) in enumerate(facts):
        claim = ox.NamedNode(PREFIXES["claim"] + f"c{n}")
        triples = [
            (rdf + "subject", ox.NamedNode(ent + s)),
            (rdf + "predicate", ox.NamedNode(ekg + p)),
            (rdf + "object", ox.NamedNode(ent + o)),
            (prov + "wasDerivedFrom", doc),
            (ekg + "sentence", ox.Literal(f"{names[s]} {p} {names[o]}.")),
        ]
        for kind, value in qualifiers.items():
            term = (
                ox.Literal(value[0], datatype=ox.NamedNode(xsd + value[1]))
                if isinstance(value, tuple)
                else ox.Literal(value)
            )
            triples.append((ekg + kind, term))
        quads += [ox.Quad(claim, ox.NamedNode(pred), obj, doc) for pred, obj in triples]
    return KGStore.in_memory(quads)


@pytest.mark.parametrize(
    ("name", "ends"),
    [
        ("funding", ("funder", "funded")),
        ("stakes", ("shareholder", "company")),
        ("appointments", ("person", "organisation")),
    ],
)
@pytest.mark.parametrize("entity", ["Atlas Capital", "dafa pay", "Nour Energie", "Meryem Tazi", "Rif Ventures"])
def test_an_entity_filter_keeps_exactly_the_claims_naming_it(name, ends, entity):
    from kg.search import search_key

    store = _claims_store()
    key = search_key(entity)
    iris = {r["e"] for r in store.query("SELECT ?e ?k WHERE { ?e ekg:searchKey ?k }", k=ox.Literal(key))}
    everything = run_named_query(store, name)
    expected = Counter(
        tuple((k, v) for k, v in row.items() if k != "entity") for row in everything if {row[e] for e in ends} & iris
    )
    filtered = run_named_query(store, name, entity=entity)
    assert Counter(tuple((k, v) for k, v in row.items() if k != "entity") for row in filtered) == expected
    assert {row["entity"] for row in filtered} <= {key}
    assert all(row["entity"] is None for row in everything)


def test_the_entity_filter_on_a_name_two_entities_share():
    store = _claims_store()
    funding = run_named_query(store, "funding", entity="atlas capital")
    pairs = sorted((r["funderLabel"], r["fundedLabel"]) for r in funding)
    assert pairs == [
        ("ATLAS CAPITAL", "Nour Énergie"),
        ("Atlas Capital", "ATLAS CAPITAL"),
        ("Atlas Capital", "Dafa Pay"),
    ]
    assert len(run_named_query(store, "funding")) == 4
    assert [r["organisationLabel"] for r in run_named_query(store, "appointments", entity="Atlas Capital")] == [
        "ATLAS CAPITAL"
    ]


def test_a_gold_date_is_read_in_its_sentence():
    """'en juin' in 'Nous inaugurerons en juin' (an article of February) is the coming June, on both sides."""
    from kg.eval import _gold_value

    text = "Atlas Call a ouvert en juin un site à Oujda. Nous inaugurerons en juin un entrepôt à Nador."
    evidence = "Nous inaugurerons en juin un entrepôt à Nador"
    assert _gold_value("date", "en juin", "2025-02-10", (text, evidence)) == ("2025-06", "month")
    assert _gold_value("date", "en juin", "2025-02-10", (text, "a ouvert en juin un site à Oujda")) == (
        "2024-06",
        "month",
    )
    assert _gold_value("date", "en juin", "2025-02-10") == ("2024-06", "month")
