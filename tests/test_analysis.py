"""Network analytics on small hand-built graphs with known answers, read through the real RDF layout."""

from __future__ import annotations

import csv
import itertools

import networkx as nx
import pytest

from kg import analysis
from kg.store import KGStore

PREFIX = """
@prefix ekg: <https://w3id.org/ecosystem-kg/ontology#> .
@prefix ent: <https://w3id.org/ecosystem-kg/id/entity/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
"""
DOC = "https://w3id.org/ecosystem-kg/id/doc/"


def trig(entities, relations, doc="d1") -> str:
    """A TriG text in the build's layout: entities in the default graph, facts and claims in a document graph.

    ``entities``: (id, label, class, aliases); ``relations``: (subject, predicate, object, confidence, sentence).
    """
    lines = [PREFIX]
    for eid, label, cls, aliases in entities:
        lines.append(f'ent:{eid} a ekg:{cls} ; rdfs:label "{label}" ; ekg:mentionCount 1 .')
        lines += [f'ent:{eid} skos:altLabel "{a}" .' for a in aliases]
    lines.append(f"<{DOC}{doc}> {{ <{DOC}{doc}> a ekg:Document .")
    lines += [f"<{DOC}{doc}> ekg:mentions ent:{eid} ." for eid, *_ in entities]
    for i, (s, p, o, confidence, sentence) in enumerate(relations):
        claim = f"<https://w3id.org/ecosystem-kg/id/claim/{doc}-{i}>"
        lines.append(f"ent:{s} ekg:{p} ent:{o} .")
        lines.append(
            f"{claim} a ekg:Claim ; rdf:subject ent:{s} ; rdf:predicate ekg:{p} ; rdf:object ent:{o} ; "
            f'prov:wasDerivedFrom <{DOC}{doc}> ; ekg:sentence "{sentence}" ; ekg:confidence {confidence} .'
        )
    lines.append("}")
    return "\n".join(lines)


def store_of(*trigs: str) -> KGStore:
    import pyoxigraph as ox

    quads = [q for text in trigs for q in ox.parse(text.encode(), format=ox.RdfFormat.TRIG)]
    return KGStore.in_memory(quads)


# A chain of three partners, plus a city one of them sits in and an actor linked to nobody.
CHAIN_ENTITIES = [
    ("Atlas-Invest", "Atlas Invest", "Organization", ()),
    ("Technopole-Agadir", "Technopôle d’Agadir", "Facility", ("Technopole du Souss",)),
    ("Cooperative-Argane", "Coopérative Argane Bleue", "Organization", ()),
    ("Agadir", "Agadir", "Place", ()),
    ("Fonds-Isole", "Fonds Isolé", "Organization", ()),
]
CHAIN_RELATIONS = [
    ("Atlas-Invest", "partnerOf", "Technopole-Agadir", 0.7, "Atlas Invest s'associe au Technopôle d’Agadir."),
    ("Cooperative-Argane", "partnerOf", "Technopole-Agadir", 0.8, "La coopérative rejoint le technopôle."),
    ("Technopole-Agadir", "locatedIn", "Agadir", 0.9, "Le technopôle est implanté à Agadir."),
]
B = "https://w3id.org/ecosystem-kg/id/entity/Technopole-Agadir"


@pytest.fixture(scope="module")
def chain():
    second = [("Atlas-Invest", "partnerOf", "Technopole-Agadir", 0.95, "Atlas Invest renouvelle son accord.")]
    return analysis.to_networkx(store_of(trig(CHAIN_ENTITIES, CHAIN_RELATIONS), trig(CHAIN_ENTITIES, second, "d2")))


