"""ecosystem-kg: knowledge graphs of the Moroccan economic and tech ecosystem from French news.

The small public API::

    import kg
    report = kg.build_graph(["seeds/"], "out/")
    store = kg.open_store("out/")
    store.query("SELECT ?o ?s WHERE { ?o ekg:operates ?s }")
"""

from kg.build import BuildReport, build_graph
from kg.ingest import InputError
from kg.model import Claim, Document, Entity, Fact, Mention
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
    "Mention",
    "QuerySyntaxError",
    "StoreError",
    "build_graph",
    "open_store",
]
