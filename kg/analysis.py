"""Network analysis of the ecosystem map: who is central, which groups form, how two actors are linked.

:func:`to_networkx` turns a store (or an rdflib graph) into a ``networkx.MultiDiGraph`` whose nodes are
entity IRIs; the other functions answer one question each on that graph and return plain rows.
Connections are read without direction (a partner, a site or a head all link two actors), except for
PageRank, which follows the direction of the relations (``partnerOf`` counts both ways).
"""

from __future__ import annotations

import csv
import difflib
import io
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

import networkx as nx
import pyoxigraph as ox

from kg.store import KGStore, atomic_write_bytes
from kg.vocab import ENTITY_CLASSES, PREDICATES, SYMMETRIC_PREDICATES

if TYPE_CHECKING:
    import rdflib

# nodes are entity IRIs; node and edge attributes as in to_networkx
ActorGraph: TypeAlias = "nx.MultiDiGraph[str, dict[str, object], dict[str, object]]"
Source: TypeAlias = "KGStore | rdflib.Graph"  # a store, or an rdflib Graph or Dataset

__all__ = [
    "MEASURES",
    "ActorGraph",
    "ActorRanking",
    "ActorScore",
    "Bridge",
    "Community",
    "ConnectionPath",
    "GraphStats",
    "Link",
    "UnknownActorError",
    "central_actors",
    "communities",
    "community_bridges",
    "connection_paths",
    "ego_network",
    "export_csv",
    "find_actor",
    "graph_stats",
    "to_networkx",
]

MEASURES = ("degree", "betweenness", "pagerank")
LOUVAIN_SEED = 42  # fixed so that communities come out the same on every run


class UnknownActorError(ValueError):
    """No actor in the graph has the label (or alias) asked for."""


@dataclass(frozen=True)
class ActorScore:
    node: str
    label: str
    cls: str
    score: float


@dataclass(frozen=True)
class ActorRanking:
    """One actor with all centrality measures, for summary tables."""

    node: str
    label: str
    cls: str
    degree: int
    betweenness: float
    pagerank: float


@dataclass(frozen=True)
class Community:
    number: int
    nodes: frozenset[str]
    labels: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.nodes)


@dataclass(frozen=True)
class Link:
    """One relation as stated in the graph (subject -> object), whatever the direction it was walked."""

    subject: str
    predicate: str
    object: str


@dataclass(frozen=True)
class ConnectionPath:
    nodes: tuple[str, ...]
    labels: tuple[str, ...]
    links: tuple[Link, ...]

    def __str__(self) -> str:
        parts = [self.labels[0]]
        for here, link, label in zip(self.nodes, self.links, self.labels[1:]):
            arrow = f"-{link.predicate}->" if link.subject == here else f"<-{link.predicate}-"
            parts += [arrow, label]
        return " ".join(parts)


@dataclass(frozen=True)
class Bridge:
    """A relation between two actors that sit in different communities."""

    source: str
    source_label: str
    predicate: str
    target: str
    target_label: str
    source_community: int
    target_community: int


@dataclass(frozen=True)
class GraphStats:
    actors: int
    relations: int
    top_actors: tuple[ActorRanking, ...]
    communities: tuple[Community, ...]


def _query_text(name: str) -> str:
    return files("kg.queries").joinpath(name).read_text(encoding="utf-8")


def _as_store(source: Source) -> KGStore:
    if isinstance(source, KGStore):
        return source
    import rdflib

    if isinstance(source, rdflib.ConjunctiveGraph):  # Dataset too: keep the named graphs
        data = source.serialize(format="nquads", encoding="utf-8")
        return KGStore.in_memory(ox.parse(data, format=ox.RdfFormat.N_QUADS))
    if isinstance(source, rdflib.Graph):
        data = source.serialize(format="nt", encoding="utf-8")
        return KGStore.in_memory(
            ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph())
            for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
        )
    raise TypeError(f"expected a KGStore or an rdflib Graph/Dataset, got {type(source).__name__}")


def _checked(names: Iterable[str] | None, allowed: tuple[str, ...], what: str) -> frozenset[str] | None:
    if names is None:
        return None
    names = frozenset([names] if isinstance(names, str) else names)
    unknown = sorted(names - set(allowed))
    if unknown:
        raise ValueError(f"unknown {what} {', '.join(map(repr, unknown))}; expected some of {', '.join(allowed)}")
    return names


