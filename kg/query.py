"""Query stage: run SPARQL text or a library query on a store and format the answers for people or machines."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox

from kg.rdf import PREFIXES
from kg.store import KGStore, QuerySyntaxError, term_value
from kg.vocab import check_query_terms

SOLUTION_FORMATS = ("table", "csv", "tsv", "json", "xml")
GRAPH_FORMATS = ("table", "turtle", "ntriples", "jsonld")
FORMATS = ("table", "csv", "tsv", "json", "xml", "turtle", "ntriples", "jsonld")
_RESULT_FORMATS = {  # SPARQL 1.1 Query Results formats, written by pyoxigraph
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
}
_RDF_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD}


class QueryError(ValueError):
    """A query that cannot run or be shown as asked; the message says why."""


def answer(store_dir: str | Path, query: str, params: dict | None = None, fmt: str = "table") -> str:
    """What ``kg query`` prints: ``query`` is a library query name or SPARQL text."""
    from kg.library import is_query_name, raw_named_query

    if fmt not in FORMATS:
        raise QueryError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    store = KGStore.open(store_dir)
    # a lone word cannot be SPARQL: treat it as a library query name, so a typo gets "no such query", not a parse error
    if is_query_name(query.strip()) or re.fullmatch(r"[\w-]+", query.strip()):
        result = raw_named_query(store, query.strip(), params, check_names=True)  # a typo says so, with near names
    elif params:
        raise QueryError("--param only applies to library queries ('kg query --list' shows them)")
    else:
        check_query_terms(query)  # a misspelt ekg: term would silently match nothing
        try:
            result = store.raw_query(query)
        except QuerySyntaxError as exc:
            raise QueryError(syntax_error_message(query, exc)) from None
    return format_result(result, fmt)


def library_listing() -> str:
    """``kg query --list``: each library query, what it answers and its parameters."""
    from kg.library import list_queries

    lines = []
    for q in list_queries():
        lines.append(f"{q.name}\n    {q.description}")
        for p in q.parameters:
            need = "required" if p.required else f"default {p.default}" if p.default else "optional"
            lines.append(f"    --param {p.name}=...  ({p.kind}, {need}) {p.description}")
    return "\n".join(lines)


def syntax_error_message(sparql: str, exc: QuerySyntaxError) -> str:
    """``line L, column C: message`` followed by the faulty line and a caret under the column."""
    message = re.sub(r"^error at \d+:\d+:\s*", "", str(exc))
    if not exc.line:
        return f"SPARQL syntax error: {message}"
    lines = sparql.splitlines() or [""]
    source = lines[exc.line - 1] if exc.line <= len(lines) else ""
    caret = " " * max((exc.column or 1) - 1, 0) + "^"
    return f"SPARQL syntax error at line {exc.line}, column {exc.column}: {message}\n  {source}\n  {caret}"


def _short(iri: str) -> str:
    for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


def format_result(result, fmt: str = "table", max_width: int = 60) -> str:
    """Text of a pyoxigraph result: solutions in table/csv/tsv/json, graphs in table/turtle/ntriples/jsonld."""
    if fmt not in FORMATS:
        raise QueryError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if isinstance(result, ox.QueryTriples):
        return _format_graph(result, fmt, max_width)
    if fmt not in SOLUTION_FORMATS:
        raise QueryError(f"--format {fmt} is for CONSTRUCT and DESCRIBE; use {', '.join(SOLUTION_FORMATS)}")
    if fmt in _RESULT_FORMATS:
        return serialise_solutions(result, fmt)
    if isinstance(result, ox.QueryBoolean):
        return "true" if result else "false"
    names = [v.value for v in result.variables]
    rows = [[sol[n] for n in names] for sol in result]
    return _table(names, rows, max_width)


def serialise_solutions(result: ox.QuerySolutions | ox.QueryBoolean, fmt: str) -> str:
    """A SELECT or ASK answer in a SPARQL 1.1 results format (csv, tsv, json, xml), by pyoxigraph's writers.

    TSV writes terms in N-Triples syntax (``<iri>``, ``"texte"@fr``), CSV their plain values.
    """
    return result.serialize(format=_RESULT_FORMATS[fmt]).decode("utf-8")


def _format_graph(result, fmt: str, max_width: int) -> str:
    if fmt not in GRAPH_FORMATS:
        raise QueryError(f"a CONSTRUCT or DESCRIBE answer is a graph; use --format {', '.join(GRAPH_FORMATS)}")
    triples = list(result)
    if fmt == "table":
        rows = [[t.subject, t.predicate, t.object] for t in triples]
        return _table(["subject", "predicate", "object"], rows, max_width)
    prefixes = PREFIXES if fmt != "ntriples" else None
    return ox.serialize(triples, format=_RDF_FORMATS[fmt], prefixes=prefixes).decode("utf-8")


def _table(names: list[str], rows: list[list], max_width: int) -> str:
    cells = [[_cell(t, max_width) for t in row] for row in rows]
    widths = [max([len(n)] + [len(r[i]) for r in cells]) for i, n in enumerate(names)]
    lines = ["  ".join(n.ljust(w) for n, w in zip(names, widths)), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)


def _cell(term, max_width: int) -> str:
    if term is None:
        return ""
    text = _short(term.value) if isinstance(term, ox.NamedNode) else str(term_value(term))
    text = " ".join(text.split())
    return text if len(text) <= max_width else text[: max_width - 1] + "…"


def read_query_file(path: str | Path) -> str:
    path = Path(path)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such query file") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
