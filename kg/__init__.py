"""ecosystem-kg: knowledge graphs of the Moroccan economic and tech ecosystem from French news.

The small public API::

    import kg
    report = kg.build_graph(["seeds/"], "out/")
    store = kg.open_store("out/")
    store.query("SELECT ?o ?s WHERE { ?o ekg:operates ?s }")
    kg.run_named_query(store, "partners", entity="Technopark")   # kg.list_queries() lists them
    kg.push_graph("out/", "http://localhost:7878/store")         # any SPARQL 1.1 Graph Store endpoint
"""

from kg.build import BuildReport, build_graph
from kg.ingest import InputError
from kg.library import LibraryError, list_queries, run_named_query
from kg.model import Claim, Document, Entity, Fact, Mention
from kg.push import PushError, push_graph
from kg.store import KGStore, QuerySyntaxError, StoreError

__version__ = "0.1.0"


def open_store(out_dir) -> KGStore:
    """Open the store written by ``kg build`` in ``out_dir`` (read-only)."""
    return KGStore.open(out_dir)


__all__ = [
    "BuildReport",
    "Claim",
    "Document",
    "Entity",
    "Fact",
    "InputError",
    "KGStore",
    "LibraryError",
    "Mention",
    "PushError",
    "QuerySyntaxError",
    "StoreError",
    "build_graph",
    "list_queries",
    "open_store",
    "push_graph",
    "run_named_query",
]
