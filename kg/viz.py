"""Viz stage: the graph as one self-contained, offline, interactive HTML page (vis-network).

The page is ``kg/data/graph_template.html.txt`` with three things inlined: the
vis-network script bundled with pyvis (licence header kept), the graph as JSON,
and the page title. The layout is computed here with numpy, so the browser
only draws: physics stays off, which keeps thousands of nodes responsive.
"""

from __future__ import annotations

import html
import json
import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import networkx as nx
import numpy as np
import pyoxigraph as ox

from kg.store import KGStore, atomic_write_bytes
from kg.vocab import ENTITY_CLASSES, PREDICATES, SYMMETRIC_PREDICATES

# Colour-blind-friendly (Okabe-Ito) colours and distinct shapes, so class reads from either.
CLASS_STYLE = {
    "Organization": ("#0072B2", "dot"),
    "Person": ("#D55E00", "diamond"),
    "Place": ("#009E73", "triangle"),
    "Facility": ("#E69F00", "square"),
    "Event": ("#CC79A7", "star"),
    "Program": ("#56B4E9", "triangleDown"),
}
OTHER_STYLE = ("#7f7f7f", "dot")

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
EKG_NS = "https://w3id.org/ecosystem-kg/ontology#"

# Label metrics of the page's font (14 px system sans-serif), used to keep labels apart.
FONT_PX = 15
CHAR_PX = 8.2
EDGE_PX = 140  # ideal relation length on screen at zoom 1
LABEL_SPREAD_MAX_NODES = 1500  # above this, labels only show when zoomed in, so no need to separate them
EDGE_LABELS_MAX_EDGES = 2000  # above this, relation names are in the side panel only (drawing them all is slow)


# Characters that could end a <script> element or start a comment inside it, and JS line separators.
SCRIPT_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


class VizError(ValueError):
    """A view that cannot be drawn (unknown focus label, class or predicate); the message says which."""


@dataclass(frozen=True)
class ViewOptions:
    """Which part of the graph to draw; the defaults draw everything."""

    focus: str | None = None
    hops: int = 1
    classes: tuple[str, ...] = ()
    predicates: tuple[str, ...] = ()
    min_degree: int = 0
    max_nodes: int | None = None


