"""Query stage: run SPARQL text or a library query on a store and format the answers for people or machines."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox

from kg.rdf import PREFIXES
from kg.store import KGStore, QuerySyntaxError, StoreError, damaged_message, term_value
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


DEFAULT_TIMEOUT = 30.0  # seconds; a query over a few thousand documents answers in well under one
DEFAULT_MEMORY_MB = 4096
MAX_NESTING = 100  # groups and brackets; Oxigraph's parser overflows its stack somewhere past a thousand
MAX_QUERY_CHARS = 1_000_000
UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")
# strings, IRIs and comments, whose braces and words are not the query's own
_LEXEMES = re.compile(
    r'''"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|<[^<>"{}|^`\\\s]*>|#[^\n]*'''
)
_PROLOGUE = re.compile(r"(?i)\b(?:PREFIX\s+[^\s:]*:|BASE)\s*")


class QueryError(ValueError):
    """A query that cannot run or be shown as asked; the message says why."""


class QueryTimeout(QueryError):
    """A query stopped at its time or memory bound."""


def check_query(sparql: str, allow_service: bool = False, max_nesting: int = MAX_NESTING) -> None:
    """Refuse, before any parsing, what kg never runs: deep nesting, UPDATE, and SERVICE unless allowed.

    Raises :class:`QueryError` with a message saying why and what to do instead.
    """
    if len(sparql) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is {len(sparql):,} characters long; the limit is {MAX_QUERY_CHARS:,}")
    code = _LEXEMES.sub(" ", sparql)
    depth = deepest = 0
    for ch in code:
        if ch in "{(":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "})":
            depth -= 1
    if deepest > max_nesting:
        raise QueryError(f"the query nests groups {deepest} levels deep; the limit is {max_nesting}")
    first = re.match(r"\s*([A-Za-z]+)", _PROLOGUE.sub(" ", code))
    if first and first.group(1).upper() in UPDATE_KEYWORDS:
        raise QueryError(
            f"the store is read-only: SPARQL UPDATE ({first.group(1).upper()} ...) is not run. To change the graph, "
            "edit the input files and rebuild (kg build PATHS --out DIR), or add documents with kg build --add"
        )
    if not allow_service and re.search(r"(?i)\bSERVICE\b", code):
        raise QueryError(
            "SERVICE is refused: it would make kg send requests to other servers; "
            "give --allow-service if the query should reach them"
        )


def bounded_query(
    location: str | Path,
    sparql: str,
    timeout: float = DEFAULT_TIMEOUT,
    max_memory_mb: int | None = DEFAULT_MEMORY_MB,
    union: bool = True,
):
    """Run ``sparql`` on the store folder ``location`` in a child process stopped at ``timeout`` seconds
    or ``max_memory_mb`` of memory; returns solutions, a boolean or a list of triples (as pyoxigraph's).

    Raises :class:`QueryTimeout` at a bound, :class:`~kg.store.QuerySyntaxError` for a malformed query
    and :class:`~kg.store.StoreError` for a damaged store.
    """
    from kg.store import _syntax_error

    request = {
        "location": str(location),
        "query": sparql,
        "prefixes": PREFIXES,
        "union": union,
        "seconds": timeout,
        "memory_mb": max_memory_mb,
    }
    worker = Path(__file__).with_name("query_worker.py")
    with subprocess.Popen(
        [sys.executable, "-I", str(worker)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        try:
            out, err = process.communicate(json.dumps(request).encode("utf-8"), timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise QueryTimeout(
                f"the query ran longer than {timeout:g} s and was stopped; narrow it (more specific patterns, "
                "LIMIT) or give a longer --timeout"
            ) from None
    message = err.decode("utf-8", "replace").strip()
    if process.returncode == 3:
        raise _syntax_error(SyntaxError(message.removeprefix("SyntaxError: ")))
    if process.returncode == 4:
        raise StoreError(damaged_message(Path(location), RuntimeError(message.removeprefix("StoreError: "))))
    if process.returncode == 6:
        raise QueryError(f"the query failed: {message.removeprefix('QueryError: ')[:500]}")
    if process.returncode in (5, -6) or "memory allocation" in message:
        raise QueryTimeout(
            f"the query needed more than {max_memory_mb:,} MB of memory and was stopped; narrow it "
            "(more specific patterns, LIMIT) or give a larger --max-memory"
        )
    if process.returncode == -14:  # its own alarm
        raise QueryTimeout(f"the query ran longer than {timeout:g} s and was stopped")
    if process.returncode != 0:
        raise StoreError(f"the query process failed (exit code {process.returncode}): {message[:300]}")
    kind, _, data = out.partition(b"\n")
    if kind == b"triples":
        return list(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
    return ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)


def answer(
    store_dir: str | Path,
    query: str,
    params: dict | None = None,
    fmt: str = "table",
    timeout: float | None = DEFAULT_TIMEOUT,
    max_memory_mb: int | None = DEFAULT_MEMORY_MB,
    allow_service: bool = False,
) -> str:
    """What ``kg query`` prints: ``query`` is a library query name or SPARQL text.

    SPARQL text is checked (:func:`check_query`) and, with a ``timeout``, run under its bounds
    (:func:`bounded_query`); library queries are the project's own and run in this process.
    """
    from kg.library import is_query_name, load_query, raw_named_query

    if fmt not in FORMATS:
        raise QueryError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    store = KGStore.open(store_dir)
    # a lone word cannot be SPARQL: treat it as a library query name, so a typo gets "no such query", not a parse error
    if is_query_name(query.strip()) or re.fullmatch(r"[\w-]+", query.strip()):
        named = load_query(query.strip())  # a typo says so, with near names
        result = raw_named_query(store, named, params, check_names=True)
        # a parameter left out is an empty column (one given echoes its value, as the queries say)
        given = params or {}
        hidden = frozenset(p.name for p in named.parameters if p.name not in given and not p.default)
    elif params:
        raise QueryError("--param only applies to library queries ('kg query --list' shows them)")
    else:
        hidden = frozenset()
        check_query_terms(query)  # a misspelt ekg: term would silently match nothing
        check_query(query, allow_service)
        try:
            if timeout and store.path is not None:
                result = bounded_query(store.path, query, timeout, max_memory_mb)
            else:
                result = store.raw_query(query)
        except QuerySyntaxError as exc:
            raise QueryError(syntax_error_message(query, exc)) from None
    try:
        return format_result(result, fmt, hidden=hidden)
    except (OSError, RuntimeError) as exc:  # solutions are computed while read
        raise StoreError(damaged_message(store.path, exc)) from None


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


def format_result(result, fmt: str = "table", max_width: int = 60, hidden: frozenset[str] = frozenset()) -> str:
    """Text of a pyoxigraph result: solutions in table/csv/tsv/json, graphs in table/turtle/ntriples/jsonld.

    ``hidden`` columns are left out of a table (a library query's parameters left out: always empty)."""
    if fmt not in FORMATS:
        raise QueryError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if isinstance(result, ox.QueryTriples | list):  # a list: the triples of a bounded query
        return _format_graph(result, fmt, max_width)
    if fmt not in SOLUTION_FORMATS:
        raise QueryError(f"--format {fmt} is for CONSTRUCT and DESCRIBE; use {', '.join(SOLUTION_FORMATS)}")
    if fmt in _RESULT_FORMATS:
        return serialise_solutions(result, fmt)
    if isinstance(result, ox.QueryBoolean):
        return "true" if result else "false"
    names = [v.value for v in result.variables if v.value not in hidden]
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
    except IsADirectoryError:
        raise ValueError(f"{path}: is a folder; give a .rq file") from None
    except OSError as exc:
        raise ValueError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
