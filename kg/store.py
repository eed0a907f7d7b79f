"""Store stage: write the outputs atomically and open the Oxigraph store for SPARQL.

:class:`KGStore` is the one narrow interface every reader uses (CLI, Python
API, analysis, viz). ``KGStore.in_memory(quads)`` gives the same interface
without touching disk, for tests and notebooks.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import inspect
import json
import os
import shutil
import signal
import threading
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeAlias, TypeVar

import pyoxigraph as ox

from kg.rdf import PREFIXES, asserted_triples

if TYPE_CHECKING:
    import pandas
    from rdflib.term import Node

Value: TypeAlias = str | int | float | bool | None  # a result cell as a plain Python value (see term_value)
STORE_DIR = "store"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
MANIFEST_FILE = ".kg-outputs.json"  # each output's digest, written after every output is in place
LOCK_FILE = ".kg-build.lock"
_UNHASHED = ("LOCK", "LOG")  # RocksDB's lock and info log change without the data changing


class StoreError(Exception):
    """A store that cannot be opened or a query that cannot run; the message says why."""


class QuerySyntaxError(StoreError):
    """SPARQL text that does not parse; ``line`` and ``column`` (1-based) say where, when the parser tells."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.line, self.column = line, column


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write a file so that readers see the old content or the new one, never half."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def atomic_write_rdf(path: Path, items: Iterable, format: ox.RdfFormat) -> None:
    """Serialize ``items`` straight into ``path`` (atomically, as :func:`atomic_write_bytes`), never whole in memory."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as fh:
        ox.serialize(items, fh, format=format, prefixes=PREFIXES)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_store(quads: Iterable[ox.Quad], out_dir: Path) -> Path:
    """Build a new store next to the old one, then swap it in."""
    store, fresh = _fresh_store(out_dir)
    store.bulk_extend(quads)
    store.flush()
    del store
    return _swap_store(out_dir, fresh)


def _fresh_store(out_dir: Path) -> tuple[ox.Store, Path]:
    """An empty store in a hidden side folder of ``out_dir``, to be swapped in by :func:`_swap_store`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    recover_store(out_dir)
    fresh = out_dir / f".{STORE_DIR}-new-{os.getpid()}"
    shutil.rmtree(fresh, ignore_errors=True)
    return ox.Store(str(fresh)), fresh


def _swap_store(out_dir: Path, fresh: Path) -> Path:
    final = out_dir / STORE_DIR
    old = out_dir / f".{STORE_DIR}-old-{os.getpid()}"
    with _ctrl_c_deferred():  # between the two renames there is no store/
        if final.exists():
            os.replace(final, old)
        os.replace(fresh, final)
    shutil.rmtree(old, ignore_errors=True)
    return final


def _pid_of(side_dir: Path) -> int | None:
    tail = side_dir.name.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else None


def _alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover_store(out_dir: Path) -> None:
    """Clean up after a build killed mid-write: restore a store set aside by a cut-short swap, drop dead side dirs."""
    final = out_dir / STORE_DIR
    for side in sorted(out_dir.glob(f".{STORE_DIR}-old-*")):
        if _alive(_pid_of(side)):
            continue
        if not final.exists():
            os.replace(side, final)
        else:
            shutil.rmtree(side, ignore_errors=True)
    for side in out_dir.glob(f".{STORE_DIR}-new-*"):
        if not _alive(_pid_of(side)):
            shutil.rmtree(side, ignore_errors=True)


@contextmanager
def _ctrl_c_deferred():
    """Hold SIGINT (Ctrl-C) until the block is done, so it cannot land between two renames."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


DIGEST_BATCH = 20_000  # quads serialized at once for the digest: N-Quads is one line per quad, so batches concatenate


def quads_digest(quads: list[ox.Quad]) -> str:
    """A fingerprint of a build's content: equal digests mean equal outputs (the hash of its N-Quads)."""
    return batches_digest(quads[start : start + DIGEST_BATCH] for start in range(0, len(quads), DIGEST_BATCH))[0]


def batches_digest(batches: Iterable[list[ox.Quad]]) -> tuple[str, int]:
    """:func:`quads_digest` of the quads of ``batches`` in order, and their number, holding one batch at a time."""
    digest = QuadsDigest()
    for batch in batches:
        digest.add(batch)
    return digest.hexdigest(), digest.count