def to_networkx(
    source: Source, classes: Iterable[str] | None = None, predicates: Iterable[str] | None = None
) -> ActorGraph:
    """The actors and their relations as a ``MultiDiGraph`` keyed by entity IRI (edge key = predicate).

    Nodes carry ``label``, ``class``, ``aliases``, ``documents`` and ``mentions``; edges carry
    ``predicate``, ``confidence`` (best claim, ``None`` without provenance) and ``evidence`` (claims).
    ``classes`` / ``predicates`` keep only those entity classes / relations.
    """
    store = _as_store(source)
    keep_classes = _checked(classes, ENTITY_CLASSES, "entity class") or frozenset(ENTITY_CLASSES)
    keep_predicates = _checked(predicates, PREDICATES, "predicate") or frozenset(PREDICATES)
    graph = nx.MultiDiGraph()
    # sorted so that node order, hence Louvain's result for a given seed, does not depend on the store
    for row in sorted(store.query(_query_text("analysis_nodes.rq")), key=lambda r: (r["e"], r["cls"])):
        if row["cls"] in keep_classes and row["e"] not in graph:
            graph.add_node(
                row["e"],
                label=row["label"],
                **{"class": row["cls"]},
                aliases=tuple(sorted(row["aliases"].split("\n"))) if row["aliases"] else (),
                documents=row["documents"],
                mentions=row["mentions"] or 0,
            )
    for row in sorted(store.query(_query_text("analysis_edges.rq")), key=lambda r: (r["s"], r["p"], r["o"])):
        predicate = row["p"].rsplit("#", 1)[-1]
        if predicate in keep_predicates and row["s"] in graph and row["o"] in graph:
            graph.add_edge(
                row["s"], row["o"], key=predicate, predicate=predicate,
                confidence=row["confidence"], evidence=row["evidence"],
            )  # fmt: skip
    return graph


def _connections(graph: ActorGraph) -> nx.Graph:
    """Who is linked to whom, ignoring direction and the number of relations."""
    simple = nx.Graph()
    simple.add_nodes_from(graph.nodes)
    simple.add_edges_from((u, v) for u, v in graph.edges() if u != v)
    return simple


def _influence(graph: ActorGraph) -> nx.DiGraph:
    directed = nx.DiGraph()
    directed.add_nodes_from(graph.nodes)
    for u, v, predicate in graph.edges(keys=True):
        directed.add_edge(u, v)
        if predicate in SYMMETRIC_PREDICATES:
            directed.add_edge(v, u)
    return directed


def _scores(graph: ActorGraph, measure: str) -> dict[str, float]:
    if measure == "degree":
        return dict(_connections(graph).degree())
    if measure == "betweenness":
        return nx.betweenness_centrality(_connections(graph))
    if measure == "pagerank":
        return nx.pagerank(_influence(graph), alpha=0.85, tol=1e-10, max_iter=200)  # scipy's sparse power iteration
    raise ValueError(f"unknown centrality measure {measure!r}; expected one of {', '.join(MEASURES)}")


def _label(graph: ActorGraph, node: str) -> str:
    return graph.nodes[node]["label"]


def _ranked(graph: ActorGraph, scores: dict[str, float]) -> list[str]:
    return sorted(scores, key=lambda n: (-scores[n], _label(graph, n).casefold(), n))


def central_actors(graph: ActorGraph, measure: str = "degree", top: int = 10) -> list[ActorScore]:
    """The ``top`` actors by ``degree`` (number of actors linked), ``betweenness`` or ``pagerank``."""
    scores = _scores(graph, measure)
    return [ActorScore(n, _label(graph, n), graph.nodes[n]["class"], scores[n]) for n in _ranked(graph, scores)[:top]]


def communities(graph: ActorGraph, seed: int = LOUVAIN_SEED, resolution: float = 1.0) -> list[Community]:
    """Groups of actors more linked to each other than to the rest (Louvain), largest first."""
    groups = nx.community.louvain_communities(_connections(graph), seed=seed, resolution=resolution)
    ordered = sorted(groups, key=lambda g: (-len(g), min(_label(graph, n).casefold() for n in g)))
    return [
        Community(i, frozenset(g), tuple(sorted((_label(graph, n) for n in g), key=str.casefold)))
        for i, g in enumerate(ordered, start=1)
    ]


def _normalized(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).casefold().split())


