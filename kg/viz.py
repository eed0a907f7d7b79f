"""Viz stage: the graph as one self-contained, offline, interactive HTML page (vis-network).

The page is ``kg/data/graph_template.html.txt`` with three things inlined: the
vis-network script bundled with pyvis (licence header kept), the graph as JSON,
and the page title. The layout is computed here with numpy, so the browser
only draws: physics stays off, which keeps thousands of nodes responsive.
"""

from __future__ import annotations

import heapq
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
COMPACTION_STEPS = 5
SCREEN_ASPECT = 1.2  # width / height the first view is packed for (the canvas between the two panels)
LABEL_SPREAD_MAX_NODES = 1500  # above this, labels only show when zoomed in, so no need to separate them


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
    first_view: int = 100  # entities drawn when the page opens (the most connected); the rest on demand


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
            graph.add_edge(row["s"], row["o"], key=name, predicate=name, evidence=[], confidence=None)
    documents: dict[str, dict] = {}
    evidence: dict[tuple, dict[tuple, dict]] = defaultdict(dict)
    for row in store.query(_query_text("viz_evidence.rq")):
        doc = documents.setdefault(
            row["doc"],
            {"title": row["title"] or "", "date": (row["date"] or "")[:10], "url": row["url"] or "", "sources": []},
        )
        if row["source"] and row["source"] not in doc["sources"]:
            doc["sources"].append(row["source"])
        edge = (row["s"], row["o"], row["p"].rsplit("#", 1)[-1])
        item = evidence[edge].setdefault(
            (row["sentence"], row["doc"]),
            {"sentence": row["sentence"], "doc": row["doc"], "confidence": None, "qualifiers": {}},
        )
        if row["confidence"] is not None:
            item["confidence"] = max(item["confidence"] or 0.0, row["confidence"])
        if row["q"]:
            item["qualifiers"].setdefault(row["q"].rsplit("#", 1)[-1], str(row["v"]))
    graph.graph["documents"] = documents
    for (s, o, p), items in evidence.items():
        if graph.has_edge(s, o, key=p):
            attrs = graph.edges[s, o, p]
            attrs["evidence"] = sorted(
                items.values(), key=lambda i: (documents[i["doc"]]["title"], i["doc"], i["sentence"])
            )
            confidences = [i["confidence"] for i in items.values() if i["confidence"] is not None]
            attrs["confidence"] = max(confidences) if confidences else None
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
    if options.first_view < 1:
        raise VizError("--first-view must be >= 1")
    view = graph.copy()
    if options.classes:
        view.remove_nodes_from([n for n, c in view.nodes(data="cls") if c not in options.classes])
    if options.predicates:
        view.remove_edges_from([(s, o, p) for s, o, p in view.edges(keys=True) if p not in options.predicates])
    if options.focus is not None:
        centre = find_node(view, options.focus)
        view = view.subgraph(nx.ego_graph(view.to_undirected(as_view=True), centre, radius=options.hops)).copy()
        view.graph["focus"] = centre
    if options.min_degree:
        view.remove_nodes_from([n for n, d in view.degree() if d < options.min_degree])
    if options.max_nodes is not None and view.number_of_nodes() > options.max_nodes:
        ranked = sorted(view.nodes, key=lambda n: (-view.degree(n), view.nodes[n]["label"], n))
        view = view.subgraph(ranked[: options.max_nodes]).copy()
    if view.graph.get("focus") not in view:
        view.graph.pop("focus", None)
    return view


def linked_degree(graph: nx.MultiDiGraph, node: str) -> int:
    """Relations of ``node`` with other entities (a relation to itself links it to no one)."""
    return graph.degree(node) - 2 * graph.number_of_edges(node, node)