class QuadsDigest:
    """:func:`quads_digest` fed batch by batch; ``count`` is the number of distinct quads, which holds when a
    quad and its duplicates always come in one batch (as kg build's whole graphs and whole entities do)."""

    def __init__(self):
        self._hash = hashlib.sha256()
        self.count = 0

    def add(self, batch: list[ox.Quad]) -> None:
        self._hash.update(ox.serialize(batch, format=ox.RdfFormat.N_QUADS))
        self.count += len(set(batch))

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def outputs_present(out_dir: Path, html: bool) -> dict[str, Path] | None:
    """The output files of a previous build, if they are all there."""
    outputs = {"trig": out_dir / "graph.trig", "ttl": out_dir / "graph.ttl", "store": out_dir / STORE_DIR}
    if html:
        outputs["html"] = out_dir / "graph.html"
    return outputs if all(p.exists() for p in outputs.values()) else None


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def output_digest(path: Path) -> str | None:
    """The digest of an output file, or of a store folder's data files; None if it is missing."""
    try:
        if path.is_dir():
            h = hashlib.sha256()
            for f in sorted(path.iterdir()):
                if f.is_file() and not f.name.startswith(_UNHASHED):
                    h.update(f"{f.name}:{_file_digest(f)}|".encode())
            return h.hexdigest()
        return _file_digest(path)
    except OSError:
        return None


def current_outputs(out_dir: Path, digest: str, html: bool) -> tuple[dict[str, Path], int | None] | None:
    """The outputs of an earlier build of the same content, if every one is still what that build wrote.

    Returns the outputs and the SHACL violation count recorded with them, or None when anything is
    missing, changed, damaged or from another content, so that the caller rewrites them all.
    """
    manifest = _manifest(out_dir)
    outputs = outputs_present(out_dir, html)
    if manifest.get("digest") != digest or outputs is None:
        return None
    recorded = manifest.get("outputs", {})
    if any(recorded.get(key) != output_digest(path) for key, path in outputs.items()):
        return None
    return outputs, manifest.get("violations")


def recorded_digest(out_dir: Path) -> str | None:
    """The content digest the manifest of ``out_dir`` records, if there is one."""
    return _manifest(out_dir).get("digest")