def find_actor(graph: ActorGraph, label: str) -> str:
    """The node whose label, or else alias, matches ``label`` ignoring accents and case."""
    wanted = _normalized(label)
    by_label = [n for n in graph if _normalized(_label(graph, n)) == wanted]
    by_alias = [n for n in graph if any(_normalized(a) == wanted for a in graph.nodes[n]["aliases"])]
    matches = by_label or by_alias
    if not matches:
        close = difflib.get_close_matches(label, sorted({_label(graph, n) for n in graph}), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
        raise UnknownActorError(f"no actor labelled {label!r} in the graph{hint}")
    # homonyms: the most documented one is the likeliest meant
    return min(matches, key=lambda n: (-graph.nodes[n]["documents"], n))


def _link(graph: ActorGraph, a: str, b: str) -> Link:
    for u, v in ((a, b), (b, a)):
        if graph.has_edge(u, v):
            return Link(u, min(graph[u][v]), v)
    raise KeyError((a, b))


def connection_paths(graph: ActorGraph, source_label: str, target_label: str, limit: int = 5) -> list[ConnectionPath]:
    """The shortest chains of relations between two actors (at most ``limit``); empty when not connected."""
    source, target = find_actor(graph, source_label), find_actor(graph, target_label)
    connections = _connections(graph)
    if not nx.has_path(connections, source, target):
        return []
    paths = sorted(nx.all_shortest_paths(connections, source, target), key=lambda p: [_label(graph, n) for n in p])
    return [
        ConnectionPath(
            tuple(p), tuple(_label(graph, n) for n in p), tuple(_link(graph, a, b) for a, b in zip(p, p[1:]))
        )
        for p in paths[:limit]
    ]


def ego_network(graph: ActorGraph, label: str, radius: int = 1) -> ActorGraph:
    """The actor found by ``label`` with everyone within ``radius`` relations, as a ``MultiDiGraph``."""
    center = find_actor(graph, label)
    nodes = nx.ego_graph(_connections(graph), center, radius=radius)
    return graph.subgraph(nodes).copy()


def community_bridges(graph: ActorGraph, groups: list[Community] | None = None) -> list[Bridge]:
    """Relations linking actors of different communities: the few ties that hold the map together."""
    groups = communities(graph) if groups is None else groups
    member_of = {n: c.number for c in groups for n in c.nodes}
    return [
        Bridge(u, _label(graph, u), p, v, _label(graph, v), member_of[u], member_of[v])
        for u, v, p in sorted(graph.edges(keys=True))
        if member_of[u] != member_of[v]
    ]


def _csv_bytes(header: list[str], rows: Iterable[list]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    # a byte-order mark so that spreadsheet programs read the accents as UTF-8
    return buf.getvalue().encode("utf-8-sig")


def export_csv(graph: ActorGraph, out_dir: str | Path) -> tuple[Path, Path]:
    """Write ``nodes.csv`` and ``edges.csv`` (with each actor's degree and community) into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    degree = _scores(graph, "degree")
    member_of = {n: c.number for c in communities(graph) for n in c.nodes}
    nodes = [
        [n, a["label"], a["class"], "; ".join(a["aliases"]), a["documents"], a["mentions"], degree[n], member_of[n]]
        for n, a in sorted(graph.nodes(data=True))
    ]
    edges = [
        [u, _label(graph, u), p, v, _label(graph, v), "" if a["confidence"] is None else a["confidence"], a["evidence"]]
        for u, v, p, a in sorted(graph.edges(keys=True, data=True), key=lambda e: e[:3])
    ]
    nodes_path, edges_path = out_dir / "nodes.csv", out_dir / "edges.csv"
    header = ["id", "label", "class", "aliases", "documents", "mentions", "degree", "community"]
    atomic_write_bytes(nodes_path, _csv_bytes(header, nodes))
    header = ["source", "source_label", "predicate", "target", "target_label", "confidence", "evidence"]
    atomic_write_bytes(edges_path, _csv_bytes(header, edges))
    return nodes_path, edges_path


def graph_stats(source: Source, top: int = 10) -> GraphStats:
    """The summary ``kg stats`` prints: the most connected actors with every measure, and the communities."""
    graph = source if isinstance(source, nx.MultiDiGraph) else to_networkx(source)
    degree, betweenness, pagerank = (_scores(graph, m) for m in MEASURES)
    ranked = _ranked(graph, degree)[:top]
    rows = tuple(
        ActorRanking(n, _label(graph, n), graph.nodes[n]["class"], degree[n], betweenness[n], pagerank[n])
        for n in ranked
    )
    return GraphStats(graph.number_of_nodes(), graph.number_of_edges(), rows, tuple(communities(graph)))
