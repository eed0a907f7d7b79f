"""Viz stage: the graph as one self-contained interactive HTML page (pyvis / vis-network)."""

from __future__ import annotations

import html
import re
from pathlib import Path

from pyvis.network import Network

from kg.store import KGStore, atomic_write_bytes

CLASS_STYLE = {
    "Organization": ("#1f77b4", "dot"),
    "Person": ("#d62728", "diamond"),
    "Place": ("#2ca02c", "triangle"),
    "Facility": ("#ff7f0e", "square"),
    "Event": ("#9467bd", "star"),
    "Program": ("#8c564b", "triangleDown"),
}

NODES_QUERY = """
SELECT ?e ?label ?cls (COUNT(DISTINCT ?doc) AS ?docs) WHERE {
  ?e a ?c ; rdfs:label ?label .
  FILTER(STRSTARTS(STR(?c), STR(ekg:)))
  BIND(STRAFTER(STR(?c), "#") AS ?cls)
  OPTIONAL { ?doc ekg:mentions ?e }
} GROUP BY ?e ?label ?cls
"""

EDGES_QUERY = """
SELECT ?s ?p ?o ?plabel (COUNT(DISTINCT ?claim) AS ?evidence) WHERE {
  ?claim a ekg:Claim ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .
  OPTIONAL { ?p rdfs:label ?plabel FILTER(LANG(?plabel) = "fr") }
} GROUP BY ?s ?p ?o ?plabel
"""


def build_network(store: KGStore) -> Network:
    net = Network(height="100vh", width="100%", directed=True, cdn_resources="in_line")
    degree: dict[str, int] = {}
    edges = store.query(EDGES_QUERY)
    for e in edges:
        degree[e["s"]] = degree.get(e["s"], 0) + 1
        degree[e["o"]] = degree.get(e["o"], 0) + 1
    for n in store.query(NODES_QUERY):
        color, shape = CLASS_STYLE.get(n["cls"], ("#7f7f7f", "dot"))
        title = f"{n['label']} ({n['cls']}), {n['docs']} document(s)"
        net.add_node(
            n["e"],
            label=n["label"],
            title=html.escape(title),
            color=color,
            shape=shape,
            size=10 + 4 * degree.get(n["e"], 0),
        )
    for e in edges:
        name = e["p"].rsplit("#", 1)[-1]
        net.add_edge(e["s"], e["o"], label=name, title=html.escape(f"{name}: {e['evidence']} claim(s)"),
                     arrows="" if name == "partnerOf" else "to")  # fmt: skip
    net.toggle_physics(True)
    return net


def offline_html(page: str) -> str:
    """Drop the tags pyvis adds that load from the network or from a missing node_modules folder."""
    page = re.sub(r'<link[^>]+href="(?:https?:)?//[^"]*"[^>]*>', "", page)
    page = re.sub(r'<script[^>]+src="(?:https?:)?//[^"]*"[^>]*>\s*</script>', "", page)
    page = re.sub(r'<link[^>]+href="\.\./node_modules[^"]*"[^>]*>', "", page)
    page = re.sub(r'<script[^>]+src="\.\./node_modules[^"]*"[^>]*>\s*</script>', "", page)
    return page


def write_html_graph(store: KGStore, path: str | Path) -> Path:
    """Write the interactive graph page of a store."""
    page = offline_html(build_network(store).generate_html())
    path = Path(path)
    atomic_write_bytes(path, page.encode("utf-8"))
    return path
