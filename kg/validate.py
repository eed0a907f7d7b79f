"""SHACL validation of a built graph against ``ontology/shapes.ttl``.

The shapes apply to the union of all graphs: entity descriptions live in the
default graph, relations and claims in per-document named graphs, and a shape
such as "the subject of ekg:headOf is a Person" needs both.

The domain and range shapes are generated from ``ontology/ecosystem.ttl`` so
that they cannot drift from it: ``python -m kg.validate --write-shapes``
rewrites the part of ``shapes.ttl`` after the GENERATED marker.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH

from kg.store import KGStore, atomic_write_bytes
from kg.vocab import EKG
from kg.vocab import class_set as _class_set
from kg.vocab import subclasses as _subclasses

SHAPES = "https://w3id.org/ecosystem-kg/shapes#"
GENERATED_MARKER = "# ---------------------------------------------------------------- GENERATED"


@dataclass(frozen=True)
class ShapeViolations:
    """All violations of one shape, with one example."""

    shape: str
    count: int
    focus_node: str
    message: str
    value: str | None = None


@dataclass(frozen=True)
class ValidationReport:
    conforms: bool
    count: int
    violations: tuple[ShapeViolations, ...] = ()


def ontology_path():
    return resources.files("kg.ontology") / "ecosystem.ttl"


def shapes_path():
    return resources.files("kg.ontology") / "shapes.ttl"


@cache
def _shapes_graph() -> rdflib.Graph:
    return rdflib.Graph().parse(data=shapes_path().read_text(encoding="utf-8"), format="turtle")


@cache
def _prepared(sparql: str):
    from rdflib.plugins.sparql import prepareQuery

    return prepareQuery(sparql)


class _PreparedQueryGraph(rdflib.Graph):
    """pyshacl runs a SPARQL constraint once per focus node and rdflib would parse it each time (~50 ms):
    parse each query text once, so that validation time grows with the data, not with parsing."""

    def query(self, query_object, *args, **kwargs):
        if isinstance(query_object, str):
            query_object = _prepared(query_object)
        return super().query(query_object, *args, **kwargs)


def union_graph(quads: Iterable[ox.Quad]) -> rdflib.Graph:
    """The union of all graphs as one rdflib graph (pyshacl validates a single graph)."""
    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in quads}
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    return _PreparedQueryGraph().parse(data=data, format="nt")


ENGINES = ("turbo", "pyshacl")
BATCH_QUADS = 20_000  # a part checked at once: bounded memory, and each check's cost stays linear in its size


@dataclass(frozen=True)
class _Result:
    """One SHACL result, as a hashable record: the same result found in two parts counts once."""

    shape: str
    focus_node: str
    message: str
    value: str | None
    path: str
    component: str


def validate_graph(store_or_quads: KGStore | Iterable[ox.Quad], engine: str = "turbo") -> ValidationReport:
    """Validate a store (or its quads) against the project's SHACL shapes, all graphs at once.

    ``engine`` is ``"turbo"`` (pyshacl-turbo, in Rust) or ``"pyshacl"`` (the reference, about 15x slower).
    """
    quads = store_or_quads.quads() if isinstance(store_or_quads, KGStore) else store_or_quads
    return _report(_check(quads, engine))


def validate_parts(quads: Iterable[ox.Quad], batch_quads: int = BATCH_QUADS) -> ValidationReport:
    """The report of :func:`validate_graph` for a graph in kg's layout, checked a few documents at a time.

    Every part is some named graphs (or default-graph subjects) plus the default-graph description of each
    node they name, so the shapes, which only look at a node's own triples and at the class of the nodes it
    links to, see everything they would see in the whole graph. It assumes what ``kg build`` writes: each
    claim lies in the graph of the document it derives from. Its memory grows with a part, not with the
    graph; ``kg validate`` checks the whole graph at once.
    """
    default, named = [], {}
    for q in quads:
        if isinstance(q.graph_name, ox.DefaultGraph):
            default.append(q)
        else:
            named.setdefault(q.graph_name, []).append(q)
    check = PartsCheck(batch_quads)
    check.add(default)
    for graph in named.values():
        check.add(graph)
    return check.report()


class PartsCheck:
    """:func:`validate_parts` fed as a stream: each :meth:`add` brings whole named graphs, the default graph first."""

    def __init__(self, batch_quads: int = BATCH_QUADS):
        self.batch_quads = batch_quads
        self._descriptions: dict = {}  # default-graph quads by subject: the entity layer, kept to the end
        self._part: list[ox.Quad] = []
        self._results: set[_Result] = set()
        self._named_seen = False

    def add(self, quads: Iterable[ox.Quad]) -> None:
        for q in quads:
            if not isinstance(q.graph_name, ox.DefaultGraph):
                self._named_seen = True
                self._part.append(q)
            elif self._named_seen:
                raise ValueError("PartsCheck: the default graph must come before the named graphs")
            else:
                self._descriptions.setdefault(q.subject, []).append(q)
        if len(self._part) >= self.batch_quads:
            self._check_part()

    def report(self) -> ValidationReport:
        self._check_part()
        for unit in self._descriptions.values():  # the default graph by subject, for the entities no document names
            self._part.extend(unit)
            if len(self._part) >= self.batch_quads:
                self._check_part()
        self._check_part()
        return _report(self._results)

    def _check_part(self) -> None:
        if self._part:
            self._results.update(_check(_with_descriptions(self._part, self._descriptions)))
            self._part = []


class FullCheck:
    """:func:`validate_graph` fed as a stream (it holds every quad until :meth:`report`)."""

    def __init__(self):
        self._quads: list[ox.Quad] = []

    def add(self, quads: Iterable[ox.Quad]) -> None:
        self._quads.extend(quads)

    def report(self) -> ValidationReport:
        return validate_graph(self._quads)


MODES = ("parts", "full")


def quads_check(mode: str | bool = "parts") -> PartsCheck | FullCheck:
    """The check a build runs as its quads stream by: ``"parts"`` (or True) or ``"full"``."""
    mode = "parts" if mode is True else mode
    if mode not in MODES:
        raise ValueError(f"unknown validation mode {mode!r}; choose one of {', '.join(MODES)}")
    return PartsCheck() if mode == "parts" else FullCheck()


def _with_descriptions(part: list[ox.Quad], descriptions: dict) -> list[ox.Quad]:
    named = {q.subject for q in part} | {q.object for q in part if isinstance(q.object, ox.NamedNode)}
    return part + [d for node in named for d in descriptions.get(node, ())]


def _check(quads: Iterable[ox.Quad], engine: str = "turbo") -> set[_Result]:
    if engine not in ENGINES:
        raise ValueError(f"unknown SHACL engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if engine == "pyshacl":
        from pyshacl import validate

        _, results, _ = validate(
            union_graph(quads), shacl_graph=_shapes_graph(), inference="none", abort_on_first=False, allow_warnings=True
        )
    else:
        union = ox.Store()
        union.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads)
        _, results, _ = _compiled_shapes().validate(union, inference="none", allow_warnings=True)
    return _results(results)


@cache
def _compiled_shapes():
    from pyshacl_turbo import CompiledShapes

    return CompiledShapes(_shapes_graph())


def _results(results: rdflib.Graph) -> set[_Result]:
    found = set()
    for result in results.subjects(RDF.type, SH.ValidationResult):
        if results.value(result, SH.resultSeverity) != SH.Violation:
            continue
        # a SPARQL constraint is named on its own: group by it rather than by the node shape holding it
        constraint = results.value(result, SH.sourceConstraint)
        named = isinstance(constraint, rdflib.URIRef) and str(constraint).startswith(SHAPES)
        focus, value = results.value(result, SH.focusNode), results.value(result, SH.value)
        found.add(
            _Result(
                shape=_short(constraint if named else results.value(result, SH.sourceShape)),
                focus_node=str(focus),
                message=str(results.value(result, SH.resultMessage) or ""),
                value=None if value is None or value == focus else str(value),
                path=str(results.value(result, SH.resultPath)),
                component=str(results.value(result, SH.sourceConstraintComponent)),
            )
        )
    return found


def _report(results: set[_Result]) -> ValidationReport:
    groups: dict[str, list[_Result]] = {}
    for result in results:
        groups.setdefault(result.shape, []).append(result)
    violations = []
    for shape, found in sorted(groups.items()):
        # the same focus node shows up first in every run: examples stay stable
        example = min(found, key=lambda r: (r.focus_node, r.message, r.value or ""))
        violations.append(ShapeViolations(shape, len(found), example.focus_node, example.message, example.value))
    count = sum(v.count for v in violations)
    return ValidationReport(conforms=count == 0, count=count, violations=tuple(violations))


def _short(node) -> str:
    text = str(node)
    return "ekgsh:" + text[len(SHAPES) :] if text.startswith(SHAPES) else text


def format_report(report: ValidationReport) -> str:
    """Violations grouped by shape, one example each, for people."""
    if report.conforms:
        return "conforms: 0 violations"
    lines = [f"{report.count} violation(s) of {len(report.violations)} shape(s):"]
    for v in report.violations:
        lines.append(f"  {v.shape}: {v.count}")
        lines.append(f"    e.g. {v.focus_node}: {v.message}" + (f" (value: {v.value})" if v.value else ""))
    return "\n".join(lines)


# ---------------------------------------------------------------- shapes generated from the ontology


def _local(iri) -> str:
    return str(iri).rsplit("#", 1)[-1]


def _qname(iri) -> str:
    text = str(iri)
    if text.startswith(str(EKG)):
        return "ekg:" + text[len(str(EKG)) :]
    for prefix, ns in (("xsd", rdflib.XSD), ("rdf", RDF), ("rdfs", RDFS)):
        if text.startswith(str(ns)):
            return f"{prefix}:{text[len(str(ns)) :]}"
    return f"<{text}>"


def _class_constraint(classes: list) -> str:
    if len(classes) == 1:
        return f"sh:class {_qname(classes[0])}"
    return "sh:or ( " + " ".join(f"[ sh:class {_qname(c)} ]" for c in classes) + " )"


def _names(classes: list) -> str:
    return " or ".join(_local(c) for c in classes)


def generate_shapes(ontology_text: str) -> str:
    """The GENERATED part of shapes.ttl: actor classes, and each property's domain and range."""
    ont = rdflib.Graph().parse(data=ontology_text, format="turtle")
    actors = _subclasses(ont, EKG.Actor)
    entity_targets = [f"sh:targetClass {_qname(c)}" for c in actors]
    blocks = []
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
        for prop in sorted(ont.subjects(RDF.type, kind)):
            name, p = _local(prop), _qname(prop)
            domain, rng = ont.value(prop, RDFS.domain), ont.value(prop, RDFS.range)
            if domain is not None:
                classes = _class_set(ont, domain)
                if set(classes) <= set(actors):
                    entity_targets.append(f"sh:targetSubjectsOf {p}")
                blocks.append(
                    f"ekgsh:{name}-domain a sh:NodeShape ;\n    sh:targetSubjectsOf {p} ;\n"
                    f"    {_class_constraint(classes)} ;\n"
                    f'    sh:message "the subject of {p} is not a {_names(classes)} (rdfs:domain)" .\n'
                )
            if rng is None:
                continue
            if kind == OWL.DatatypeProperty:
                # a union of datatypes (ekg:date: xsd:date, xsd:gYearMonth or xsd:gYear) is an sh:or of them
                types = list(Collection(ont, ont.value(rng, OWL.unionOf))) if isinstance(rng, rdflib.BNode) else [rng]
                check = (
                    f"sh:datatype {_qname(types[0])}"
                    if len(types) == 1
                    else "sh:or ( " + " ".join(f"[ sh:datatype {_qname(t)} ]" for t in types) + " )"
                )
                blocks.append(
                    f"ekgsh:{name}-range a sh:PropertyShape ;\n    sh:targetSubjectsOf {p} ;\n    sh:path {p} ;\n"
                    f"    {check} ;\n"
                    f'    sh:message "the value of {p} is not an {" or ".join(map(_qname, types))} (rdfs:range)" .\n'
                )
                continue
            classes = _class_set(ont, rng)
            if set(classes) <= set(actors):
                entity_targets.append(f"sh:targetObjectsOf {p}")
            blocks.append(
                f"ekgsh:{name}-range a sh:NodeShape ;\n    sh:targetObjectsOf {p} ;\n"
                f"    {_class_constraint(classes)} ;\n"
                f'    sh:message "the object of {p} is not a {_names(classes)} (rdfs:range)" .\n'
            )
    head = [
        "ekgsh:ActorClass a sh:NodeShape ;\n    sh:in ( " + " ".join(_qname(c) for c in actors) + " ) .\n",
        "ekgsh:Entity\n    " + " ;\n    ".join(entity_targets) + " .\n",
    ]
    return "\n".join(head + blocks)


def shapes_text(ontology_text: str, current_shapes: str) -> str:
    """``current_shapes`` with its GENERATED part replaced by the one derived from ``ontology_text``."""
    index = current_shapes.index(GENERATED_MARKER)
    marker_line_end = current_shapes.index("\n", index) + 1
    return current_shapes[:marker_line_end] + "\n" + generate_shapes(ontology_text)


def write_shapes(ontology_file: Path, shapes_file: Path) -> bool:
    """Regenerate the GENERATED part of ``shapes_file``; True when it changed."""
    old = shapes_file.read_text(encoding="utf-8")
    new = shapes_text(ontology_file.read_text(encoding="utf-8"), old)
    if new != old:
        atomic_write_bytes(shapes_file, new.encode("utf-8"))
    return new != old


if __name__ == "__main__":
    if sys.argv[1:] != ["--write-shapes"]:
        sys.exit("usage: python -m kg.validate --write-shapes")
    root = Path(__file__).resolve().parents[1] / "ontology"
    changed = write_shapes(root / "ecosystem.ttl", root / "shapes.ttl")
    print(f"{root / 'shapes.ttl'}: {'rewritten' if changed else 'already up to date'}")