def fold(text: str) -> str:
    """Case- and accent-insensitive form of a label (the page's search does the same in JS)."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


def _query_text(name: str) -> str:
    return resources.files("kg.queries").joinpath(name).read_text(encoding="utf-8")


@cache
def ontology_labels() -> dict[str, str]:
    """Local name -> French label (English when there is none) of every ontology term."""
    ttl = resources.files("kg.ontology").joinpath("ecosystem.ttl").read_bytes()
    by_lang: dict[str, dict[str, str]] = defaultdict(dict)
    for t in ox.parse(ttl, format=ox.RdfFormat.TURTLE):
        if t.predicate.value == RDFS_LABEL and t.subject.value.startswith(EKG_NS):
            by_lang[t.subject.value[len(EKG_NS) :]][t.object.language or ""] = t.object.value
    return {name: langs.get("fr") or langs.get("en") or name for name, langs in by_lang.items()}


def load_graph(store: KGStore) -> nx.MultiDiGraph:
    """Entities and relations of a store as a multigraph (one edge per predicate) with their evidence."""
    graph = nx.MultiDiGraph()
    for row in store.query(_query_text("viz_nodes.rq")):
        if row["e"] in graph or row["cls"] not in ENTITY_CLASSES:
            continue
        aliases = sorted({a for a in (row["aliases"] or "").split("\n") if a and a != row["label"]})
        graph.add_node(
            row["e"],
            label=row["label"],
            cls=row["cls"],
            aliases=aliases,
            documents=row["documents"] or 0,
            mentions=row["mentions"] or 0,
        )
    for row in store.query(_query_text("viz_edges.rq")):
        name = row["p"].rsplit("#", 1)[-1]
        if name in PREDICATES and row["s"] in graph and row["o"] in graph:
            graph.add_edge(row["s"], row["o"], key=name, predicate=name, evidence=[])
    evidence: dict[tuple, dict[tuple, dict]] = defaultdict(dict)
    for row in store.query(_query_text("viz_evidence.rq")):
        edge = (row["s"], row["o"], row["p"].rsplit("#", 1)[-1])
        item = evidence[edge].setdefault(
            (row["sentence"], row["doc"]),
            {"sentence": row["sentence"], "title": row["title"] or "", "sources": [], "role": row["role"] or ""},
        )
        if row["source"] and row["source"] not in item["sources"]:
            item["sources"].append(row["source"])
    for (s, o, p), items in evidence.items():
        if graph.has_edge(s, o, key=p):
            graph.edges[s, o, p]["evidence"] = sorted(items.values(), key=lambda i: (i["title"], i["sentence"]))
    return graph


def find_node(graph: nx.MultiDiGraph, label: str) -> str:
    """The entity whose label (or else an alias) matches ``label`` ignoring case and accents."""
    wanted = fold(label)
    by_label = [n for n, d in graph.nodes(data=True) if fold(d["label"]) == wanted]
    by_alias = [n for n, d in graph.nodes(data=True) if any(fold(a) == wanted for a in d["aliases"])]
    matches = by_label or by_alias
    if not matches:
        raise VizError(f"no entity labelled {label!r} in the graph (search is case- and accent-insensitive)")
    return max(matches, key=lambda n: (graph.degree(n), graph.nodes[n]["label"]))


def select_view(graph: nx.MultiDiGraph, options: ViewOptions) -> nx.MultiDiGraph:
    """The part of ``graph`` that ``options`` asks for: classes, predicates, focus, then degree and size limits."""
    unknown = [c for c in options.classes if c not in ENTITY_CLASSES]
    if unknown:
        raise VizError(f"unknown class {unknown[0]!r}; choose among {', '.join(ENTITY_CLASSES)}")
    unknown = [p for p in options.predicates if p not in PREDICATES]
    if unknown:
        raise VizError(f"unknown predicate {unknown[0]!r}; choose among {', '.join(PREDICATES)}")
    if options.hops < 0 or options.min_degree < 0 or (options.max_nodes is not None and options.max_nodes < 1):
        raise VizError("--hops and --min-degree must be >= 0 and --max-nodes >= 1")
    view = graph.copy()
    if options.classes:
        view.remove_nodes_from([n for n, c in view.nodes(data="cls") if c not in options.classes])
    if options.predicates:
        view.remove_edges_from([(s, o, p) for s, o, p in view.edges(keys=True) if p not in options.predicates])
    if options.focus is not None:
        centre = find_node(view, options.focus)
        view = view.subgraph(nx.ego_graph(view.to_undirected(as_view=True), centre, radius=options.hops)).copy()
    if options.min_degree:
        view.remove_nodes_from([n for n, d in view.degree() if d < options.min_degree])
    if options.max_nodes is not None and view.number_of_nodes() > options.max_nodes:
        ranked = sorted(view.nodes, key=lambda n: (-view.degree(n), view.nodes[n]["label"], n))
        view = view.subgraph(ranked[: options.max_nodes]).copy()
    return view


def node_size(degree: int, max_degree: int) -> float:
    """Radius in pixels: grows with the square root of the degree so hubs stand out without swamping."""
    return 9.0 + 21.0 * math.sqrt(degree / max_degree) if max_degree else 9.0


def _force_layout(n: int, src: np.ndarray, dst: np.ndarray, seed: int, iterations: int = 80) -> np.ndarray:
    """Fruchterman-Reingold positions in the unit square.

    Repulsion is computed against a seeded sample of nodes when the graph is large, which keeps a 5,000-node
    layout at a few seconds in numpy (networkx's fast path needs scipy, which is not a dependency).
    """
    rng = np.random.default_rng(seed)
    pos = rng.uniform(-1.0, 1.0, (n, 2))
    if n == 1:
        return np.zeros((1, 2))
    k = 2.0 / math.sqrt(n)
    sample_size = min(n, 300)
    step, cooling = 0.2, (0.01 / 0.2) ** (1 / iterations)
    for _ in range(iterations):
        sample = rng.choice(n, sample_size, replace=False) if sample_size < n else np.arange(n)
        other = pos[sample]
        # sum over j of (p_i - p_j) / |p_i - p_j|^2, written with matrix products so no n x m x 2 array is built
        dist2 = (pos**2).sum(1)[:, None] + (other**2).sum(1)[None, :] - 2.0 * pos @ other.T
        weight = 1.0 / np.maximum(dist2, 1e-4)
        weight[dist2 < 1e-12] = 0.0  # a node does not push itself
        disp = (pos * weight.sum(1)[:, None] - weight @ other) * (k * k * n / sample_size)
        d = pos[src] - pos[dst]
        pull = d * (np.sqrt((d**2).sum(-1)) / k)[:, None]
        np.subtract.at(disp, src, pull)
        np.add.at(disp, dst, pull)
        length = np.maximum(np.sqrt((disp**2).sum(-1)), 1e-9)
        pos += disp * (np.minimum(length, step) / length)[:, None]
        step *= cooling
    pos -= pos.mean(0)
    return pos / max(np.abs(pos).max(), 1e-9)


def _landscape(pos: np.ndarray) -> np.ndarray:
    """Rotate a layout so that its long axis is horizontal, like the screen (principal axis of the points)."""
    if len(pos) < 2:
        return pos
    centred = pos - pos.mean(0)
    _, vectors = np.linalg.eigh(centred.T @ centred)
    return centred @ vectors[:, ::-1]


def _label_box(label: str, radius: float) -> tuple[float, float]:
    """Half-width and half-height of a node with its label drawn underneath."""
    return max(radius, len(label) * CHAR_PX / 2) + 6, radius + FONT_PX / 2 + 8


def _separate(
    pos: np.ndarray, half: np.ndarray, radius: np.ndarray, pairs: np.ndarray, rounds: int = 200
) -> np.ndarray:
    """Push apart nodes whose label boxes overlap (along the axis that needs the smaller move), and linked
    nodes too close for the relation's name to fit between them."""
    pos = pos.copy()
    min_length = EDGE_PX * 0.75 + radius[pairs[:, 0]] + radius[pairs[:, 1]]
    for _ in range(rounds):
        d = pos[:, None, :] - pos[None, :, :]
        overlap = half[:, None, :] + half[None, :, :] - np.abs(d)
        hit = (overlap > 0).all(-1)
        np.fill_diagonal(hit, False)
        link = pos[pairs[:, 0]] - pos[pairs[:, 1]]
        length = np.maximum(np.linalg.norm(link, axis=1), 1e-6)
        short = length < min_length - 1
        if not hit.any() and not short.any():
            break
        stretch = link[short] * ((min_length[short] - length[short]) / length[short] / 4)[:, None]
        np.add.at(pos, pairs[short, 0], stretch)
        np.subtract.at(pos, pairs[short, 1], stretch)
        rows, cols = np.nonzero(hit)
        # move along y when the x overlap is larger
        ax = (overlap[rows, cols, 0] > overlap[rows, cols, 1]).astype(int)
        sign = np.sign(d[rows, cols, ax])
        sign[sign == 0] = np.where(rows[sign == 0] < cols[sign == 0], -1.0, 1.0)
        push = np.zeros_like(pos)
        np.add.at(push, (rows, ax), sign * (overlap[rows, cols, ax] / 2 + 0.5))
        pos += push * 0.6  # damped: a node crowded on several sides should not overshoot
    return pos


def layout(graph: nx.MultiDiGraph, seed: int = 7) -> dict[str, tuple[float, float]]:
    """Pixel positions: each connected part laid out on its own, parts packed in rows, biggest first."""
    if not graph.number_of_nodes():
        return {}
    max_degree = max(d for _, d in graph.degree())
    parts = sorted(nx.connected_components(graph.to_undirected(as_view=True)), key=lambda c: (-len(c), min(c)))
    boxes = []
    for part in parts:
        nodes = sorted(part)
        index = {n: i for i, n in enumerate(nodes)}
        linked = sorted({tuple(sorted((index[s], index[o]))) for s, o in graph.subgraph(nodes).edges() if s != o})
        pairs = np.array(linked, dtype=int).reshape(-1, 2)  # one spring per linked pair, however many relations
        pos = _landscape(_force_layout(len(nodes), pairs[:, 0], pairs[:, 1], seed))
        if len(pairs):
            # scale so that a typical relation is long enough for its name to be read between the two nodes
            pos *= EDGE_PX / max(float(np.median(np.linalg.norm(pos[pairs[:, 0]] - pos[pairs[:, 1]], axis=1))), 1e-6)
        radius = np.array([node_size(graph.degree(n), max_degree) for n in nodes])
        half = np.array([_label_box(graph.nodes[n]["label"], r) for n, r in zip(nodes, radius)])
        if len(nodes) <= LABEL_SPREAD_MAX_NODES:
            # each round costs n^2: large parts get fewer rounds (their labels show when zoomed in anyway)
            pos = _separate(pos, half, radius, pairs, rounds=min(200, max(40, 40_000 // len(nodes))))
        low, high = (pos - half).min(0), (pos + half).max(0)
        boxes.append((nodes, pos - low, high - low))
    gap = 40.0
    total_area = sum((w + gap) * (h + gap) for _, _, (w, h) in boxes)
    row_width = max(max(w for _, _, (w, _h) in boxes), math.sqrt(total_area * 1.2))
    placed: dict[str, tuple[float, float]] = {}
    x = y = row_height = 0.0
    for nodes, pos, (w, h) in boxes:
        if x > 0 and x + w > row_width:
            x, y, row_height = 0.0, y + row_height + gap, 0.0
        for n, (px, py) in zip(nodes, pos):
            placed[n] = (round(float(px + x), 1), round(float(py + y), 1))
        x += w + gap
        row_height = max(row_height, h)
    # vis-network 9.1.2 draws the name of an exactly horizontal right-to-left edge at a wrong place: tilt it a pixel
    for s, o in graph.edges():
        if s != o and placed[s][1] == placed[o][1]:
            placed[o] = (placed[o][0], placed[o][1] + 1.0)
    return placed


def _edge_curves(graph: nx.MultiDiGraph) -> dict[tuple, dict | bool]:
    """Straight edges, except that the 2nd, 3rd... relation between the same two nodes bends away from the 1st."""
    seen: dict[frozenset, int] = defaultdict(int)
    curves: dict[tuple, dict | bool] = {}
    for s, o, p in sorted(graph.edges(keys=True)):
        k = seen[frozenset((s, o))]
        seen[frozenset((s, o))] += 1
        bend = {"type": "curvedCW" if k % 2 else "curvedCCW", "roundness": 0.4 * ((k + 1) // 2)}
        curves[(s, o, p)] = False if k == 0 else bend
    return curves


def page_data(graph: nx.MultiDiGraph, positions: dict[str, tuple[float, float]]) -> dict:
    """Everything the page script needs, as plain JSON-able values."""
    labels = ontology_labels()
    max_degree = max((d for _, d in graph.degree()), default=0)
    ids = {n: i for i, n in enumerate(sorted(graph.nodes))}
    nodes = []
    for n in sorted(graph.nodes):
        d = graph.nodes[n]
        x, y = positions[n]
        nodes.append({
            "id": ids[n], "iri": n, "label": d["label"], "cls": d["cls"], "aliases": d["aliases"],
            "documents": d["documents"], "mentions": d["mentions"], "degree": graph.degree(n),
            "size": round(node_size(graph.degree(n), max_degree), 1), "x": x, "y": y,
        })  # fmt: skip
    curves = _edge_curves(graph)
    edges = [
        {"from": ids[s], "to": ids[o], "p": p, "smooth": curves[(s, o, p)], "evidence": ev}
        for s, o, p, ev in sorted(graph.edges(keys=True, data="evidence"))
    ]
    used_classes = sorted({d for _, d in graph.nodes(data="cls")}, key=ENTITY_CLASSES.index)
    used_predicates = sorted({p for _, _, p in graph.edges(keys=True)}, key=PREDICATES.index)
    return {
        "nodes": nodes,
        "edges": edges,
        "edgeLabels": len(edges) <= EDGE_LABELS_MAX_EDGES,
        "classes": {
            c: {
                "label": labels.get(c, c),
                "color": CLASS_STYLE.get(c, OTHER_STYLE)[0],
                "shape": CLASS_STYLE.get(c, OTHER_STYLE)[1],
            }
            for c in used_classes
        },  # fmt: skip
        "predicates": {
            p: {"label": labels.get(p, p), "directed": p not in SYMMETRIC_PREDICATES} for p in used_predicates
        },
    }


def script_json(value) -> str:
    """JSON that is safe inside a <script> element: no ``</script>``, ``<!--`` or line separators can appear."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, escape in SCRIPT_ESCAPES:
        text = text.replace(char, escape)
    return text


@cache
def vis_network_js() -> str:
    """vis-network's browser bundle as shipped inside pyvis (its licence header is part of the file)."""
    lib = resources.files("pyvis") / "templates" / "lib"
    bundles = sorted(
        (p for p in lib.iterdir() if p.name.startswith("vis-") and (p / "vis-network.min.js").is_file()),
        key=lambda p: [int(x) for x in re.findall(r"\d+", p.name)],
    )
    if not bundles:
        raise FileNotFoundError(f"{lib}: no vis-network bundle found in the installed pyvis")
    js = (bundles[-1] / "vis-network.min.js").read_text(encoding="utf-8")
    if re.search(r"</script|<!--", js, re.IGNORECASE):
        raise ValueError("the vis-network bundle contains '</script' or '<!--' and cannot be inlined")
    return js


def render_page(graph: nx.MultiDiGraph, title: str = "ecosystem-kg", seed: int = 7) -> str:
    """The whole HTML page of ``graph`` (layout included)."""
    template = resources.files("kg.data").joinpath("graph_template.html.txt").read_text(encoding="utf-8")
    fills = {
        "__KG_TITLE__": html.escape(title),
        "/*__KG_VIS_NETWORK__*/": vis_network_js(),
        "__KG_DATA__": script_json(page_data(graph, layout(graph, seed))),
    }
    # One pass, so that text inserted for one marker is never searched for another.
    return re.sub("|".join(re.escape(m) for m in fills), lambda m: fills[m.group(0)], template)


def write_html_graph(store: KGStore, path: str | Path, options: ViewOptions | None = None) -> Path:
    """Write the interactive graph page of a store (the part ``options`` selects, by default everything)."""
    graph = load_graph(store)
    if options is not None:
        graph = select_view(graph, options)
    path = Path(path)
    title = "ecosystem-kg" if options is None or options.focus is None else f"ecosystem-kg: {options.focus}"
    atomic_write_bytes(path, render_page(graph, title).encode("utf-8"))
    return path
