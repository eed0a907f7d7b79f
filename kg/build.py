"""``kg build``: files in, graph outputs out. Runs every stage once, in order.

What a build into ``--out`` holds (the cache in ``OUT/.kg-cache`` only saves NLP, it never adds documents):

- ``build_graph(paths, out)``: exactly the documents of ``paths``;
- ``build_graph(paths, out, add=True)``: the previous documents plus those of ``paths`` (a source read again
  replaces its previous version);
- ``remove_documents(out, refs)``: the previous documents less those named (by source, path, id or IRI).

Sources are stored relative to the build's *base folder*: the folder holding the paths given (with several
paths, the deepest folder holding them all), so ``kg build seeds/`` stores ``seeds/a.txt`` wherever it runs
from. ``--add`` keeps the base of the build it adds to (a file outside it is stored as ``../x/b.txt``); a
URL-like source is stored as it is.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pyoxigraph as ox

from kg.cache import CACHE_DIR, AnalysisCache, analyse_cached, build_documents
from kg.distributed import analyser
from kg.formats import detect_language
from kg.ingest import IngestOptions, Skipped, Warned, find_input_files, read_documents
from kg.model import Document, DocumentAnalysis, Entity
from kg.rdf import document_iri, document_quads, entailment_rules, entity_quads, inferred_quads
from kg.resolve import EntityLayer, EntityResolver, Resolution
from kg.store import (
    STORE_DIR,
    QuadsDigest,
    batches_digest,
    build_lock,
    current_outputs,
    forget_outputs,
    holding_build_lock,
    record_outputs,
    recorded_digest,
    write_outputs,
)

_BASE = "base"  # cache meta entry: the base folder, relative to the output folder
# what tells a kg output folder: anything a build writes (a folder holding only these is safe to build into)
KG_OUTPUT_NAMES = frozenset({CACHE_DIR, STORE_DIR, "graph.trig", "graph.ttl", "graph.html"})


class BuildError(ValueError):
    """A build that would lose or mix data (an output folder that is not kg's, an unknown document to remove)."""


@dataclass(frozen=True)
class BuildChanges:
    """Sources added, removed and replaced (same source, new text) with respect to the previous build."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    replaced: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.replaced)

    def summary(self) -> str:
        if not self:
            return "none"
        return f"{len(self.added)} added, {len(self.removed)} removed, {len(self.replaced)} replaced"


@dataclass(frozen=True)
class DocumentSummary:
    """One document of a build, for ``kg build -v``."""

    source: str
    sentences: int
    mentions: int
    claims: int


@dataclass
class BuildReport:
    """What a build read, found and wrote; printed as the summary."""

    out_dir: Path
    documents: int = 0
    sentences: int = 0
    files: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[Warned] = field(default_factory=list)
    entities_by_class: Counter[str] = field(default_factory=Counter)
    relations_by_predicate: Counter[str] = field(default_factory=Counter)
    triples: int = 0
    seconds: float = 0.0
    outputs: dict[str, Path] = field(default_factory=dict)
    duplicates: int = 0
    cached: int = 0  # documents whose analysis came from the cache (no NLP)
    violations: int | None = None  # SHACL violations of the output; None when not validated
    changes: BuildChanges = BuildChanges()
    base: Path | None = None  # the folder sources are relative to
    per_document: list[DocumentSummary] = field(default_factory=list)


def base_folder(paths: Iterable[str | Path]) -> Path:
    """The folder sources are relative to: the deepest folder holding every path given."""
    parents = [str(Path(os.path.abspath(p)).parent) for p in paths]
    return Path(os.path.commonpath(parents)) if parents else Path(os.getcwd())


def canonical_source(path: Path, base: Path) -> str:
    """``path`` relative to ``base`` with ``/`` separators (``..`` when outside it)."""
    return Path(os.path.relpath(os.path.abspath(path), base)).as_posix()


def _canonical_documents(
    files: list[Path],
    base: Path,
    report: BuildReport,
    ingest: IngestOptions,
    detect: Callable[[str], str | None] = detect_language,
) -> Iterator[Document]:
    """The documents of ``files``, their sources rewritten relative to ``base`` (``news.jsonl:12`` keeps its item);
    ``detect`` tells a text's language."""
    for path in files:
        given = str(path)
        stored = canonical_source(path, base)
        for document in read_documents([path], report.skipped, report.warnings, ingest, detect):
            source = document.source
            if source.startswith(given):
                source = stored + source[len(given) :]
            yield replace(document, source=source)


def analyse_files(*args, **kwargs) -> list[DocumentAnalysis]:
    """The analyses :func:`iter_analyses` gives, as a list."""
    return list(iter_analyses(*args, **kwargs))


def iter_analyses(
    paths: Iterable[str | Path],
    report: BuildReport,
    on_document: Callable[[], None] | None = None,
    batch_size: int = 32,
    cache: AnalysisCache | None = None,
    prune: bool = True,
    workers: int = 1,
    scheduler: str | None = None,
    ingest: IngestOptions | None = None,
    base: Path | None = None,
    out_dir: Path | None = None,
    model: Path | None = None,
) -> Iterator[DocumentAnalysis]:
    """Analyses of the documents of ``paths`` (plus, unless ``prune``, the cache's other members), one at a time;
    NLP for misses.

    Files inside ``out_dir`` are never inputs: a build into a folder of its corpus must not read its own pages.
    """
    paths = list(paths)
    files = find_input_files(paths)
    if out_dir is not None:
        outputs = Path(os.path.abspath(out_dir))
        files = [f for f in files if not Path(os.path.abspath(f)).is_relative_to(outputs)]
    report.files = len(files)
    report.base = base or base_folder(paths)
    detect = cache.detect_language if cache is not None else detect_language
    docs = _canonical_documents(files, report.base, report, ingest or IngestOptions(), detect)
    documents = build_documents(docs, cache, prune)
    nlp_stage = analyser(workers, scheduler, batch_size, model)
    yield from analyse_cached(documents, cache, nlp_stage, on_document)


QUAD_BATCH = 20_000  # quads generated, written and checked at once: memory holds a batch, not the graph

# one named graph of the build: a document (metadata merged over its copies), its analysis, a resolution that
# maps the analysis's mentions and holds its facts, and every source it was read from
DocumentGraph = tuple[Document, DocumentAnalysis, Resolution, set[str]]


def graph_quads(analyses: list[DocumentAnalysis], resolution: Resolution) -> list:
    """All quads of a build; a document read twice (same text) is one named graph with both sources.

    The entailed relations (:func:`kg.rdf.inferred_quads`) come last, in their own graph.

    Its metadata is the first copy's, completed by the others (a page gives the author, a feed the link).
    """
    copies = _merged_copies(a.document for a in analyses)
    graphs = ((document, analyses[n], resolution, sources) for n, document, sources in copies)
    return [q for batch in quad_batches(resolution.entities, graphs) for q in batch]


def _merged_copies(documents: Iterable[Document]) -> list[tuple[int, Document, set[str]]]:
    """Per document id, in order: the index of its first copy, that copy with the metadata of all copies (the
    first's, completed by the others), and the sources of all copies."""
    sources: dict[str, set[str]] = {}
    metadata: dict[str, dict[str, str]] = {}
    first: dict[str, tuple[int, Document]] = {}
    for n, d in enumerate(documents):
        sources.setdefault(d.doc_id, set()).add(d.source)
        for key, value in d.metadata:
            metadata.setdefault(d.doc_id, {}).setdefault(key, value)
        first.setdefault(d.doc_id, (n, d))
    return [
        (n, replace(d, metadata=tuple(metadata.get(doc_id, {}).items())), sources[doc_id])
        for doc_id, (n, d) in first.items()
    ]


def quad_batches(
    entities: Iterable[Entity], graphs: Iterable[DocumentGraph], size: int | None = None
) -> Iterator[list[ox.Quad]]:
    """The quads of :func:`graph_quads`, in order, in batches of about ``size`` (default ``QUAD_BATCH``) holding
    whole entities and whole graphs: the default graph (the entities), the document graphs, then the entailed
    relations."""
    size = size or QUAD_BATCH
    supers, _ = entailment_rules()
    relations: list[ox.Quad] = []  # the documents' relation triples: all that the entailment looks at
    batch: list[ox.Quad] = []
    for entity in entities:
        batch.extend(entity_quads([entity]))
        if len(batch) >= size:
            yield batch
            batch = []
    for document, analysis, resolution, sources in graphs:
        quads = list(document_quads(document, analysis, resolution, sources))
        relations.extend(q for q in quads if q.predicate.value in supers)
        batch.extend(quads)
        if len(batch) >= size:
            yield batch
            batch = []
    batch.extend(inferred_quads(relations))  # headOf is also worksFor, partnerOf goes both ways (ontology/README.md)
    if batch:
        yield batch


def check_output_folder(out_dir: Path) -> None:
    """Refuse a folder holding files kg did not write: they would be mixed with, or lost to, the outputs."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise BuildError(f"{out_dir}: is a file, not a folder; give --out a new or empty folder")
    foreign = sorted(p.name for p in out_dir.iterdir() if p.name not in KG_OUTPUT_NAMES and not p.name.startswith("."))
    if foreign and not (out_dir / CACHE_DIR).is_dir():
        shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        raise BuildError(
            f"{out_dir}: not empty ({shown}) and not the output of kg build; give --out a new or empty folder"
        )


def _stored_base(cache: AnalysisCache, out_dir: Path) -> Path | None:
    value = cache.meta(_BASE)
    return Path(os.path.normpath(os.path.join(os.path.abspath(out_dir), value))) if value else None


def _changes(before: list[Document], after: Iterable[Document]) -> BuildChanges:
    old = {d.source: d.doc_id for d in before}
    new = {d.source: d.doc_id for d in after}
    return BuildChanges(
        added=tuple(sorted(set(new) - set(old))),
        removed=tuple(sorted(set(old) - set(new))),
        replaced=tuple(sorted(s for s in set(old) & set(new) if old[s] != new[s])),
    )


def build_graph(
    paths: Iterable[str | Path],
    out_dir: str | Path,
    on_document: Callable[[], None] | None = None,
    write_html: bool = True,
    validate: bool | str = True,
    use_cache: bool = True,
    prune: bool = True,
    workers: int = 1,
    scheduler: str | None = None,
    ingest: IngestOptions | None = None,
    add: bool = False,
    model: str | Path | None = None,
) -> BuildReport:
    """Read ``paths``, extract, resolve, and write graph.ttl, graph.trig, graph.html and store/.

    The graph holds exactly the documents of ``paths``; with ``add`` it also keeps the documents already in
    ``out_dir``. ``use_cache=False`` analyses every document again (the cache is refreshed). ``prune`` is
    the old name of the default and ``prune=False`` means ``add``. With ``validate`` the written quads are
    checked against ``ontology/shapes.ttl`` and the number of violations lands in ``report.violations``
    (the data is written either way, and the CLI says so); ``validate="full"`` checks the whole graph at once
    instead of a few documents at a time (same result). ``model`` is a model folder written by ``kg train``
    (default: the one shipped in the package).
    """
    from kg.models import model_dir

    model = model_dir(model) if model is not None else None
    out_dir = Path(out_dir)
    check_output_folder(out_dir)
    add = add or not prune
    paths = list(paths)
    find_input_files(paths)  # a missing path is an error before the output folder is touched
    with build_lock(out_dir):  # one build at a time per output folder; taken once the folder is known to be kg's
        cache = AnalysisCache(out_dir, reuse=use_cache, model=model)
        base = _stored_base(cache, out_dir) if add else None
        return _build(
            out_dir,
            cache,
            lambda report: iter_analyses(
                paths,
                report,
                on_document,
                cache=cache,
                prune=not add,
                workers=workers,
                scheduler=scheduler,
                ingest=ingest,
                base=base,
                out_dir=out_dir,
                model=model,
            ),
            write_html,
            validate,
        )


def _document_matches(document: Document, ref: str, base: Path | None) -> bool:
    """Whether ``ref`` (a source, a path, a document id or IRI, ``doc:ID``) names ``document``."""
    if ref in (document.doc_id, document_iri(document.doc_id), f"doc:{document.doc_id}"):
        return True
    candidates = {ref.rstrip("/")}
    if base is not None and "://" not in ref:
        candidates.add(canonical_source(Path(ref), base).rstrip("/"))
    for name in candidates:
        # a file names the articles inside it (news.jsonl:3, feed.xml#entry-2); a folder names what it holds
        if document.source == name or document.source.startswith((f"{name}:", f"{name}#", f"{name}/")):
            return True
    return False


@holding_build_lock
def remove_documents(
    out_dir: str | Path,
    refs: Iterable[str],
    write_html: bool = True,
    validate: bool | str = True,
    on_document: Callable[[], None] | None = None,
) -> BuildReport:
    """Rebuild ``out_dir`` without the documents named by ``refs``; the others come from the cache (no NLP).

    A ref is a stored source (``seeds/a.txt``, ``news.jsonl:12``), a path to a file or folder, a document id,
    its IRI or ``doc:ID``. A ref that names no document raises :class:`BuildError` and nothing changes.
    """
    out_dir = Path(out_dir)
    if not (out_dir / CACHE_DIR).is_dir():
        raise BuildError(f"{out_dir}: no kg build here; run 'kg build PATH --out {out_dir}' first")
    refs = [str(r) for r in refs]
    cache = AnalysisCache(out_dir)
    base = _stored_base(cache, out_dir)
    members = cache.members()
    unknown = [r for r in refs if not any(_document_matches(d, r, base) for d in members)]
    if unknown:
        cache.close()
        shown = ", ".join(sorted(d.source for d in members)[:5]) or "none"
        raise BuildError(
            f"{out_dir}: no document matches {', '.join(map(repr, unknown))} (its documents include: {shown})"
        )
    kept = [d for d in members if not any(_document_matches(d, r, base) for r in refs)]

    def analyse(report: BuildReport) -> Iterator[DocumentAnalysis]:
        report.base = base
        return analyse_cached(kept, cache, analyser(), on_document)

    return _build(out_dir, cache, analyse, write_html, validate)


def _document_graph(
    document: Document, analysis: DocumentAnalysis, layer: EntityLayer, sources: set[str], facts_seen: set
) -> DocumentGraph:
    """One document's graph, resolved by ``layer``; its facts' (subject, predicate, object) go to ``facts_seen``."""
    mention_entity = layer.mention_entities(analysis)
    facts = layer.facts(analysis, mention_entity)
    facts_seen.update((f.subject, f.predicate, f.object) for f in facts)
    return document, analysis, Resolution((), tuple(facts), mention_entity), sources


def _build(
    out_dir: Path,
    cache: AnalysisCache,
    analyse: Callable[[BuildReport], Iterable[DocumentAnalysis]],
    write_html: bool,
    validate: bool | str,
) -> BuildReport:
    """Resolve and write the analyses ``analyse`` gives, and record the build in ``cache``.

    Memory stays flat as the corpus grows: the analyses stream through resolution, which keeps names and
    counts (:class:`kg.resolve.EntityResolver`), then are read back from the cache one at a time to make the
    quads, which are digested, written and checked in batches of whole graphs, never held whole.
    """
    started = time.perf_counter()
    report = BuildReport(out_dir=out_dir)
    previous = cache.members()
    documents: list[Document] = []  # every document analysed, in order, a duplicate too
    keys: list[str] = []  # the cache key of each one's analysis
    resolver = EntityResolver()
    sentences: dict[str, int] = {}
    try:
        for a in analyse(report):
            documents.append(a.document)
            keys.append(cache.key(a.document))
            report.per_document.append(
                DocumentSummary(a.document.source, a.sentence_count, len(a.mentions), len(a.claims))
            )
            if a.document.doc_id not in sentences:  # a copy of a document read twice adds nothing to resolve
                sentences[a.document.doc_id] = a.sentence_count
                resolver.add(a)
    except BaseException:
        cache.close()
        raise
    cache.commit()
    report.duplicates = len(documents) - len(sentences)
    layer = resolver.finish()
    copies = _merged_copies(documents)
    distinct_facts: set[tuple[str, str, str]] = set()

    def batches() -> Iterator[list[ox.Quad]]:
        """The build's quads, each document's analysis read back from the cache when its turn comes."""
        graphs = (
            _document_graph(document, cache.stored(keys[n]), layer, sources, distinct_facts)
            for n, document, sources in copies
        )
        return quad_batches(layer.entities, graphs)

    # an unchanged corpus gives the same quads: the outputs on disk are already this build's
    # ... unless an output was changed, damaged or left by a cut-short build: the manifest lists what is on disk
    on_disk = None
    if recorded_digest(out_dir) is not None:  # else nothing on disk can be this build's: no pass for the digest
        digest, report.triples = batches_digest(batches())
        on_disk = current_outputs(out_dir, digest, write_html)
    if on_disk is not None and (not validate or on_disk[1] is not None):
        report.outputs = on_disk[0]
        report.violations = on_disk[1] if validate else None
    else:
        from kg.validate import quads_check

        forget_outputs(out_dir)
        check = quads_check(validate) if validate else None
        hashed = QuadsDigest()

        def on_batch(batch: list[ox.Quad]) -> None:
            hashed.add(batch)
            if check is not None:
                check.add(batch)

        report.outputs = write_outputs(batches(), out_dir, on_batch=on_batch)
        digest, report.triples = hashed.hexdigest(), hashed.count  # the store keeps a set: duplicates count once
        if check is not None:
            report.violations = check.report().count
        if write_html:
            from kg.store import KGStore
            from kg.viz import write_html_graph

            report.outputs["html"] = write_html_graph(KGStore.open(out_dir), out_dir / "graph.html")
        record_outputs(out_dir, digest, report.outputs, report.violations)
    report.documents = len(sentences)
    report.sentences = sum(sentences.values())
    report.entities_by_class = Counter(e.cls for e in layer.entities)
    report.relations_by_predicate = Counter(p for _, p, _ in distinct_facts)
    report.cached = cache.hits
    report.changes = _changes(previous, documents)
    if report.base is not None:
        cache.set_meta(_BASE, os.path.relpath(report.base, os.path.abspath(out_dir)))
    cache.finish(documents)
    report.seconds = time.perf_counter() - started
    return report


def count_input_files(paths: Iterable[str | Path]) -> int:
    return len(find_input_files(paths))
