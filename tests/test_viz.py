"""The graph page without a browser: what is loaded, how views are filtered, and that the page stays offline."""

from __future__ import annotations

import json
import re

import networkx as nx
import pytest
from typer.testing import CliRunner

from kg.analysis import communities
from kg.export import export_graph
from kg.viz import (
    ViewOptions,
    VizError,
    find_node,
    first_view,
    layout,
    linked_degree,
    load_graph,
    ontology_labels,
    page_data,
    render_page,
    script_json,
    select_view,
)
from tests.viz_fixtures import HOSTILE_NAME, HOSTILE_SENTENCE, synthetic_store, tiny_store


@pytest.fixture(scope="module")
def graph():
    return load_graph(tiny_store())


def labels(view) -> set[str]:
    return {d for _, d in view.nodes(data="label")}


def test_load_graph_keeps_entities_relations_and_evidence(graph):
    assert graph.number_of_nodes() == 7 and graph.number_of_edges() == 7
    atlas = graph.nodes[find_node(graph, "Atlas Numérique")]
    assert (atlas["cls"], atlas["aliases"], atlas["documents"]) == ("Organization", ["AN"], 1)
    [head] = [attrs for _, _, p, attrs in graph.edges(keys=True, data=True) if p == "headOf"]
    assert head["confidence"] == 0.85
    [evidence] = head["evidence"]
    assert evidence["sentence"] == "Salma Idrissi dirige Atlas Numérique depuis trois ans."
    assert evidence["qualifiers"] == {"role": "directrice générale"}
    assert graph.graph["documents"][evidence["doc"]] == {
        "title": "L'Oriental attire les <b>start-up</b>",
        "date": "2024-03-12",
        "url": "https://presse.example/oriental",
        "sources": ["articles/d1.txt"],
    }


def test_every_literal_qualifier_of_a_claim_reaches_the_page(graph):
    data = page_data(graph, layout(graph))
    [share] = [e for e in data["edges"] if e["p"] == "shareholderOf"]
    assert share["ev"][0]["q"] == {"share": "30", "amountText": "30 %"}
    assert data["qualifiers"]["share"] == "part" and data["qualifiers"]["role"] == ontology_labels()["role"]
    assert {d["date"] for d in data["documents"]} == {"2024-03-12", "2023-06-01", ""}


def test_only_web_addresses_become_document_links(graph):
    urls = {d["title"]: d["url"] for d in page_data(graph, layout(graph))["documents"]}
    assert urls["L'Oriental attire les <b>start-up</b>"] == "https://presse.example/oriental"
    assert urls["Géographie de l'Oriental"] == ""  # javascript: is dropped


def test_find_node_ignores_case_and_accents_and_knows_aliases(graph):
    assert graph.nodes[find_node(graph, "REGION DE L'ORIENTAL")]["label"] == "Région de l'Oriental"
    assert graph.nodes[find_node(graph, "an")]["label"] == "Atlas Numérique"
    with pytest.raises(VizError, match="'Casablanca'"):
        find_node(graph, "Casablanca")


def test_focus_keeps_the_neighbourhood_within_hops(graph):
    one = select_view(graph, ViewOptions(focus="Oujda", hops=1))
    assert labels(one) == {"Oujda", "Technopole d'Oujda", "Région de l'Oriental"}
    two = select_view(graph, ViewOptions(focus="Oujda", hops=2))
    assert labels(two) == labels(one) | {"Atlas Numérique", HOSTILE_NAME}


def test_class_and_predicate_filters(graph):
    places = select_view(graph, ViewOptions(classes=("Place",)))
    assert labels(places) == {"Oujda", "Région de l'Oriental"} and places.number_of_edges() == 1
    located = select_view(graph, ViewOptions(predicates=("locatedIn",), min_degree=1))
    assert {p for _, _, p in located.edges(keys=True)} == {"locatedIn"}
    assert "Salma Idrissi" not in labels(located) and "Coopérative Isolée" not in labels(located)


def test_min_degree_and_max_nodes_keep_the_most_connected(graph):
    assert "Coopérative Isolée" not in labels(select_view(graph, ViewOptions(min_degree=1)))
    top = select_view(graph, ViewOptions(max_nodes=2))
    assert labels(top) == {"Atlas Numérique", "Technopole d'Oujda"}  # degrees 4 and 3, the highest


