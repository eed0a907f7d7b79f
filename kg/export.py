"""Exports of a built graph for the tools people already use.

- ``jsonld``: the union of all graphs as compact JSON-LD; the context maps the
  ontology's terms to short keys ("label", "type", "operates"...), so web
  developers read plain JSON; claims keep their source document ("derivedFrom").
- ``nquads``: every quad, named graphs included (lossless).
- ``graphml`` / ``gexf``: actors and relations through networkx, for Cytoscape
  and Gephi; labels, classes, predicates and Louvain communities are scalar
  attributes, and each actor carries the position, size and colour of the graph
  page (GEXF ``viz:`` elements; GraphML ``x``, ``y``, ``size``, ``r``, ``g``, ``b``),
  so Gephi opens the graph laid out.
- ``csv``: ``nodes.csv`` and ``edges.csv``, for spreadsheets.
"""

from __future__ import annotations

import io
import json
from functools import cache
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, XSD

from kg.resources import data_path
from kg.store import KGStore, atomic_write_bytes
from kg.validate import ontology_path, union_graph

# format -> default file name in the build folder (csv writes two files into a folder)
FORMATS = {
    "jsonld": "graph.jsonld",
    "nquads": "graph.nq",
    "graphml": "graph.graphml",
    "gexf": "graph.gexf",
    "csv": None,
}


@cache
def jsonld_context() -> dict:
    """Short keys for the standard terms (kg/data) plus every ontology term under its local name."""
    context = dict(json.loads(data_path("jsonld_context.json").read_text(encoding="utf-8"))["@context"])
    ont = rdflib.Graph().parse(data=ontology_path().read_text(encoding="utf-8"), format="turtle")
    for prop in sorted(ont.subjects(RDF.type, OWL.ObjectProperty)):
        context[str(prop).rsplit("#", 1)[-1]] = {"@id": str(prop), "@type": "@id"}
    # integers become JSON numbers without coercion; decimals need it to stay xsd:decimal
    for prop in sorted(ont.subjects(RDFS.range, XSD.decimal)):
        context[str(prop).rsplit("#", 1)[-1]] = {"@id": str(prop), "@type": "xsd:decimal"}
    return context


def default_output(build_dir: str | Path, fmt: str) -> Path:
    name = FORMATS[fmt]
    return Path(build_dir) / name if name else Path(build_dir)


def _jsonld(store: KGStore) -> bytes:
    graph = union_graph(store.quads())
    return graph.serialize(format="json-ld", context=jsonld_context(), auto_compact=True, encoding="utf-8")


def _scalar_graph(store: KGStore) -> nx.MultiDiGraph:
    """Actors and relations with scalar attributes only (GraphML and GEXF take no tuples nor None), plus each
    actor's community and the position, size and colour it has on the graph page."""
    from kg.analysis import communities, to_networkx
    from kg.viz import CLASS_STYLE, OTHER_STYLE, first_view, layout, node_size

    graph = to_networkx(store)
    positions = layout(graph, core=first_view(graph))
    community = {n: group.number for group in communities(graph) for n in group.nodes}
    max_degree = max((d for _, d in graph.degree()), default=0)
    for node, attrs in graph.nodes(data=True):
        attrs["aliases"] = "|".join(attrs.get("aliases", ()))
        attrs["community"] = community.get(node, 0)
        colour = CLASS_STYLE.get(attrs["class"], OTHER_STYLE)[0]
        x, y = positions[node]
        attrs["x"], attrs["y"] = x, -y  # the page's y axis points down, Gephi's up
        attrs["size"] = node_size(graph.degree(node), max_degree)
        attrs["color"] = colour
        attrs["r"], attrs["g"], attrs["b"] = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    for _, _, attrs in graph.edges(data=True):
        attrs["label"] = attrs["predicate"]  # Gephi and Cytoscape show an edge's label
        if attrs.get("confidence") is None:
            attrs.pop("confidence", None)
    return graph


def _graphml(store: KGStore) -> bytes:
    return "\n".join(nx.generate_graphml(_scalar_graph(store))).encode("utf-8")


def _gexf(store: KGStore) -> bytes:
    graph = _scalar_graph(store)
    for _, attrs in graph.nodes(data=True):
        # GEXF has its own elements for these (networkx writes the "viz" dict as viz:position/color/size)
        x, y, size = attrs.pop("x"), attrs.pop("y"), attrs.pop("size")
        rgb = {"r": attrs.pop("r"), "g": attrs.pop("g"), "b": attrs.pop("b"), "a": 1.0}
        attrs["viz"] = {"position": {"x": x, "y": y, "z": 0.0}, "size": size, "color": rgb}
    buf = io.BytesIO()
    nx.write_gexf(graph, buf)
    return buf.getvalue()


def _nquads(store: KGStore) -> bytes:
    return ox.serialize(store.quads(), format=ox.RdfFormat.N_QUADS)


_WRITERS = {"jsonld": _jsonld, "nquads": _nquads, "graphml": _graphml, "gexf": _gexf}


def export_graph(store: KGStore, fmt: str, out: str | Path) -> tuple[Path, ...]:
    """Write ``store`` as ``fmt`` to ``out`` (a file; a folder for csv, or for any format when it exists)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    out = Path(out)
    if fmt == "csv":
        from kg.analysis import export_csv, to_networkx

        return export_csv(to_networkx(store), out)
    if out.is_dir():
        out = out / FORMATS[fmt]
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(out, _WRITERS[fmt](store))
    return (out,)
