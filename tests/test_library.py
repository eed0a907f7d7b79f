"""The query library: every shipped query runs on the seed and answers what its comment promises."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.library import (
    LibraryError,
    bind_parameters,
    list_queries,
    load_query,
    parse_param_options,
    run_named_query,
)
from kg.model import Entity
from kg.rdf import PREFIXES, entity_quads
from kg.search import search_key, search_keys
from kg.store import KGStore

EKG, ENT = PREFIXES["ekg"], PREFIXES["ent"]
MINE = (
    "about",
    "confident_facts",
    "documents",
    "entities",
    "evidence",
    "located_in",
    "most_connected",
    "network_sites",
    "operates",
    "partners",
    "people_roles",
)


def labels(rows, key):
    return {r[key] for r in rows}


def test_library_ships_at_least_ten_documented_queries():
    queries = {q.name: q for q in list_queries()}
    assert set(MINE) <= set(queries)
    for q in queries.values():
        assert q.text.lstrip().startswith("#"), q.name
        assert len(q.description) > 10, q.name


@pytest.mark.parametrize("name", MINE)
def test_every_query_parses_and_runs_on_an_empty_store(name):
    query = load_query(name)
    params = {p.name: p.default or "x" for p in query.parameters if p.kind in ("string", "normalised")}
    assert run_named_query(KGStore.in_memory(), name, **params) == []


def test_operates(seed_store):
    rows = run_named_query(seed_store, "operates")
    assert ("MITC", "Technopark") in {(r["operatorLabel"], r["siteLabel"]) for r in rows}


def test_partners_of_technopark_in_both_directions(seed_store):
    partners = labels(run_named_query(seed_store, "partners", entity="Technopark"), "partnerLabel")
    assert {"EAC L’boulevart"} <= partners
    # partnerOf is stored once per pair: the partner of MITC is found from either side
    assert "MITC" in labels(run_named_query(seed_store, "partners", entity="Jokkolabs"), "partnerLabel")
    # the alternative label finds the same organisation
    assert "EAC L’boulevart" in labels(run_named_query(seed_store, "partners", entity="Tehnopark"), "partnerLabel")


def test_people_and_roles(seed_store):
    rows = run_named_query(seed_store, "people_roles")
    triples = {(r["personLabel"], r["role"], r["organisationLabel"]) for r in rows}
    assert ("Omar Balafrej", "directeur général", "Technopark") in triples
    assert ("Asmaa Morine Azzouzi", "présidente", "AFEM") in triples


def test_organisations_located_in_a_city_directly_or_through_their_site(seed_store):
    rows = run_named_query(seed_store, "located_in", city="Rabat")
    assert ("Enactus Morocco", "Technopark de Rabat") in {(r["organisationLabel"], r["viaLabel"]) for r in rows}
    assert run_named_query(seed_store, "located_in", city="Agadir") == []


def test_sites_of_a_network_and_their_cities(seed_store):
    rows = run_named_query(seed_store, "network_sites")
    sites = {(r["networkLabel"], r["siteLabel"], r["cityLabel"]) for r in rows}
    assert ("Technopark", "Technopark de Rabat", "Rabat") in sites
    assert ("Technopark", "Technopark de Casablanca", "Casablanca") in sites


def test_most_connected_puts_technopark_first(seed_store):
    rows = run_named_query(seed_store, "most_connected")
    assert rows[0]["label"] == "Technopark"
    counts = [r["connections"] for r in rows]
    assert counts == sorted(counts, reverse=True)


def test_evidence_gives_the_sentence_behind_a_fact(seed_store):
    rows = run_named_query(seed_store, "evidence", subject="MITC", predicate="operates", object="Technopark")
    assert len(rows) == 1
    assert "société gestionnaire du Technopark" in rows[0]["sentence"]
    assert rows[0]["document"].startswith(PREFIXES["doc"])
    assert 0 < rows[0]["confidence"] <= 1
    everything = run_named_query(seed_store, "evidence")
    assert len(everything) > len(rows)


@pytest.mark.parametrize("typed", ["technopark", "TECHNOPARK", "Téchnopärk", "  TeChNoPaRk "])
def test_about_finds_an_entity_whatever_the_case_and_accents(seed_store, typed):
    rows = run_named_query(seed_store, "about", label=typed)
    assert {r["entity"] for r in rows} == {ENT + "Technopark"}
    facts = {(r["direction"], r["property"], r["valueLabel"]) for r in rows}
    assert ("in", EKG + "operates", "MITC") in facts
    assert ("in", EKG + "partOf", "Technopark de Rabat") in facts


def test_about_folds_accents_of_the_stored_labels_too(seed_store):
    rows = run_named_query(seed_store, "about", label="benchaaboun")
    assert {r["entity"] for r in rows} == {ENT + "Benchaaboun"}


def test_about_on_own_french_labels():
    # the search keys are written with the entity, as kg build does
    uemf = Entity("Universite-Euromed-de-Fes", "Université Euromed de Fès", "Organization", ("UEMF",), 2)
    located = ox.Quad(ox.NamedNode(ENT + uemf.entity_id), ox.NamedNode(EKG + "locatedIn"), ox.NamedNode(ENT + "Fes"))
    store = KGStore.in_memory([*entity_quads([uemf]), located])
    for typed in ("UNIVERSITÉ EUROMED DE FÈS", "universite euromed de fes", "uemf", "l'Université Euromed de Fès"):
        rows = run_named_query(store, "about", label=typed)
        assert (EKG + "locatedIn", ENT + "Fes") in {(r["property"], r["value"]) for r in rows}, typed
    assert run_named_query(store, "about", label="euromed") == []


def test_documents_that_mention_an_entity(seed_store):
    rows = run_named_query(seed_store, "documents", entity="Jokkolabs")
    assert len(rows) == 1
    assert rows[0]["title"].startswith("Sommet économique")
    assert run_named_query(seed_store, "documents", entity="Inconnu SA") == []


def test_confident_facts_respect_the_threshold(seed_store):
    loose = run_named_query(seed_store, "confident_facts", min="0.3")
    top = max(r["best"] for r in loose)
    strict = run_named_query(seed_store, "confident_facts", min=str(top))
    assert all(r["best"] >= 0.3 for r in loose) and all(r["best"] >= top for r in strict)
    assert strict and len(strict) < len(loose)


def test_entities_of_a_class(seed_store):
    people = labels(run_named_query(seed_store, "entities", **{"class": "Person"}), "label")
    assert {"Omar Balafrej", "Adnane Addioui"} <= people
    assert "Technopark" not in people


def test_parameters_are_bound_as_terms_not_pasted():
    sneaky = 'Technopark" } UNION { ?org ?p ?partner'
    assert run_named_query(KGStore.in_memory(), "partners", entity=sneaky) == []
    terms = bind_parameters(load_query("confident_facts"), {"min": "0.75"})
    assert terms["min"] == ox.Literal("0.75", datatype=ox.NamedNode(PREFIXES["xsd"] + "decimal"))


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("partenaires", {}, "no library query named 'partenaires'"),
        ("partners", {"ville": "Rabat"}, "has no parameter 'ville'"),
        ("partners", {}, "needs --param entity"),
        ("confident_facts", {"min": "beaucoup"}, "not a number"),
        ("evidence", {"predicate": "dirige"}, "unknown relation"),
    ],
)
def test_wrong_names_and_values_are_clear_errors(seed_store, name, params, message):
    with pytest.raises(LibraryError, match=message):
        run_named_query(seed_store, name, **params)


def test_param_options_and_normalised_labels():
    assert parse_param_options(["entity=EAC L'boulevart", "x=a=b"]) == {"entity": "EAC L'boulevart", "x": "a=b"}
    with pytest.raises(LibraryError, match="NAME=VALUE"):
        parse_param_options(["Technopark"])
    assert search_key("  Cœur  de la CÔTE d’Ivoire ") == "coeur de la cote d'ivoire"
    assert search_key("L’Œil de Fès") == search_key("oeil de fes") == "oeil de fes"
    assert search_keys("Banque Populaire", ("BANQUE POPULAIRE", "BP", "")) == ["banque populaire", "bp"]


def test_names_are_found_whatever_their_case_accents_or_article(seed_store):
    assert "EAC L’boulevart" in labels(run_named_query(seed_store, "partners", entity="le TECHNOPARK"), "partnerLabel")
    assert len(run_named_query(seed_store, "documents", entity="jokkolabs")) == 1


def test_internal_loaders_are_hidden_from_the_listing_but_still_load():
    listed = {q.name for q in list_queries()}
    assert not listed & {"viz_nodes", "viz_edges", "viz_evidence", "analysis_nodes", "analysis_edges"}
    assert set(MINE) <= listed
    internal = {q.name for q in list_queries(internal=True)} - listed
    assert internal == {"viz_nodes", "viz_edges", "viz_evidence", "analysis_nodes", "analysis_edges"}
    assert load_query("viz_nodes").internal and not load_query("partners").internal
    assert not load_query("viz_nodes").description.startswith("internal")


def test_located_in_directly_or_through_a_site_without_stray_labels():
    entities = [
        Entity("Meknes", "Meknès", "Place"),
        Entity("Atelier-Zitoun", "Atelier Zitoun", "Organization"),
        Entity("Pole-Agro", "Pôle Agro de Meknès", "Facility"),
        Entity("Cooperative-Nour", "Coopérative Nour", "Organization"),
    ]
    located = [("Atelier-Zitoun", "Meknes"), ("Pole-Agro", "Meknes"), ("Cooperative-Nour", "Pole-Agro")]
    relation = ox.NamedNode(EKG + "locatedIn")
    links = [ox.Quad(ox.NamedNode(ENT + s), relation, ox.NamedNode(ENT + o)) for s, o in located]
    rows = run_named_query(KGStore.in_memory([*entity_quads(entities), *links]), "located_in", city="MEKNES")
    # the direct row has no site, not one row per label of the graph
    assert {(r["organisationLabel"], r["viaLabel"]) for r in rows} == {
        ("Atelier Zitoun", None),
        ("Coopérative Nour", "Pôle Agro de Meknès"),
    }


def test_listings_stop_at_200_rows():
    # 300 operator/site pairs: the listing is cut at 200, sorted on labels
    quads = []
    for i in range(300):
        op, site = ox.NamedNode(f"{ENT}Op-{i}"), ox.NamedNode(f"{ENT}Site-{i}")
        quads.append(ox.Quad(op, ox.NamedNode(EKG + "operates"), site))
        quads.append(ox.Quad(op, ox.NamedNode(PREFIXES["rdfs"] + "label"), ox.Literal(f"Opérateur {i:03d}")))
    rows = run_named_query(KGStore.in_memory(quads), "operates")
    assert len(rows) == 200
    names = [r["operatorLabel"] for r in rows]
    assert names == sorted(names)
