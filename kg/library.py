"""The query library: named SPARQL queries shipped as ``kg/queries/*.rq``.

A file starts with ``#`` lines saying what it answers, then optional lines
``# param NAME KIND [required | = DEFAULT]: description``. Parameters are bound
as RDF terms through pyoxigraph substitutions, never pasted into the query
text, so a value can never change what the query does. A parameter left out
stays a free variable: ``partners`` without ``entity`` lists every partnership.

Kinds: ``string`` (a plain literal), ``decimal``, ``integer``, ``iri``
(``ent:X`` or a full IRI), ``relation`` (an ontology relation name such as
``operates``), ``class`` (``Organization``, ``Person``...) and ``normalised``
(a name turned into its search key by :func:`kg.search.search_key`, matched
against the ``ekg:searchKey`` stored with each entity).

A query whose first line starts with ``# internal:`` loads a whole graph for
``kg viz`` or ``kg analyse``; it is not listed by :func:`list_queries` (nor by
``kg query --list``) unless asked, and has no latency target.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources

import pyoxigraph as ox

from kg.rdf import PREFIXES
from kg.search import search_key
from kg.store import KGStore, Value, term_value
from kg.vocab import EKG, ENTITY_CLASSES, PREDICATES

_XSD = "http://www.w3.org/2001/XMLSchema#"
_PARAM_LINE = re.compile(r"#\s*param\s+(\w+)\s+(\w+)\s*(required|=\s*([^:]+?))?\s*:\s*(.*)$")
KINDS = ("string", "decimal", "integer", "iri", "relation", "class", "normalised")


class LibraryError(ValueError):
    """An unknown query or parameter, or a value that does not fit its parameter; the message says which."""


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: str
    description: str
    required: bool = False
    default: str | None = None


@dataclass(frozen=True)
class NamedQuery:
    name: str
    description: str
    text: str
    parameters: tuple[Parameter, ...] = ()
    internal: bool = False

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in self.parameters) or "none"
        raise LibraryError(f"query {self.name!r} has no parameter {name!r} (its parameters: {known})")


def parse_query(name: str, text: str) -> NamedQuery:
    """A library query from its file text: leading comment = description, ``# param`` lines = parameters."""
    description: list[str] = []
    parameters: list[Parameter] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        match = _PARAM_LINE.match(stripped)
        if match:
            pname, kind, marker, default, desc = match.groups()
            if kind not in KINDS:
                raise LibraryError(f"{name}.rq: parameter {pname!r} has unknown kind {kind!r}; expected one of {KINDS}")
            required = marker == "required"
            parameters.append(Parameter(pname, kind, desc.strip(), required, default.strip() if default else None))
        elif stripped.startswith("# param"):
            raise LibraryError(f"{name}.rq: cannot read {stripped!r}; write '# param NAME KIND: description'")
        elif not parameters:
            description.append(stripped.lstrip("#").strip())
    if not description:
        raise LibraryError(f"{name}.rq: the file must start with a '#' line saying what the query answers")
    internal = description[0].startswith("internal:")
    if internal:
        description[0] = description[0].removeprefix("internal:").strip()
    return NamedQuery(name, " ".join(description), text, tuple(parameters), internal)


def _query_files() -> dict[str, object]:
    folder = resources.files("kg.queries")
    return {f.name[: -len(".rq")]: f for f in folder.iterdir() if f.name.endswith(".rq")}


def list_queries(internal: bool = False) -> list[NamedQuery]:
    """The library queries for users, sorted by name; with ``internal``, the whole-graph loaders too."""
    queries = [parse_query(name, f.read_text(encoding="utf-8")) for name, f in sorted(_query_files().items())]
    return [q for q in queries if internal or not q.internal]


def is_query_name(text: str) -> bool:
    return text in _query_files()


def load_query(name: str) -> NamedQuery:
    files = _query_files()
    if name not in files:
        raise LibraryError(f"no library query named {name!r}; 'kg query --list' shows them: {', '.join(sorted(files))}")
    return parse_query(name, files[name].read_text(encoding="utf-8"))


def _expand_iri(value: str) -> str:
    prefix, sep, local = value.partition(":")
    if sep and prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    if value.startswith(("http://", "https://", "urn:")):
        return value
    raise LibraryError(f"{value!r} is not an IRI; give a full IRI or a prefixed name such as ent:Technopark")


