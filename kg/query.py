"""Query stage: run SPARQL on a store and format the answers for people or machines."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyoxigraph as ox

from kg.store import KGStore, term_value

FORMATS = ("table", "csv", "tsv", "json")


def run_query(store: KGStore, sparql: str, bindings: dict | None = None):
    return store.raw_query(sparql, bindings)


def _short(iri: str) -> str:
    from kg.rdf import PREFIXES

    for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


def format_result(result, fmt: str = "table", max_width: int = 60) -> str:
    """Text of a pyoxigraph result in one of :data:`FORMATS` (SELECT and ASK)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if isinstance(result, bool):
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": result})
        return "true" if result else "false"
    if fmt == "json":
        return result.serialize(format=ox.QueryResultsFormat.JSON).decode("utf-8")
    names = [v.value for v in result.variables]
    rows = [[sol[n] for n in names] for sol in result]
    if fmt in ("csv", "tsv"):
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow(names)
        for row in rows:
            writer.writerow(["" if t is None else str(term_value(t)) for t in row])
        return buf.getvalue()
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
