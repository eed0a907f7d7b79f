"""ecosystem-kg: knowledge graphs of the Moroccan economic and tech ecosystem from French news.

The small public API::

    import kg
    report = kg.build_graph(["seeds/"], "out/")
    store = kg.open_store("out/")
    store.query("SELECT ?o ?s WHERE { ?o ekg:operates ?s }")
    kg.run_named_query(store, "partners", entity="Technopark")   # kg.list_queries() lists them
    kg.push_graph("out/", "http://localhost:7878/store")         # any SPARQL 1.1 Graph Store endpoint

Names are imported on first use (PEP 562), so ``import kg`` and the commands that only query a built graph
never load spaCy.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:  # what type checkers see; at run time each name is imported on first use
    from kg.build import BuildError, BuildReport, build_graph, remove_documents
    from kg.ingest import InputError
    from kg.library import LibraryError, list_queries, run_named_query
    from kg.model import Claim, Document, Entity, Fact, Mention
    from kg.push import PushError, push_graph
    from kg.store import KGStore, QuerySyntaxError, StoreError

_LAZY = {
    "BuildError": "kg.build",
    "BuildReport": "kg.build",
    "build_graph": "kg.build",
    "remove_documents": "kg.build",
    "InputError": "kg.ingest",
    "LibraryError": "kg.library",
    "list_queries": "kg.library",
    "run_named_query": "kg.library",
    "Claim": "kg.model",
    "Document": "kg.model",
    "Entity": "kg.model",
    "Fact": "kg.model",
    "Mention": "kg.model",
    "PushError": "kg.push",
    "push_graph": "kg.push",
    "KGStore": "kg.store",
    "QuerySyntaxError": "kg.store",
    "StoreError": "kg.store",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'kg' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


def open_store(out_dir: str | Path) -> KGStore:
    """Open the store written by ``kg build`` in ``out_dir`` (read-only)."""
    from kg.store import KGStore

    return KGStore.open(out_dir)


__all__ = [
    "BuildError",
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
    "remove_documents",
    "run_named_query",
]
