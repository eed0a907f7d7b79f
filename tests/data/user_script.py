"""A user's script calling kg's public API; ``mypy --strict`` must find no Any coming from kg in it."""

from __future__ import annotations

from pathlib import Path

import kg
from kg import analysis


def main(corpus: Path, out: Path) -> None:
    report: kg.BuildReport = kg.build_graph([corpus], out)
    print(report.documents, report.triples, report.changes.summary(), report.violations)
    removed = kg.remove_documents(out, ["corpus/old.txt"])
    print(removed.changes.removed)
    store = kg.open_store(out)
    rows = store.query("SELECT ?p ?o WHERE { ?p ekg:headOf ?o }")
    for row in rows:
        person = row["p"]
        if isinstance(person, str):
            print(person.upper())
    for term_row in store.query_terms("SELECT ?l WHERE { ?e rdfs:label ?l }"):
        label = term_row["l"]
        if label is not None:
            print(label.n3())
    frame = store.query_df("SELECT ?l WHERE { ?e rdfs:label ?l }")
    print(frame.shape)
    for q in kg.list_queries():
        print(q.name, q.description, [p.name for p in q.parameters])
    partners = kg.run_named_query(store, "partners", entity="Technopark")
    print(len(partners))
    graph = analysis.to_networkx(store)
    for actor in analysis.central_actors(graph, "pagerank", top=3):
        print(actor.label, actor.score + 1.0)
    for group in analysis.communities(graph):
        print(group.number, group.size, group.labels[:3])
    for path in analysis.connection_paths(graph, "Technopark", "MITC"):
        print(str(path))
    nodes_csv, edges_csv = analysis.export_csv(graph, out / "csv")
    print(nodes_csv.name, edges_csv.name)
    stats = analysis.graph_stats(store, top=5)
    print(stats.actors, stats.relations)
    try:
        store.query("SELECT")
    except kg.QuerySyntaxError as exc:
        print(exc.line, exc.column)
    except kg.StoreError as exc:
        print(str(exc))


if __name__ == "__main__":
    main(Path("seeds"), Path("out"))