def two_cliques():
    """Two groups of four partners, joined by a single funding relation from Nord-3 to Sud-0."""
    entities = [
        (f"{side}-{i}", f"Société {side} {i}", "Organization", ()) for side in ("Nord", "Sud") for i in range(4)
    ]
    relations = [
        (f"{side}-{i}", "partnerOf", f"{side}-{j}", 0.8, "Les deux sociétés coopèrent.")
        for side in ("Nord", "Sud")
        for i, j in itertools.combinations(range(4), 2)
    ]
    relations.append(("Nord-3", "funds", "Sud-0", 0.6, "La société du nord finance celle du sud."))
    return analysis.to_networkx(store_of(trig(entities, relations)))


def test_nodes_and_edges_carry_what_the_rdf_says(chain):
    node = chain.nodes[B]
    assert (node["label"], node["class"], node["aliases"], node["documents"]) == (
        "Technopôle d’Agadir",
        "Facility",
        ("Technopole du Souss",),
        2,
    )
    edge = chain.edges["https://w3id.org/ecosystem-kg/id/entity/Atlas-Invest", B, "partnerOf"]
    assert edge["confidence"] == pytest.approx(0.95)  # the best of the two claims
    assert edge["evidence"] == 2
    assert chain.number_of_nodes() == 5 and chain.number_of_edges() == 3


def test_filters_keep_only_the_classes_and_predicates_asked_for(chain):
    store = store_of(trig(CHAIN_ENTITIES, CHAIN_RELATIONS))
    orgs = analysis.to_networkx(store, classes=["Organization", "Facility"])
    assert "https://w3id.org/ecosystem-kg/id/entity/Agadir" not in orgs
    assert {p for _, _, p in orgs.edges(keys=True)} == {"partnerOf"}
    located = analysis.to_networkx(store, predicates=["locatedIn"])
    assert located.number_of_nodes() == 5 and [p for *_, p in located.edges(keys=True)] == ["locatedIn"]
    with pytest.raises(ValueError, match="'Company'"):
        analysis.to_networkx(store, classes=["Company"])


def test_rdflib_dataset_and_store_give_the_same_graph():
    store = store_of(trig(CHAIN_ENTITIES, CHAIN_RELATIONS))
    from_store, from_rdflib = analysis.to_networkx(store), analysis.to_networkx(store.dataset())
    assert nx.utils.graphs_equal(from_store, from_rdflib)


def test_path_between_the_ends_of_a_chain_goes_through_the_middle(chain):
    paths = analysis.connection_paths(chain, "atlas invest", "Coopérative Argane Bleue")
    assert [p.labels for p in paths] == [("Atlas Invest", "Technopôle d’Agadir", "Coopérative Argane Bleue")]
    assert str(paths[0]) == "Atlas Invest -partnerOf-> Technopôle d’Agadir <-partnerOf- Coopérative Argane Bleue"


def test_middle_of_the_chain_is_the_most_central(chain):
    assert analysis.central_actors(chain, "betweenness", top=1)[0].node == B
    top = analysis.central_actors(chain, "degree", top=2)
    assert [(a.label, a.cls, a.score) for a in top] == [
        ("Technopôle d’Agadir", "Facility", 3),
        ("Agadir", "Place", 1),
    ]


def test_pagerank_favours_the_place_everyone_is_located_in():
    entities = [(f"Start-up-{i}", f"Start-up {i}", "Organization", ()) for i in range(3)]
    entities.append(("Oujda", "Oujda", "Place", ()))
    relations = [(f"Start-up-{i}", "locatedIn", "Oujda", 0.9, "Elle est basée à Oujda.") for i in range(3)]
    graph = analysis.to_networkx(store_of(trig(entities, relations)))
    ranks = analysis.central_actors(graph, "pagerank")
    assert ranks[0].label == "Oujda"
    assert sum(r.score for r in ranks) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="closeness"):
        analysis.central_actors(graph, "closeness")


def test_networkx_functions_needing_scipy_work_on_the_graph(chain):
    # notebooks call networkx directly: pagerank and eigenvector centrality need scipy, a dependency
    ranks = nx.pagerank(nx.DiGraph(chain))
    assert set(ranks) == set(chain.nodes) and sum(ranks.values()) == pytest.approx(1.0)
    linked = nx.Graph(chain).subgraph(nx.node_connected_component(nx.Graph(chain), B))
    eigen = nx.eigenvector_centrality_numpy(linked)
    assert max(eigen, key=eigen.get) == B