@pytest.mark.parametrize(
    "options, needle",
    [
        (ViewOptions(classes=("Company",)), "'Company'"),
        (ViewOptions(predicates=("owns",)), "'owns'"),
        (ViewOptions(max_nodes=0), "--max-nodes"),
    ],
)
def test_bad_options_are_named(graph, options, needle):
    with pytest.raises(VizError, match=re.escape(needle)):
        select_view(graph, options)


def test_first_view_starts_from_the_hubs_and_keeps_them_linked():
    big = load_graph(synthetic_store(300, 750))
    chosen = first_view(big, 40)
    assert len(chosen) == 40 and len(set(chosen)) == 40
    top = max(big, key=lambda n: (big.degree(n), n))
    assert big.degree(chosen[0]) == big.degree(top)
    # each chosen entity but the group starters is linked to one chosen before it
    linked = sum(any(m in chosen[:i] for m in nx.all_neighbors(big, n)) for i, n in enumerate(chosen))
    assert linked >= 38
    assert all(linked_degree(big, n) for n in chosen)


def test_first_view_begins_with_the_focus(graph):
    view = select_view(graph, ViewOptions(focus="Oujda", hops=2))
    assert view.nodes[first_view(view, 2)[0]]["label"] == "Oujda"
    assert "Coopérative Isolée" not in {graph.nodes[n]["label"] for n in first_view(graph)}


def test_layout_places_the_rest_around_the_first_view():
    big = load_graph(synthetic_store(300, 750))
    core = first_view(big, 40)
    pos = layout(big, core=core)
    assert set(pos) == set(big.nodes)
    xs = [pos[n][0] for n in core]
    ys = [pos[n][1] for n in core]
    inside = [n for n in big if n not in core and min(xs) <= pos[n][0] <= max(xs) and min(ys) <= pos[n][1] <= max(ys)]
    assert len(inside) < len(big) - len(core)  # not everything is dumped on top of the core


def test_parallel_relations_bend_apart(graph):
    two = nx.MultiDiGraph()
    two.add_node("a", label="A", cls="Organization", aliases=[], documents=1, mentions=1)
    two.add_node("b", label="B", cls="Organization", aliases=[], documents=1, mentions=1)
    for p in ("partnerOf", "funds", "acquires"):
        two.add_edge("a", "b", key=p, predicate=p, evidence=[], confidence=None)
    two.add_edge("b", "a", key="funds", predicate="funds", evidence=[], confidence=None)
    edges = page_data(two, layout(two))["edges"]

    def bend(e):  # signed roundness seen from the node with the smaller id: CW one way is CCW the other way
        c = e["smooth"]
        return 0.0 if not c else c["roundness"] * (1 if (c["type"] == "curvedCW") == (e["from"] < e["to"]) else -1)

    assert len({bend(e) for e in edges}) == 4  # four relations, four different paths


def test_communities_are_louvains_and_named_by_their_hub(graph):
    data = page_data(graph, layout(graph))
    groups = {}
    for n in data["nodes"]:
        groups.setdefault(n["com"], set()).add(n["label"])
    expected = {frozenset(c.labels) for c in communities(graph)}
    assert {frozenset(g) for g in groups.values()} == expected
    for i, info in enumerate(data["communities"]):
        members = [n for n in data["nodes"] if n["com"] == i]
        assert info["name"] == max(members, key=lambda n: (n["degree"], -ord(n["label"][0])))["label"]
        assert info["size"] == len(members)


def test_layout_keeps_label_boxes_apart(graph):
    pos = layout(graph)
    assert set(pos) == set(graph.nodes)
    points = sorted(pos.values())
    assert all(abs(a[0] - b[0]) > 1 or abs(a[1] - b[1]) > 1 for a, b in zip(points, points[1:]))


def test_page_data_uses_ontology_labels_and_symmetric_arrows(graph):
    data = page_data(graph, layout(graph))
    assert data["predicates"]["partnerOf"] == {"label": ontology_labels()["partnerOf"], "directed": False}
    assert data["predicates"]["headOf"] == {"label": "dirige", "directed": True}
    assert data["classes"]["Facility"]["label"] == "Site"


def test_script_json_cannot_close_the_script_element():
    text = script_json({"s": "</script><!-- x -->\u2028"})
    assert "<" not in text and ">" not in text and "\u2028" not in text
    assert json.loads(text) == {"s": "</script><!-- x -->\u2028"}