def first_view(graph: nx.MultiDiGraph, size: int = 100) -> list[str]:
    """The entities drawn when the page opens: the focus (else the most connected entity), then the most
    connected of the entities linked to those chosen, and so on; another group starts with its hub once that
    hub has more than twice the relations of the best linked candidate. So the first view shows hubs with
    their links rather than scattered hubs."""
    rank = {n: (-graph.degree(n), graph.nodes[n]["label"], n) for n in graph if linked_degree(graph, n)}
    seeds = sorted(rank, key=rank.get)
    focus = graph.graph.get("focus")
    if focus in rank:
        seeds.remove(focus)
        seeds.insert(0, focus)
    chosen: list[str] = []
    taken: set[str] = set()
    frontier: list[tuple] = []  # heap of (rank, entity) of the candidates linked to the chosen entities
    pending = iter(seeds)
    seed = next(pending, None)
    while len(chosen) < min(size, len(rank)):
        while seed is not None and seed in taken:
            seed = next(pending, None)
        if seed is not None and (not frontier or graph.degree(seed) > 2 * graph.degree(frontier[0][1])):
            heapq.heappush(frontier, (rank[seed], seed))
            seed = next(pending, None)
        _, n = heapq.heappop(frontier)
        if n in taken:
            continue
        taken.add(n)
        chosen.append(n)
        for m in set(nx.all_neighbors(graph, n)):
            if m not in taken and m in rank:
                heapq.heappush(frontier, (rank[m], m))
    return chosen


def node_size(degree: int, max_degree: int) -> float:
    """Radius in pixels: grows with the square root of the degree so hubs stand out without swamping."""
    return 9.0 + 21.0 * math.sqrt(degree / max_degree) if max_degree else 9.0


def _force_layout(
    n: int,
    src: np.ndarray,
    dst: np.ndarray,
    seed: int,
    iterations: int = 80,
    start: np.ndarray | None = None,
    pinned: np.ndarray | None = None,
) -> np.ndarray:
    """Fruchterman-Reingold positions in the unit square.

    Repulsion is computed against a seeded sample of nodes when the graph is large, which keeps a 5,000-node
    layout at a few seconds in numpy (networkx's fast path needs scipy, which is not a dependency).
    ``start`` gives initial positions and ``pinned`` (a boolean mask) the nodes that must not move; with pinned
    nodes the result is not re-centred, so they keep their place exactly.
    """
    rng = np.random.default_rng(seed)
    pos = start.copy() if start is not None else rng.uniform(-1.0, 1.0, (n, 2))
    if n == 1:
        return pos if pinned is not None else np.zeros((1, 2))
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
        for axis in (0, 1):  # np.bincount sums per node much faster than np.add.at
            disp[:, axis] += np.bincount(dst, pull[:, axis], n) - np.bincount(src, pull[:, axis], n)
        if pinned is not None:
            disp[pinned] = 0.0
        length = np.maximum(np.sqrt((disp**2).sum(-1)), 1e-9)
        pos += disp * (np.minimum(length, step) / length)[:, None]
        step *= cooling
    if pinned is not None:
        return pos
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
    """Half-width and half-height of a node with its label drawn underneath. The drawn box (node and label,
    about ``2 * radius + FONT_PX + 3`` high) is centred some 9 px below the node, the same for every node, so a
    box centred on the node overlaps another exactly when the drawn ones do; a few pixels spare."""
    # 4% on the text's width: accented and capital letters draw wider than the mean (a 36-letter event name
    # was 5 px wider than its estimate)
    return max(radius, len(label) * CHAR_PX * 1.04 / 2) + 6, radius + FONT_PX / 2 + 3.5