def _manifest(out_dir: Path) -> dict:
    """The manifest of ``out_dir``; empty when there is none or it is unreadable."""
    try:
        manifest = json.loads((out_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def forget_outputs(out_dir: Path) -> None:
    """Drop the manifest before any output is replaced: a build cut short then never looks complete."""
    try:
        os.unlink(out_dir / MANIFEST_FILE)
    except FileNotFoundError:
        pass


def record_outputs(out_dir: Path, digest: str, outputs: dict[str, Path], violations: int | None) -> None:
    """Write the manifest, last, once every output is in place."""
    manifest = {
        "digest": digest,
        "violations": violations,
        "outputs": {key: output_digest(path) for key, path in outputs.items()},
    }
    atomic_write_bytes(out_dir / MANIFEST_FILE, json.dumps(manifest, indent=1).encode("utf-8"))


@contextmanager
def build_lock(out_dir: str | Path):
    """Hold ``OUT/.kg-build.lock`` for the block: one build at a time writes a folder.

    The lock is an ``flock``, so a build that dies releases it with its process.
    """
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        fh = open(out_dir / LOCK_FILE, "a+")
    except (FileExistsError, NotADirectoryError):
        raise StoreError(f"{out_dir}: is a file, not a folder; give --out a folder") from None
    except PermissionError:
        raise StoreError(f"{out_dir}: cannot write here (permission denied); choose another --out") from None
    except OSError as exc:
        raise StoreError(f"{out_dir}: cannot write here ({exc.strerror or exc})") from None
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip()
            who = f" (process {holder})" if holder else ""
            raise StoreError(f"another build is writing {out_dir}{who}; wait for it to finish") from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        try:
            yield
        finally:
            fh.truncate(0)
            fcntl.flock(fh, fcntl.LOCK_UN)


P = ParamSpec("P")
R = TypeVar("R")


def holding_build_lock(build: Callable[P, R]) -> Callable[P, R]:
    """Decorate a build function whose ``out_dir`` argument names the folder it writes: see :func:`build_lock`."""
    signature = inspect.signature(build)

    @functools.wraps(build)
    def locked(*args: P.args, **kwargs: P.kwargs) -> R:
        out_dir = signature.bind(*args, **kwargs).arguments["out_dir"]
        with build_lock(out_dir):
            return build(*args, **kwargs)

    return locked


def write_outputs(
    quads: list[ox.Quad] | Iterable[list[ox.Quad]],
    out_dir: Path,
    on_batch: Callable[[list[ox.Quad]], None] | None = None,
) -> dict[str, Path]:
    """``graph.trig`` (everything), ``graph.ttl`` (asserted facts) and ``store/``, in one pass over the quads.

    ``quads`` is a list of quads or a stream of batches of them (lists): only one batch and the asserted
    triples are held at a time. Each batch also goes to ``on_batch`` (the SHACL check, for instance).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    trig = out_dir / "graph.trig"
    ttl = out_dir / "graph.ttl"
    if isinstance(quads, list) and quads and isinstance(quads[0], ox.Quad):
        quads = [quads]
    store, fresh = _fresh_store(out_dir)
    asserted: set[ox.Triple] = set()
    atomic_write_rdf(trig, _feeding(quads, store, asserted, on_batch), ox.RdfFormat.TRIG)
    atomic_write_rdf(ttl, sorted(asserted, key=str), ox.RdfFormat.TURTLE)
    store.flush()
    del store
    return {"trig": trig, "ttl": ttl, "store": _swap_store(out_dir, fresh)}


def _feeding(batches, store: ox.Store, asserted: set, on_batch) -> Iterable[ox.Quad]:
    """The quads of ``batches``, for the TriG serialiser to pull; on the way each batch also goes to the store,
    the asserted graph and ``on_batch``, so that the quads are walked once."""
    for batch in batches:
        store.bulk_extend(batch)
        asserted.update(asserted_triples(batch))
        if on_batch is not None:
            on_batch(batch)
        yield from batch


def term_value(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None) -> Value:
    """A SPARQL result term as a plain Python value: IRIs and texts as ``str``, numbers, booleans, None."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        dt = term.datatype.value
        if dt.endswith(("#integer", "#int", "#long")):
            return int(term.value)
        if dt.endswith(("#decimal", "#double", "#float")):
            return float(term.value)
        if dt.endswith("#boolean"):
            return term.value == "true"
        return term.value
    return term.value


class KGStore:
    """SPARQL over the built graph. Queries see the union of all graphs by default."""

    def __init__(self, store: ox.Store, path: Path | None = None):
        self._store = store
        self.path = path

    @classmethod
    def open(cls, out_dir: str | Path) -> KGStore:
        out_dir = Path(out_dir)
        set_aside = sorted(out_dir.glob(f".{STORE_DIR}-old-*"))
        if not (out_dir / STORE_DIR).is_dir() and set_aside:  # a build died mid-swap: its previous store is whole
            return cls(ox.Store.read_only(str(set_aside[-1])), set_aside[-1])
        path = out_dir / STORE_DIR if (out_dir / STORE_DIR).is_dir() else out_dir
        if not path.is_dir() or not any(path.iterdir()):
            raise StoreError(f"{out_dir}: no store here; run 'kg build PATH --out {out_dir}' first")
        try:
            return cls(ox.Store.read_only(str(path)), path)
        except (OSError, RuntimeError) as exc:
            raise StoreError(damaged_message(path, exc)) from None

    @classmethod
    def in_memory(cls, quads: Iterable[ox.Quad] = ()) -> KGStore:
        store = ox.Store()
        store.extend(quads)
        return cls(store)

    def __len__(self) -> int:
        return len(self._store)

    def raw_query(self, sparql: str, bindings: dict | None = None, union: bool = True, timeout: float | None = None):
        """The pyoxigraph result: solutions, triples or a boolean. Bindings are RDF terms or Python values.

        The query is checked first (nesting depth, UPDATE: see :func:`kg.query.check_query`). With a
        ``timeout`` (seconds) and a store on disk it runs in a child process stopped at that time or at
        4 GB of memory (:func:`kg.query.bounded_query`), and its triples come back as a list.
        """
        from kg.query import bounded_query, check_query

        check_query(sparql, allow_service=True)
        if timeout is not None and self.path is not None and not bindings:
            return bounded_query(self.path, sparql, timeout, union=union)
        subs = {ox.Variable(k): to_term(v) for k, v in (bindings or {}).items()}
        try:
            return self._store.query(
                sparql, prefixes=PREFIXES, use_default_graph_as_union=union, substitutions=subs or None
            )
        except SyntaxError as exc:
            raise _syntax_error(exc) from None
        except (OSError, RuntimeError) as exc:  # RocksDB reports a damaged store as either
            raise StoreError(damaged_message(self.path, exc)) from None

    def query(self, sparql: str, timeout: float | None = None, **bindings: object) -> list[dict[str, Value]]:
        """Run a SELECT query; rows as plain dicts. ``bindings`` replace variables by RDF terms.

        IRIs and texts both come as ``str``; :meth:`query_terms` keeps them apart as rdflib terms.
        ``timeout`` (seconds) bounds the query's time and memory (see :meth:`raw_query`).
        """
        result = self.raw_query(sparql, bindings, timeout=timeout)
        try:  # solutions are computed while read, so a damaged store shows up here too
            if isinstance(result, ox.QuerySolutions):
                names = [v.value for v in result.variables]
                return [{n: term_value(sol[n]) for n in names} for sol in result]
            if isinstance(result, ox.QueryBoolean):
                return [{"ask": bool(result)}]
            return [
                {"subject": t.subject.value, "predicate": t.predicate.value, "object": term_value(t.object)}
                for t in result
            ]
        except (OSError, RuntimeError) as exc:
            raise StoreError(damaged_message(self.path, exc)) from None

    def query_terms(self, sparql: str, **bindings: object) -> list[dict[str, Node | None]]:
        """Run a SELECT query; rows hold rdflib terms (``URIRef``, ``Literal`` with datatype and language, ``BNode``),
        so an IRI and a text that look alike stay apart. An unbound variable is None."""
        result = self.raw_query(sparql, bindings)
        if not isinstance(result, ox.QuerySolutions):
            raise StoreError("query_terms runs SELECT queries; use query() or raw_query() for ASK, CONSTRUCT, DESCRIBE")
        names = [v.value for v in result.variables]
        return [{n: to_rdflib_term(sol[n]) for n in names} for sol in result]

    def query_df(self, sparql: str, terms: bool = False, **bindings: object) -> pandas.DataFrame:
        """Run a SELECT query into a pandas DataFrame (one column per variable, in order); needs the ``pandas``
        extra (``pip install 'ecosystem-kg[pandas]'``). Cells are plain values, or rdflib terms with ``terms``."""
        try:
            import pandas
        except ImportError:
            raise StoreError("query_df needs pandas: pip install 'ecosystem-kg[pandas]' (or pandas)") from None
        result = self.raw_query(sparql, bindings)
        if not isinstance(result, ox.QuerySolutions):
            raise StoreError("query_df runs SELECT queries; use query() or raw_query() for ASK, CONSTRUCT, DESCRIBE")
        names = [v.value for v in result.variables]
        convert = to_rdflib_term if terms else term_value
        rows = [[convert(sol[n]) for n in names] for sol in result]
        return pandas.DataFrame(rows, columns=names)

    def quads(self) -> list[ox.Quad]:
        try:
            return list(self._store.quads_for_pattern(None, None, None, None))
        except (OSError, RuntimeError) as exc:
            raise StoreError(damaged_message(self.path, exc)) from None

    def dataset(self):
        """An rdflib ``Dataset`` over the same data (through oxrdflib), for rdflib users."""
        import rdflib
        from oxrdflib import OxigraphStore

        ds = rdflib.Dataset(store=OxigraphStore(store=self._store), default_union=True)
        for prefix, ns in PREFIXES.items():
            ds.bind(prefix, ns)
        return ds


def to_rdflib_term(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None) -> Node | None:
    """A pyoxigraph result term as the rdflib term users of rdflib expect (None stays None)."""
    import rdflib

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:  # a simple literal, as rdflib writes Literal("text")
            return rdflib.Literal(term.value)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))
    raise StoreError(f"cannot convert {term!r} to an rdflib term")


def damaged_message(path: Path | None, exc: Exception) -> str:
    """What to say about a store RocksDB cannot read: which folder, and that a rebuild repairs it."""
    detail = " ".join(str(exc).split())[:200]
    out_dir = path.parent if path is not None and path.name == STORE_DIR else path
    return (
        f"{path or 'the store'}: the store is damaged or not a store ({detail}); "
        f"rebuild it with 'kg build PATHS --out {out_dir or 'DIR'}'"
    )


def to_term(value):
    """A Python value or IRI string as an RDF term for a query binding."""
    if isinstance(value, ox.NamedNode | ox.Literal | ox.BlankNode):
        return value
    if isinstance(value, bool):
        return ox.Literal(
            "true" if value else "false", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")
        )
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    if isinstance(value, float):
        return ox.Literal(repr(value), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#double"))
    text = str(value)
    if text.startswith(("http://", "https://", "urn:")):
        return ox.NamedNode(text)
    return ox.Literal(text)


def _syntax_error(exc: SyntaxError) -> QuerySyntaxError:
    import re

    msg = str(exc)
    m = re.search(r"(\d+):(\d+)", msg)
    line, col = (int(m.group(1)), int(m.group(2))) if m else (None, None)
    return QuerySyntaxError(msg, line, col)
