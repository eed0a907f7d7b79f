"""Resolution: one entity per actor, never two people merged on a shared surname."""

from __future__ import annotations

from kg.ingest import make_document
from kg.model import Claim, DocumentAnalysis, Mention
from kg.resolve import edit_distance, normalise_name, resolve_entities


def m(doc, text, cls, start=0, expansion=None, gaz=None):
    return Mention(doc, start, start + len(text), text, cls, expansion=expansion, gazetteer_id=gaz)


def analysis(doc_id, mentions, claims=()):
    document = make_document("x " + doc_id, doc_id)
    document = type(document)(doc_id, doc_id, document.text)
    return DocumentAnalysis(document, 1, tuple(mentions), tuple(claims))


def labels(res):
    return sorted((e.label, e.cls, e.aliases) for e in res.entities)


def test_normalise_name_ignores_case_accents_apostrophes_and_articles():
    assert normalise_name("L’Agence de Développement") == normalise_name("l'agence de developpement")
    assert normalise_name("le Technopark") == "technopark"
    assert normalise_name("« Fès »") == "fes"


def test_edit_distance_stops_early():
    assert edit_distance("technopark", "tehnopark", 1) == 1
    assert edit_distance("technopark", "casablanca", 2) == 3


LONG = "Société Nationale des Transports et de la Logistique"


def test_acronym_and_expansion_become_one_entity():
    res = resolve_entities([
        analysis("d1", [m("d1", "SNTL", "Organization", expansion=LONG),
                        m("d1", LONG, "Organization", 10),
                        m("d1", "SNTL", "Organization", 90)]),
    ])  # fmt: skip
    assert labels(res) == [("SNTL", "Organization", (LONG,))]


def test_typo_in_a_long_name_joins_the_right_entity_across_documents():
    res = resolve_entities([
        analysis("d1", [m("d1", "Technopolis", "Facility"), m("d1", "Technopolis", "Facility", 40)]),
        analysis("d2", [m("d2", "Tecnopolis", "Person")]),
    ])  # fmt: skip
    assert [(e.label, e.cls, e.aliases, e.doc_ids) for e in res.entities] == [
        ("Technopolis", "Facility", ("Tecnopolis",), ("d1", "d2"))
    ]


def test_short_names_are_not_fuzzy_matched():
    res = resolve_entities([analysis("d1", [m("d1", "OCP", "Organization"), m("d1", "OCC", "Organization", 9)])])
    assert len(res.entities) == 2


def test_two_people_sharing_a_surname_stay_apart():
    res = resolve_entities([
        analysis("d1", [m("d1", "Karim Tazi", "Person"), m("d1", "Karima Tazi", "Person", 30)]),
        analysis("d2", [m("d2", "Tazi", "Person")]),
    ])  # fmt: skip
    assert sorted(e.label for e in res.entities) == ["Karim Tazi", "Karima Tazi", "Tazi"]


def test_a_lone_surname_joins_the_only_full_name_of_its_document():
    res = resolve_entities([
        analysis("d1", [m("d1", "Salma Berrada", "Person"), m("d1", "Berrada", "Person", 50)]),
        analysis("d2", [m("d2", "Berrada", "Person")]),
    ])  # fmt: skip
    by_label = {e.label: e for e in res.entities}
    assert by_label["Salma Berrada"].mention_count == 2
    assert by_label["Berrada"].doc_ids == ("d2",)


def test_gazetteer_names_and_acronyms_meet():
    res = resolve_entities([
        analysis("d1", [m("d1", "BAM", "Organization", gaz="Bank Al-Maghrib")]),
        analysis("d2", [m("d2", "Bank Al-Maghrib", "Organization", gaz="Bank Al-Maghrib")]),
    ])  # fmt: skip
    assert len(res.entities) == 1 and res.entities[0].doc_ids == ("d1", "d2")


def test_claims_become_facts_between_entities():
    a, b = m("d1", "Hmizate", "Organization"), m("d1", "Jumia Maroc", "Organization", 20)
    claim = Claim(a, "acquires", b, "d1", "Hmizate rachète Jumia Maroc.", 0, 28, "acquire-verb", 0.8)
    res = resolve_entities([analysis("d1", [a, b], [claim])])
    (fact,) = res.facts
    assert (res.entity(fact.subject).label, fact.predicate, res.entity(fact.object).label) == (
        "Hmizate",
        "acquires",
        "Jumia Maroc",
    )


def _claim(doc, s, p, o, start=0):
    return Claim(s, p, o, doc, "phrase", start, start + 6, "model:relations", 0.8)


def test_a_fact_whose_resolved_actors_break_the_signature_is_dropped():
    # "Agadir" read once as an organisation joins the place Agadir named twice: its partnership is no fact
    place1, place2 = m("d1", "Agadir", "Place", 0), m("d1", "Agadir", "Place", 40)
    as_org, org = m("d1", "Agadir", "Organization", 80), m("d1", "Souss Bio", "Organization", 100)
    person = m("d1", "Nadia Chraibi", "Person", 120)
    claims = [_claim("d1", as_org, "partnerOf", org, 80), _claim("d1", person, "headOf", org, 120)]
    res = resolve_entities([analysis("d1", [place1, place2, as_org, org, person], claims)])
    assert [(f.predicate, res.entity(f.object).label) for f in res.facts] == [("headOf", "Souss Bio")]


def test_one_fact_per_passage_keeps_the_best_claim():
    acronym, org, site = (
        m("d1", "MITC", "Organization", 0),
        m("d1", "MITC", "Organization", 30),
        m("d1", "Technopark", "Facility", 60),
    )
    claims = [_claim("d1", acronym, "operates", site), _claim("d1", org, "operates", site)]
    claims[1] = Claim(org, "operates", site, "d1", "phrase", 0, 6, "model:relations+rule", 0.9)
    res = resolve_entities([analysis("d1", [acronym, org, site], claims)])
    assert [(f.predicate, f.claim.confidence) for f in res.facts] == [("operates", 0.9)]
