"""Read input files into :class:`Document` objects (first stage of the pipeline)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kg.model import Document, Segment

TEXT_SUFFIXES = (".txt",)
MAX_FILE_BYTES = 20 * 1024 * 1024  # a news article is a few kB; beyond this it is not one
_SEPARATOR = re.compile(r"^[ \t]*[-–—][ \t]*$")


class InputError(Exception):
    """An input path or file that cannot be used; the message names it."""


@dataclass(frozen=True)
class Skipped:
    """A file left out of the build, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class Warned:
    """A file read with a caveat (e.g. a legacy encoding)."""

    path: str
    message: str


def find_input_files(paths: Iterable[str | Path], suffixes=TEXT_SUFFIXES) -> list[Path]:
    """Expand files and folders (recursively) into a sorted list of input files.

    Raises :class:`InputError` before any work starts if a path does not exist.
    """
    paths = list(paths)
    missing = [str(p) for p in paths if not Path(p).exists()]
    if missing:
        raise InputError(f"no such file or folder: {', '.join(missing)}")
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in suffixes))
        else:
            found.append(p)
    seen: set[Path] = set()
    unique = []
    for f in found:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique


def decode_text(data: bytes, name: str) -> tuple[str, str | None]:
    """Decode bytes as UTF-8, else cp1252, else latin-1; return (text, warning).

    Raises :class:`InputError` for binary or empty content.
    """
    if not data.strip():
        raise InputError(f"{name}: empty file")
    if b"\x00" in data[:8192]:
        raise InputError(f"{name}: binary file (contains NUL bytes), not text")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text, warning = data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        where = f"byte {exc.start}"
        try:
            text = data.decode("cp1252")
            warning = f"{name}: not valid UTF-8 (at {where}); read as cp1252"
        except UnicodeDecodeError:
            text = data.decode("latin-1")
            warning = f"{name}: not valid UTF-8 (at {where}); read as latin-1"
    controls = sum(1 for ch in text[:8192] if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    if controls > max(8, len(text[:8192]) // 50):
        raise InputError(f"{name}: looks binary ({controls} control characters), not text")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise InputError(f"{name}: empty file (only white space)")
    return text, warning


def split_segments(text: str) -> tuple[tuple[Segment, ...], str | None]:
    """Split a text into headline items and the body; return (segments, title).

    Lines holding only a dash separate headline items. Every item is a headline,
    except the last, whose first line is a headline and the rest the body.
    Without separators, a short first line followed by more text is the title.
    """
    lines = _line_spans(text)
    items: list[list[tuple[int, int]]] = [[]]
    for start, end in lines:
        if _SEPARATOR.match(text[start:end]):
            items.append([])
        elif text[start:end].strip():
            items[-1].append((start, end))
    items = [it for it in items if it]
    if not items:
        return (), None
    segments: list[Segment] = []
    has_separators = any(_SEPARATOR.match(text[s:e]) for s, e in lines)
    if has_separators:
        for item in items[:-1]:
            segments.append(Segment(item[0][0], item[-1][1], "headline"))
        last = items[-1]
        segments.append(Segment(last[0][0], last[0][1], "headline"))
        if len(last) > 1:
            segments.append(Segment(last[1][0], last[-1][1], "body"))
    else:
        only = items[0]
        first = text[only[0][0] : only[0][1]].strip()
        if len(only) > 1 and len(first) <= 200 and not first.endswith((".", ":", ";")):
            segments.append(Segment(only[0][0], only[0][1], "headline"))
            segments.append(Segment(only[1][0], only[-1][1], "body"))
        else:
            segments.append(Segment(only[0][0], only[-1][1], "body"))
    headlines = [s for s in segments if s.kind == "headline"]
    bodies = [s for s in segments if s.kind == "body"]
    title = None
    if headlines and bodies:
        # the headline right before the body is the article's own title
        before = [h for h in headlines if h.end <= bodies[0].start]
        title = text[before[-1].start : before[-1].end].strip() if before else None
    return tuple(segments), title


def _line_spans(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in text.split("\n"):
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def document_id(text: str) -> str:
    """Stable id from the normalised text, so the same article read twice is one document."""
    norm = " ".join(unicodedata.normalize("NFC", text).split())
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()[:16]


def make_document(text: str, source: str, title: str | None = None, metadata=()) -> Document:
    segments, found_title = split_segments(text)
    return Document(
        doc_id=document_id(text),
        source=source,
        text=text,
        title=title or found_title,
        segments=segments,
        metadata=tuple(metadata),
    )


def read_document(path: Path, max_bytes: int = MAX_FILE_BYTES) -> tuple[Document, str | None]:
    """Read one text file; raises :class:`InputError` naming the file and the problem."""
    name = str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(f"{name}: too large ({size:,} bytes; the limit is {max_bytes:,})")
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{name}: cannot be read ({exc.strerror or exc})") from exc
    text, warning = decode_text(data, name)
    return make_document(text, name), warning


def read_documents(files: Iterable[Path], skipped: list[Skipped], warned: list[Warned]) -> Iterator[Document]:
    """Yield documents, recording files skipped (and why) and warnings as it goes."""
    for path in files:
        try:
            doc, warning = read_document(path)
        except InputError as exc:
            skipped.append(Skipped(str(path), str(exc)))
            continue
        if warning:
            warned.append(Warned(str(path), warning))
        yield doc