def test_page_is_offline_and_article_text_is_not_markup(graph):
    page = render_page(graph)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.IGNORECASE)
    assert "<link" not in page and not re.search(r"<script[^>]+src", page)
    assert "Copyright" in page or "@license" in page  # vis-network's licence header is kept
    assert HOSTILE_SENTENCE not in page and "<script>window.pwned" not in page
    assert '<img src=x onerror="window.pwned=1">' not in page


def test_seed_page_from_kg_build_is_offline(seed_out):
    page = (seed_out / "graph.html").read_text(encoding="utf-8")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.IGNORECASE)
    assert 'id="kg-data"' in page


def test_cli_viz_writes_the_page_and_names_an_unknown_focus(seed_out, tmp_path):
    from kg.cli import app

    runner = CliRunner()
    out = tmp_path / "focus.html"
    ok = runner.invoke(app, ["viz", str(seed_out), "--focus", "technopark", "--hops", "1", "--out", str(out)])
    assert ok.exit_code == 0, ok.output
    assert out.is_file() and "Technopark" in out.read_text(encoding="utf-8")
    bad = runner.invoke(app, ["viz", str(seed_out), "--focus", "Atlantide", "--out", str(tmp_path / "x.html")])
    assert bad.exit_code == 2 and "Atlantide" in bad.output and "Traceback" not in bad.output
    assert not (tmp_path / "x.html").exists()


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_network_exports_carry_the_page_layout_colour_class_and_community(tmp_path, fmt):
    store = tiny_store()
    (path,) = export_graph(store, fmt, tmp_path / f"graph.{fmt}")
    read = nx.read_gexf(path) if fmt == "gexf" else nx.read_graphml(path)
    atlas = next(d for _, d in read.nodes(data=True) if d["label"] == "Atlas Numérique")
    assert atlas["class"] == "Organization"
    if fmt == "gexf":
        x, y = atlas["viz"]["position"]["x"], atlas["viz"]["position"]["y"]
        colour = atlas["viz"]["color"]
        rgb = (colour["r"], colour["g"], colour["b"])
    else:
        x, y, rgb = atlas["x"], atlas["y"], (atlas["r"], atlas["g"], atlas["b"])
    graph = load_graph(store)
    pos = layout(graph, core=first_view(graph))[find_node(graph, "Atlas Numérique")]
    assert (round(x, 1), round(y, 1)) == (pos[0], -pos[1])
    assert rgb == (0x00, 0x72, 0xB2)  # the page's colour for organisations
    expected = {frozenset(c.labels): c.number for c in communities(graph)}
    groups = {}
    for _, d in read.nodes(data=True):
        groups.setdefault(d["community"], set()).add(d["label"])
    assert {frozenset(g): k for k, g in groups.items()} == expected


def test_cli_first_view_sets_how_many_entities_the_page_opens_on(seed_out, tmp_path):
    from kg.cli import app

    runner = CliRunner()
    out = tmp_path / "small.html"
    ok = runner.invoke(app, ["viz", str(seed_out), "--first-view", "3", "--out", str(out)])
    assert ok.exit_code == 0, ok.output
    data = json.loads(re.search(r'id="kg-data">(.*?)</script>', out.read_text(encoding="utf-8"), re.S).group(1))
    assert len(data["initial"]) == 3
    bad = runner.invoke(app, ["viz", str(seed_out), "--first-view", "0", "--out", str(tmp_path / "x.html")])
    assert bad.exit_code == 2 and "--first-view" in bad.output and "Traceback" not in bad.output


def test_edges_query_drops_entailed_triples_like_not_exists(seed_store):
    """viz_edges.rq's MINUS gives the rows of the FILTER NOT EXISTS form it replaced, in the same order (the page's
    communities depend on the order edges are added)."""
    from kg.viz import _query_text

    minus = _query_text("viz_edges.rq")
    head, _, _ = minus.partition("  MINUS {")
    not_exists = (
        head + "  FILTER NOT EXISTS { GRAPH <https://w3id.org/ecosystem-kg/id/graph/inferred> { ?s ?p ?o } }\n}"
    )
    rows = seed_store.query(minus)
    assert rows and rows == seed_store.query(not_exists)
    inferred = seed_store.query(
        "SELECT ?s ?p ?o WHERE { GRAPH <https://w3id.org/ecosystem-kg/id/graph/inferred> { ?s ?p ?o } }"
    )
    assert inferred and not {tuple(r.values()) for r in inferred} & {tuple(r.values()) for r in rows}