def _separate(
    pos: np.ndarray,
    half: np.ndarray,
    radius: np.ndarray,
    pairs: np.ndarray,
    rounds: int = 300,
    pinned: np.ndarray | None = None,
) -> np.ndarray:
    """Push apart nodes whose label boxes overlap (along the axis that needs the smaller move), and linked
    nodes too close for the relation's name to fit between them. ``pinned`` nodes (a boolean mask) stay put."""
    pos = pos.copy()
    n = len(pos)
    free = np.ones(n) if pinned is None else (~pinned).astype(float)
    min_length = EDGE_PX * 0.5 + radius[pairs[:, 0]] + radius[pairs[:, 1]]
    reach = half[:, None, :] + half[None, :, :]  # how close two boxes may come along each axis: the same every round
    reach_x, reach_y = reach[..., 0], reach[..., 1]
    movable = ~np.eye(n, dtype=bool)  # pairs that may be pushed apart: not a node and itself...
    if pinned is not None:
        movable[np.ix_(pinned, pinned)] = False  # ... nor two pinned nodes (they were separated before)
    for step in range(rounds):
        # boxes overlap along x and along y: x is tested on every pair, y only on the pairs that overlap along x
        dx = pos[:, 0, None] - pos[None, :, 0]
        over_x = reach_x - np.abs(dx)
        rows, cols = np.nonzero((over_x > 0) & movable)
        dy = pos[rows, 1] - pos[cols, 1]
        over_y = reach_y[rows, cols] - np.abs(dy)
        hit = over_y > 0
        rows, cols = rows[hit], cols[hit]
        overlap = np.stack([over_x[rows, cols], over_y[hit]], 1)  # per hit pair, along x and y
        apart = np.stack([dx[rows, cols], dy[hit]], 1)
        link = pos[pairs[:, 0]] - pos[pairs[:, 1]]
        length = np.maximum(np.linalg.norm(link, axis=1), 1e-6)
        short = (length < min_length - 1) & (free[pairs[:, 0]] + free[pairs[:, 1]] > 0)
        if step >= rounds * 3 // 4:
            short[:] = False  # the last rounds only separate labels: a stretched link could push one onto another
        if not len(rows) and not short.any():
            break
        stretch = link[short] * ((min_length[short] - length[short]) / length[short] / 4)[:, None]
        np.add.at(pos, pairs[short, 0], stretch * free[pairs[short, 0], None])
        np.subtract.at(pos, pairs[short, 1], stretch * free[pairs[short, 1], None])
        # move along the axis with the smaller overlap relative to the boxes' size: wide labels would otherwise
        # always be pushed up and down and the layout would grow into a tower
        extent = half[rows] + half[cols]
        ax = (overlap[:, 0] / extent[:, 0] > overlap[:, 1] / extent[:, 1]).astype(int)
        each = np.arange(len(rows))
        sign = np.sign(apart[each, ax])
        sign[sign == 0] = np.where(rows[sign == 0] < cols[sign == 0], -1.0, 1.0)
        share = np.where(free[cols] > 0, 0.5, 1.0)  # facing a pinned node, a node makes the whole move
        push = np.zeros_like(pos)
        np.add.at(push, (rows, ax), sign * (overlap[each, ax] * share + 0.5))
        pos += push * 0.6 * free[:, None]  # damped: a node crowded on several sides should not overshoot
    return pos


def _linked_pairs(graph: nx.MultiDiGraph, nodes: list[str]) -> np.ndarray:
    """One (i, j) row per linked pair of ``nodes`` (indices into the list), however many relations."""
    index = {n: i for i, n in enumerate(nodes)}
    linked = sorted({tuple(sorted((index[s], index[o]))) for s, o in graph.subgraph(nodes).edges() if s != o})
    return np.array(linked, dtype=int).reshape(-1, 2)


def _label_boxes(graph: nx.MultiDiGraph, nodes: list[str], max_degree: int) -> tuple[np.ndarray, np.ndarray]:
    """Radius and label half-box of each of ``nodes``."""
    radius = np.array([node_size(graph.degree(n), max_degree) for n in nodes])
    half = np.array([_label_box(graph.nodes[n]["label"], r) for n, r in zip(nodes, radius)]).reshape(-1, 2)
    return radius, half


def _pack(boxes: list[tuple[list[str], np.ndarray, np.ndarray]], top: float = 0.0) -> dict[str, tuple[float, float]]:
    """Place laid-out parts (nodes, positions from 0, width and height) in rows, from ``top`` down."""
    gap = 40.0
    total_area = sum((w + gap) * (h + gap) for _, _, (w, h) in boxes)
    row_width = max(max(w for _, _, (w, _h) in boxes), math.sqrt(total_area * 1.2))
    placed: dict[str, tuple[float, float]] = {}
    x, y, row_height = 0.0, top, 0.0
    for nodes, pos, (w, h) in boxes:
        if x > 0 and x + w > row_width:
            x, y, row_height = 0.0, y + row_height + gap, 0.0
        for n, (px, py) in zip(nodes, pos):
            placed[n] = (float(px + x), float(py + y))
        x += w + gap
        row_height = max(row_height, h)
    return placed


