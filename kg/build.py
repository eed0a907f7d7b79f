"""``kg build``: files in, graph outputs out. Runs every stage once, in order."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from kg.cache import AnalysisCache, analyse_cached, build_documents
from kg.distributed import analyser
from kg.ingest import IngestOptions, Skipped, Warned, find_input_files, read_documents
from kg.model import DocumentAnalysis
from kg.rdf import document_quads, entity_quads
from kg.resolve import Resolution, resolve_entities
from kg.store import current_outputs, forget_outputs, holding_build_lock, quads_digest, record_outputs, write_outputs


@dataclass
class BuildReport:
    """What a build read, found and wrote; printed as the summary."""

    out_dir: Path
    documents: int = 0
    sentences: int = 0
    files: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[Warned] = field(default_factory=list)
    entities_by_class: Counter = field(default_factory=Counter)
    relations_by_predicate: Counter = field(default_factory=Counter)
    triples: int = 0
    seconds: float = 0.0
    outputs: dict[str, Path] = field(default_factory=dict)
    duplicates: int = 0
    cached: int = 0  # documents whose analysis came from the cache (no NLP)
    violations: int | None = None  # SHACL violations of the output; None when not validated


def analyse_files(
    paths: Iterable[str | Path],
    report: BuildReport,
    on_document: Callable[[], None] | None = None,
    batch_size: int = 32,
    cache: AnalysisCache | None = None,
    prune: bool = False,
    workers: int = 1,
    scheduler: str | None = None,
    ingest: IngestOptions | None = None,
) -> list[DocumentAnalysis]:
    """Analyses of the build's documents (see :func:`kg.cache.build_documents`); NLP only for those not cached."""
    files = find_input_files(paths)
    report.files = len(files)
    docs = read_documents(files, report.skipped, report.warnings, ingest or IngestOptions())
    documents = build_documents(docs, cache, prune)
    nlp_stage = analyser(workers, scheduler, batch_size)
    return list(analyse_cached(documents, cache, nlp_stage, on_document))


def graph_quads(analyses: list[DocumentAnalysis], resolution: Resolution) -> list:
    """All quads of a build; a document read twice (same text) is one named graph with both sources.

    Its metadata is the first copy's, completed by the others (a page gives the author, a feed the link).
    """
    quads = list(entity_quads(resolution.entities))
    sources: dict[str, set[str]] = {}
    metadata: dict[str, dict[str, str]] = {}
    first: dict[str, DocumentAnalysis] = {}
    for a in analyses:
        sources.setdefault(a.document.doc_id, set()).add(a.document.source)
        for key, value in a.document.metadata:
            metadata.setdefault(a.document.doc_id, {}).setdefault(key, value)
        first.setdefault(a.document.doc_id, a)
    for doc_id, a in first.items():
        document = replace(a.document, metadata=tuple(metadata.get(doc_id, {}).items()))
        quads.extend(document_quads(document, a, resolution, sources[doc_id]))
    return quads


@holding_build_lock  # one build at a time per output folder
def build_graph(
    paths: Iterable[str | Path],
    out_dir: str | Path,
    on_document: Callable[[], None] | None = None,
    write_html: bool = True,
    validate: bool = True,
    use_cache: bool = True,
    prune: bool = False,
    workers: int = 1,
    scheduler: str | None = None,
    ingest: IngestOptions | None = None,
) -> BuildReport:
    """Read ``paths``, extract, resolve, and write graph.ttl, graph.trig, graph.html and store/.

    With ``validate`` the written quads are checked against ``ontology/shapes.ttl`` and the number of
    violations lands in ``report.violations`` (the data is written either way, and the CLI says so).
    """
    started = time.perf_counter()
    out_dir = Path(out_dir)
    report = BuildReport(out_dir=out_dir)
    # the cache (OUT/.kg-cache) skips NLP for unchanged documents; see kg.cache for what a build keeps
    cache = AnalysisCache(out_dir) if use_cache else None
    analyses = analyse_files(
        paths, report, on_document, cache=cache, prune=prune, workers=workers, scheduler=scheduler, ingest=ingest
    )
    unique = {a.document.doc_id: a for a in analyses}
    report.duplicates = len(analyses) - len(unique)
    resolution = resolve_entities(unique.values())
    quads = graph_quads(analyses, resolution)
    # an unchanged corpus gives the same quads: the outputs on disk are already this build's
    # ... unless an output was changed, damaged or left by a cut-short build: the manifest lists what is on disk
    digest = quads_digest(quads)
    previous = current_outputs(out_dir, digest, write_html) if cache is not None else None
    if previous is not None and (not validate or previous[1] is not None):
        report.outputs = previous[0]
        report.violations = previous[1] if validate else None
    else:
        forget_outputs(out_dir)
        report.outputs = write_outputs(quads, out_dir)
        if validate:
            from kg.validate import validate_graph

            report.violations = validate_graph(quads).count
        if write_html:
            from kg.store import KGStore
            from kg.viz import write_html_graph

            report.outputs["html"] = write_html_graph(KGStore.open(out_dir), out_dir / "graph.html")
        record_outputs(out_dir, digest, report.outputs, report.violations)
    report.documents = len(unique)
    report.sentences = sum(a.sentence_count for a in unique.values())
    report.entities_by_class = Counter(e.cls for e in resolution.entities)
    distinct_facts = {(f.subject, f.predicate, f.object) for f in resolution.facts}
    report.relations_by_predicate = Counter(p for _, p, _ in distinct_facts)
    report.triples = len(set(quads))  # the store keeps a set: duplicates are not triples of the graph
    if cache is not None:
        report.cached = cache.hits
        cache.finish(a.document for a in analyses)
    report.seconds = time.perf_counter() - started
    return report


def count_input_files(paths: Iterable[str | Path]) -> int:
    return len(find_input_files(paths))