def test_labels_are_found_without_accents_case_or_curly_apostrophes(chain):
    assert analysis.find_actor(chain, "TECHNOPOLE D'AGADIR") == B
    assert analysis.find_actor(chain, "technopole du souss") == B  # an alias


def test_unknown_label_is_a_clear_error_naming_it(chain):
    with pytest.raises(analysis.UnknownActorError, match="'Atlas Investissement'") as info:
        analysis.connection_paths(chain, "Atlas Investissement", "Agadir")
    assert isinstance(info.value, ValueError)
    assert "Atlas Invest" in str(info.value)  # the close label is suggested


def test_actors_that_are_not_linked_have_no_path(chain):
    assert analysis.connection_paths(chain, "Fonds Isolé", "Agadir") == []


def test_ego_network_grows_with_the_radius(chain):
    near = analysis.ego_network(chain, "Atlas Invest")
    assert {d["label"] for _, d in near.nodes(data=True)} == {"Atlas Invest", "Technopôle d’Agadir"}
    assert set(analysis.ego_network(chain, "Atlas Invest", radius=2)) == set(chain) - {
        "https://w3id.org/ecosystem-kg/id/entity/Fonds-Isole"
    }


def test_two_cliques_are_two_communities_joined_by_one_bridge():
    graph = two_cliques()
    groups = analysis.communities(graph)
    assert sorted(g.labels for g in groups) == [
        tuple(f"Société Nord {i}" for i in range(4)),
        tuple(f"Société Sud {i}" for i in range(4)),
    ]
    assert analysis.communities(graph) == groups  # fixed seed: the same answer every time
    bridges = analysis.community_bridges(graph, groups)
    assert [(b.source_label, b.predicate, b.target_label) for b in bridges] == [
        ("Société Nord 3", "funds", "Société Sud 0")
    ]
    assert bridges[0].source_community != bridges[0].target_community


def test_csv_export_is_readable_by_a_spreadsheet(tmp_path, chain):
    nodes_path, edges_path = analysis.export_csv(chain, tmp_path / "csv")
    with open(nodes_path, encoding="utf-8-sig", newline="") as fh:
        nodes = {row["label"]: row for row in csv.DictReader(fh)}
    with open(edges_path, encoding="utf-8-sig", newline="") as fh:
        edges = list(csv.DictReader(fh))
    assert nodes["Technopôle d’Agadir"]["aliases"] == "Technopole du Souss"
    assert nodes["Technopôle d’Agadir"]["degree"] == "3"
    assert len(nodes) == 5 and len(edges) == 3
    atlas = next(e for e in edges if e["source_label"] == "Atlas Invest")
    assert (atlas["predicate"], atlas["target_label"], atlas["evidence"]) == ("partnerOf", "Technopôle d’Agadir", "2")
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == ["edges.csv", "nodes.csv"]  # no temp file left


def test_technopark_is_among_the_three_most_connected_in_the_seed(seed_store):
    graph = analysis.to_networkx(seed_store)
    assert "Technopark" in [a.label for a in analysis.central_actors(graph, "degree", top=3)]
    stats = analysis.graph_stats(graph, top=3)
    assert stats.top_actors[0].label == "Technopark"
    assert sum(c.size for c in stats.communities) == stats.actors == graph.number_of_nodes()


def test_stats_command_prints_top_actors_and_communities(seed_out):
    from typer.testing import CliRunner

    from kg.cli import app

    result = CliRunner().invoke(app, ["stats", str(seed_out), "--top", "3"])
    assert result.exit_code == 0, result.output
    assert "Technopark" in result.output and "communities" in result.output
    missing = CliRunner().invoke(app, ["stats", str(seed_out / "nowhere")])
    assert missing.exit_code != 0 and "nowhere" in missing.output and "Traceback" not in missing.output