def _parts_layout(graph: nx.MultiDiGraph, nodes: set[str], max_degree: int, seed: int) -> dict:
    """Each connected part of the entities ``nodes`` laid out on its own, parts packed in rows, biggest first."""
    sub = graph.subgraph(nodes)
    parts = sorted(nx.connected_components(sub.to_undirected(as_view=True)), key=lambda c: (-len(c), min(c)))
    boxes = []
    for part in parts:
        members = sorted(part)
        pairs = _linked_pairs(graph, members)
        pos = _landscape(_force_layout(len(members), pairs[:, 0], pairs[:, 1], seed))
        if len(pairs):
            # scale so that a typical relation is long enough for its name to be read between the two nodes
            pos *= EDGE_PX / max(float(np.median(np.linalg.norm(pos[pairs[:, 0]] - pos[pairs[:, 1]], axis=1))), 1e-6)
        radius, half = _label_boxes(graph, members, max_degree)
        if len(members) <= LABEL_SPREAD_MAX_NODES:
            # each round costs n^2: large parts get fewer rounds (their labels show when zoomed in anyway)
            rounds = min(200, max(40, 40_000 // len(members)))
            pos = _separate(pos, half, radius, pairs, rounds=rounds)
            for _ in range(COMPACTION_STEPS):
                # a force layout leaves much empty space between labels: tighten it and separate again,
                # more along the axis where it outgrows the screen's shape
                width, height = (pos + half).max(0) - (pos - half).min(0)
                aspect = width / height / SCREEN_ASPECT  # > 1: wider than the screen
                squeeze = 0.85 * np.array([min(1.0, aspect**-0.5), min(1.0, aspect**0.5)]) ** 0.5
                pos = _separate((pos - pos.mean(0)) * squeeze, half, radius, pairs, rounds=rounds)
        low, high = (pos - half).min(0), (pos + half).max(0)
        boxes.append((members, pos - low, high - low))
    return _pack(boxes) if boxes else {}


def _breadth_first(graph: nx.MultiDiGraph, known: set[str], rest: list[str]) -> list[str]:
    """``rest`` ordered by distance from the ``known`` entities (unreachable ones last)."""
    wanted = set(rest)
    frontier = [n for n in rest if any(m in known for m in nx.all_neighbors(graph, n))]
    seen = set(frontier)
    order = []
    while frontier:
        order += frontier
        following = []
        for n in frontier:
            for m in sorted(set(nx.all_neighbors(graph, n))):
                if m in wanted and m not in seen:
                    seen.add(m)
                    following.append(m)
        frontier = following
    return order + [n for n in rest if n not in seen]


def _around(graph: nx.MultiDiGraph, placed: dict, rest: list[str], max_degree: int, seed: int) -> dict:
    """Positions for the linked entities ``rest`` around the already ``placed`` ones, which do not move.

    A force layout of everything with the placed nodes pinned: each new node starts next to its placed
    neighbours, so expanding an entity shows its neighbours around it rather than across the canvas.
    """
    nodes = sorted(placed) + rest
    index = {n: i for i, n in enumerate(nodes)}
    pinned = np.zeros(len(nodes), dtype=bool)
    pinned[: len(placed)] = True
    k = 2.0 / math.sqrt(len(nodes))
    scale = EDGE_PX / k  # pixels per unit of the force layout, where a relation is about k long
    rng = np.random.default_rng(seed)
    start = np.zeros((len(nodes), 2))
    if placed:
        start[: len(placed)] = np.array([placed[n] for n in nodes[: len(placed)]]) / scale
        start[: len(placed)] -= start[: len(placed)].mean(0)
    done = set(placed)
    for n in _breadth_first(graph, done, rest):
        near = [start[index[m]] for m in nx.all_neighbors(graph, n) if m in done]
        base = np.mean(near, axis=0) if near else rng.uniform(-1.0, 1.0, 2)
        start[index[n]] = base + rng.normal(0.0, k, 2)
        done.add(n)
    pairs = _linked_pairs(graph, nodes)
    pos = _force_layout(len(nodes), pairs[:, 0], pairs[:, 1], seed, start=start, pinned=pinned) * scale
    if len(nodes) <= LABEL_SPREAD_MAX_NODES:
        radius, half = _label_boxes(graph, nodes, max_degree)
        pos = _separate(pos, half, radius, pairs, rounds=min(200, max(40, 40_000 // len(nodes))), pinned=pinned)
    offset = np.array(placed[nodes[0]]) - pos[0] if placed else np.zeros(2)
    return {n: (float(pos[i, 0] + offset[0]), float(pos[i, 1] + offset[1])) for n, i in index.items()}


def layout(graph: nx.MultiDiGraph, seed: int = 7, core: list[str] | None = None) -> dict[str, tuple[float, float]]:
    """Pixel positions. The ``core`` entities (all by default) come first: each connected part laid out on its
    own, parts packed in rows, biggest first, labels kept apart. The other linked entities are then placed
    around them, and entities without relations in rows underneath."""
    if not graph.number_of_nodes():
        return {}
    max_degree = max(d for _, d in graph.degree())
    core_set = set(graph.nodes) if core is None else set(core) & set(graph.nodes)
    rest = sorted(n for n in graph if n not in core_set)
    linked = [n for n in rest if linked_degree(graph, n)]
    alone = [n for n in rest if not linked_degree(graph, n)]
    placed = _parts_layout(graph, core_set, max_degree, seed)
    if linked:
        placed = _around(graph, placed, linked, max_degree, seed)
    if alone:
        _, half = _label_boxes(graph, alone, max_degree)
        bottom = max((y for _, y in placed.values()), default=0.0) + 80.0
        left = min((x for x, _ in placed.values()), default=0.0)
        rows = _pack([([n], h[None, :], 2 * h) for n, h in zip(alone, half)], top=bottom)
        placed.update({n: (x + left, y) for n, (x, y) in rows.items()})
    placed = {n: (round(x, 1), round(y, 1)) for n, (x, y) in placed.items()}
    return placed


def _edge_curves(graph: nx.MultiDiGraph) -> dict[tuple, dict | bool]:
    """Straight edges, except between two entities with several relations: those bend away from each other,
    on alternate sides and further each time, so that each one can be clicked."""
    together: dict[frozenset, list[tuple]] = defaultdict(list)
    for s, o, p in sorted(graph.edges(keys=True)):
        together[frozenset((s, o))].append((s, o, p))
    curves: dict[tuple, dict | bool] = {}
    for edges in together.values():
        odd = len(edges) % 2  # with an odd number, the first one stays straight in the middle
        for k, (s, o, p) in enumerate(edges):
            rank = k + 1 - odd  # 0 for the straight one, then 1, 2, 3...
            if not rank:
                curves[(s, o, p)] = False
                continue
            # the side is taken in a fixed direction between the two nodes, whichever way the relation points
            clockwise = (rank % 2 == 0) == (s < o)
            roundness = 0.25 * ((rank + 1) // 2) if odd else 0.15 + 0.25 * ((rank - 1) // 2)
            curves[(s, o, p)] = {"type": "curvedCW" if clockwise else "curvedCCW", "roundness": round(roundness, 2)}
    return curves


# Colours of the largest communities (Tableau 10 and two more); smaller ones share COMMUNITY_OTHER.
COMMUNITY_COLOURS = (
    "#4E79A7", "#F28E2B", "#E15759", "#76B7B2", "#59A14F", "#EDC948",
    "#B07AA1", "#FF9DA7", "#9C755F", "#17BECF", "#8C564B", "#BCBD22",
)  # fmt: skip
COMMUNITY_OTHER = "#B8BEC6"
# Labels of claim qualifiers that the ontology does not define yet (it wins when it does).
QUALIFIER_LABELS = {
    "role": "fonction", "amount": "montant", "currency": "devise", "share": "part", "date": "date",
    "amountText": "montant (tel qu'écrit)", "dateText": "date (telle qu'écrite)",
}  # fmt: skip


def _communities(graph: nx.MultiDiGraph) -> tuple[dict[str, int], list[dict]]:
    """Louvain communities of kg.analysis (seeded): each entity's community index, and each community's
    name (its most connected member), colour and size, largest first."""
    from kg.analysis import communities

    if not graph.number_of_nodes():
        return {}, []
    member_of: dict[str, int] = {}
    table = []
    for i, group in enumerate(communities(graph)):
        head = min(group.nodes, key=lambda n: (-graph.degree(n), graph.nodes[n]["label"], n))
        colour = COMMUNITY_COLOURS[i] if i < len(COMMUNITY_COLOURS) else COMMUNITY_OTHER
        table.append({"name": graph.nodes[head]["label"], "color": colour, "size": len(group.nodes)})
        member_of.update(dict.fromkeys(group.nodes, i))
    return member_of, table


def page_data(
    graph: nx.MultiDiGraph, positions: dict[str, tuple[float, float]], initial: list[str] | None = None
) -> dict:
    """Everything the page script needs, as plain JSON-able values (``initial``: entities drawn first)."""
    labels = ontology_labels()
    max_degree = max((d for _, d in graph.degree()), default=0)
    ids = {n: i for i, n in enumerate(sorted(graph.nodes))}
    community, community_table = _communities(graph)
    nodes = []
    for n in sorted(graph.nodes):
        d = graph.nodes[n]
        x, y = positions[n]
        nodes.append({
            "id": ids[n], "iri": n, "label": d["label"], "cls": d["cls"], "aliases": d["aliases"],
            "documents": d["documents"], "mentions": d["mentions"], "degree": graph.degree(n),
            "size": round(node_size(graph.degree(n), max_degree), 1), "x": x, "y": y, "com": community[n],
        })  # fmt: skip
    documents = graph.graph.get("documents", {})
    doc_index: dict[str, int] = {}
    curves = _edge_curves(graph)
    edges = []
    for s, o, p, attrs in sorted(graph.edges(keys=True, data=True)):
        evidence = []
        for item in attrs.get("evidence", ()):
            entry = {"s": item["sentence"], "d": doc_index.setdefault(item["doc"], len(doc_index))}
            if item.get("confidence") is not None:
                entry["c"] = round(item["confidence"], 3)
            if item.get("qualifiers"):
                entry["q"] = item["qualifiers"]
            evidence.append(entry)
        edge = {"from": ids[s], "to": ids[o], "p": p, "smooth": curves[(s, o, p)], "ev": evidence}
        if attrs.get("confidence") is not None:
            edge["c"] = round(attrs["confidence"], 3)
        edges.append(edge)
    docs = [None] * len(doc_index)
    for iri, i in doc_index.items():
        doc = documents.get(iri, {})
        docs[i] = {
            "title": doc.get("title", ""), "date": doc.get("date", ""), "sources": doc.get("sources", []),
            # only web addresses become links: a javascript: or data: URL from an article must not
            "url": doc.get("url", "") if re.match(r"https?://", doc.get("url", ""), re.IGNORECASE) else "",
        }  # fmt: skip
    used_classes = sorted({d for _, d in graph.nodes(data="cls")}, key=ENTITY_CLASSES.index)
    used_predicates = sorted({p for _, _, p in graph.edges(keys=True)}, key=PREDICATES.index)
    qualifiers = sorted({q for e in edges for item in e["ev"] for q in item.get("q", {})})
    first = first_view(graph) if initial is None else initial
    return {
        "nodes": nodes,
        "edges": edges,
        "documents": docs,
        "initial": sorted(ids[n] for n in first if n in ids),
        "communities": community_table,
        "communityOther": COMMUNITY_OTHER,
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
        "qualifiers": {q: labels.get(q) or QUALIFIER_LABELS.get(q, q) for q in qualifiers},
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


def render_page(graph: nx.MultiDiGraph, title: str = "ecosystem-kg", seed: int = 7, first: int = 100) -> str:
    """The whole HTML page of ``graph`` (layout included); the ``first`` most connected entities show at first."""
    initial = first_view(graph, first)
    template = resources.files("kg.data").joinpath("graph_template.html.txt").read_text(encoding="utf-8")
    fills = {
        "__KG_TITLE__": html.escape(title),
        "/*__KG_VIS_NETWORK__*/": vis_network_js(),
        "__KG_DATA__": script_json(page_data(graph, layout(graph, seed, core=initial), initial)),
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
    first = ViewOptions.first_view if options is None else options.first_view
    atomic_write_bytes(path, render_page(graph, title, first=first).encode("utf-8"))
    return path