def to_parameter_term(param: Parameter, value) -> ox.NamedNode | ox.Literal:
    """The RDF term a parameter value is bound to; strings from the command line are converted by kind."""
    if isinstance(value, ox.NamedNode | ox.Literal):
        return value
    text = str(value).strip()
    if param.kind == "string":
        return ox.Literal(text)
    if param.kind == "normalised":
        return ox.Literal(search_key(text))
    if param.kind in ("decimal", "integer"):
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise LibraryError(f"parameter {param.name!r}: {text!r} is not a number") from None
        if param.kind == "integer":
            if number != number.to_integral_value():
                raise LibraryError(f"parameter {param.name!r}: {text!r} is not a whole number")
            return ox.Literal(str(int(number)), datatype=ox.NamedNode(_XSD + "integer"))
        return ox.Literal(str(number), datatype=ox.NamedNode(_XSD + "decimal"))
    if param.kind == "relation":
        local = text.removeprefix("ekg:").removeprefix(str(EKG))
        if local not in PREDICATES:
            raise LibraryError(f"parameter {param.name!r}: unknown relation {text!r}; one of {', '.join(PREDICATES)}")
        return ox.NamedNode(str(EKG) + local)
    if param.kind == "class":
        local = text.removeprefix("ekg:").removeprefix(str(EKG))
        if local not in ENTITY_CLASSES:
            raise LibraryError(f"parameter {param.name!r}: unknown class {text!r}; one of {', '.join(ENTITY_CLASSES)}")
        return ox.NamedNode(str(EKG) + local)
    return ox.NamedNode(_expand_iri(text))


def bind_parameters(query: NamedQuery, params: dict) -> dict[str, ox.NamedNode | ox.Literal]:
    """Check ``params`` against the query's declared parameters and turn them into RDF terms (defaults included)."""
    for name in params:
        query.parameter(name)
    bindings = {}
    for p in query.parameters:
        value = params.get(p.name, p.default)
        if value is None:
            if p.required:
                raise LibraryError(f"query {query.name!r} needs --param {p.name}=VALUE ({p.description})")
            continue
        bindings[p.name] = to_parameter_term(p, value)
    return bindings


def parse_param_options(options: list[str] | None) -> dict[str, str]:
    """``["entity=Technopark", ...]`` from the command line as a dict."""
    params = {}
    for option in options or []:
        name, sep, value = option.partition("=")
        if not sep or not name.strip():
            raise LibraryError(f"--param {option!r}: write NAME=VALUE, e.g. --param entity=Technopark")
        params[name.strip()] = value
    return params


def raw_named_query(store: KGStore, name: str | NamedQuery, params: dict | None = None, check_names: bool = False):
    """The pyoxigraph result of a library query (its name, or the query already loaded) with its parameters bound.

    With ``check_names`` (as ``kg query`` does), a name given to a ``normalised`` parameter that no entity has
    raises :class:`UnknownEntityError` with the nearest names, rather than an empty answer that reads as
    "no partners".
    """
    query = name if isinstance(name, NamedQuery) else load_query(name)
    bindings = bind_parameters(query, params or {})
    for p in query.parameters:
        if check_names and p.kind == "normalised" and p.name in (params or {}):
            check_entity_name(store, p, str((params or {})[p.name]), bindings[p.name])
    return store.raw_query(query.text, bindings)


class UnknownEntityError(LibraryError):
    """A library query names an entity that is not in the graph; the message lists the nearest names."""


def check_entity_name(store: KGStore, param: Parameter, typed: str, key: ox.Literal) -> None:
    """Raise :class:`UnknownEntityError` when no entity has the search key of ``typed``."""
    if store.raw_query("ASK { ?e ekg:searchKey ?key }", {"key": key}):
        return
    near = nearest_labels(store, typed)
    hint = f"; near names: {', '.join(near)}" if near else "; 'kg query entities' lists the entities"
    raise UnknownEntityError(f"parameter {param.name!r}: no entity is named {typed!r}{hint}")


def nearest_labels(store: KGStore, typed: str, limit: int = 5) -> list[str]:
    """The labels of the entities whose names are closest to ``typed`` (edit distance on search keys)."""
    from rapidfuzz import fuzz, process

    rows = store.raw_query("SELECT ?key ?label WHERE { ?e ekg:searchKey ?key ; rdfs:label ?label }")
    label_of: dict[str, str] = {}
    for row in rows:
        label_of.setdefault(row["key"].value, row["label"].value)
    matches = process.extract(search_key(typed), list(label_of), scorer=fuzz.ratio, limit=limit * 2, score_cutoff=60)
    return list(dict.fromkeys(label_of[key] for key, _, _ in matches))[:limit]


def run_named_query(store: KGStore, name: str, check_names: bool = False, **params: object) -> list[dict[str, Value]]:
    """Rows of a library query as plain dicts, e.g. ``run_named_query(store, "partners", entity="Technopark")``.

    An unknown name gives no rows; with ``check_names=True`` it raises :class:`UnknownEntityError` instead.
    """
    result = raw_named_query(store, name, params, check_names)
    names = [v.value for v in result.variables]
    return [{n: term_value(sol[n]) for n in names} for sol in result]
