"""Read input files into :class:`Document` objects (first stage of the pipeline).

Plain text, web pages, RSS/Atom feeds, JSON Lines and CSV are read (by extension,
else by sniffing the content); the format readers live in :mod:`kg.formats`.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from kg.formats import (
    Article,
    Fields,
    Problem,
    clean_text,
    detect_language,
    read_csv,
    read_feed,
    read_html,
    read_jsonl,
)
from kg.model import Document, Segment

FORMAT_BY_SUFFIX = {
    ".txt": "text",
    ".html": "html",
    ".htm": "html",
    ".xml": "feed",
    ".rss": "feed",
    ".atom": "feed",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
}
TEXT_SUFFIXES = tuple(FORMAT_BY_SUFFIX)  # the files picked up when a folder is given
MAX_FILE_BYTES = 20 * 1024 * 1024  # a news article is a few kB; beyond this it is not one
MAX_COLLECTION_BYTES = 1024 * 1024 * 1024  # a JSON Lines or CSV dump holds many articles
MAX_SEGMENT_CHARS = 5000  # longer stretches are cut (paragraph, sentence, then word) so NLP time stays linear
_SEPARATOR = re.compile(r"^[ \t]*[-–—][ \t]*$")
_SENTENCE_END = re.compile(r"[.!?…;:][»\"')\]]*\s+")
_WORD_CHAR = re.compile(r"[^\W_]")


class InputError(Exception):
    """An input path or file that cannot be used; the message names it."""


@dataclass(frozen=True)
class IngestOptions:
    """How to read inputs: record field names (JSON Lines, CSV) and which languages to accept."""

    fields: Fields = Fields()
    languages: tuple[str, ...] = ("fr",)
    any_language: bool = False


@dataclass(frozen=True)
class Skipped:
    """A file, or an item of a file ("news.jsonl:12"), left out of the build, and why."""

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


def display_name(path: str | Path) -> str:
    """A file name as text that can always be printed and stored (undecodable bytes shown as ``\\xNN``)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def decode_text(data: bytes, name: str) -> tuple[str, str | None]:
    """Decode bytes as UTF-8 (UTF-16 with a byte-order mark), else line by line; return (text, warning).

    A line that is not UTF-8 is read as cp1252, else latin-1, so a file mixing
    UTF-8 and legacy lines keeps both intact. Raises :class:`InputError` for
    binary or empty content.
    """
    if not data.strip():
        raise InputError(f"{name}: empty file")
    warning = None
    utf16 = _utf16_codec(data)
    if utf16:
        try:
            text = data.decode(utf16)
        except UnicodeDecodeError as exc:
            raise InputError(f"{name}: broken UTF-16 text (at byte {exc.start})") from None
    else:
        if b"\x00" in data[:8192]:
            raise InputError(f"{name}: binary file (contains NUL bytes), not text")
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            text, legacy = _decode_lines(data)
            warning = f"{name}: not valid UTF-8 (at byte {exc.start}); {legacy}"
    text = text.lstrip("\ufeff")
    controls = sum(1 for ch in text[:8192] if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    if controls > max(8, len(text[:8192]) // 50):
        raise InputError(f"{name}: looks binary ({controls} control characters), not text")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise InputError(f"{name}: empty file (only white space)")
    return text, warning


def _utf16_codec(data: bytes) -> str | None:
    """ "utf-16" for text with a UTF-16 byte-order mark or, without one, with the NUL byte of every ASCII character."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = data[:4096]
    if len(sample) < 8 or len(data) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _decode_lines(data: bytes) -> tuple[str, str]:
    """Decode each line on its own: UTF-8, else cp1252, else latin-1; also say how many lines were legacy."""
    lines, counts = [], {"cp1252": 0, "latin-1": 0}
    for raw in data.split(b"\n"):
        try:
            lines.append(raw.decode("utf-8"))
            continue
        except UnicodeDecodeError:
            pass
        try:
            lines.append(raw.decode("cp1252"))
            counts["cp1252"] += 1
        except UnicodeDecodeError:
            lines.append(raw.decode("latin-1"))
            counts["latin-1"] += 1
    used = " and ".join(f"{n} line{'s' if n > 1 else ''} read as {enc}" for enc, n in counts.items() if n)
    return "\n".join(lines), used


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


def bound_segments(text: str, segments: tuple[Segment, ...], limit: int = MAX_SEGMENT_CHARS) -> tuple[Segment, ...]:
    """Cut segments longer than ``limit`` into pieces of at most ``limit`` characters, offsets kept.

    A cut falls after a paragraph if one ends in the second half of the window, else after a
    sentence, else at a space; a stretch without any is cut at the limit.
    """
    bounded: list[Segment] = []
    for seg in segments:
        start = seg.start
        while seg.end - start > limit:
            cut = _cut_point(text, start, start + limit)
            bounded.append(Segment(start, cut, seg.kind))
            start = cut
            while start < seg.end and text[start].isspace():  # a piece never starts with white space
                start += 1
        if start < seg.end:
            bounded.append(Segment(start, seg.end, seg.kind))
    return tuple(bounded)


def _cut_point(text: str, start: int, end: int) -> int:
    middle = start + (end - start) // 2
    paragraph = text.rfind("\n", middle, end)
    if paragraph > start:
        return paragraph
    ends = [m.end() for m in _SENTENCE_END.finditer(text, middle, end)]
    if ends:
        return ends[-1]
    space = max(text.rfind(" ", middle, end), text.rfind("\t", middle, end))
    return space if space > start else end


def document_id(text: str) -> str:
    """Stable id from the normalised text, so the same article read twice is one document."""
    norm = " ".join(unicodedata.normalize("NFC", text).split())
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()[:16]


def make_document(text: str, source: str, title: str | None = None, metadata=()) -> Document:
    text = clean_text(text)
    segments, found_title = split_segments(text)
    return Document(
        doc_id=document_id(text),
        source=source,
        text=text,
        title=title or found_title,
        segments=bound_segments(text, segments),
        metadata=tuple(metadata),
    )


def sniff_format(path: Path, head: bytes) -> str:
    """The input format of a file: by its extension, else by its first bytes."""
    by_suffix = FORMAT_BY_SUFFIX.get(path.suffix.lower())
    if by_suffix:
        return by_suffix
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:2048].lower()
    if start.startswith((b"<!doctype html", b"<html")):
        return "html"
    if start.startswith(b"<") and re.search(rb"<(rss|feed|rdf:rdf)[\s>]", start):
        return "feed"
    if start.startswith(b"{"):
        return "jsonl"
    return "text"


def read_articles(path: Path, options: IngestOptions = IngestOptions()) -> Iterator[Article | Problem]:
    """The articles of one file of any supported format, and the problems met, naming file and item."""
    name = display_name(path)
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):  # a FIFO would block and a device never ends: refuse before opening
            raise InputError(f"{name}: not a regular file (a device, pipe or socket); give a file or a folder")
        with open(path, "rb") as fh:
            kind = sniff_format(path, fh.read(4096))
            limit = MAX_COLLECTION_BYTES if kind in ("jsonl", "csv") else MAX_FILE_BYTES
            if info.st_size > limit:
                raise InputError(f"{name}: too large ({info.st_size:,} bytes; the limit is {limit:,})")
            fh.seek(0)
            data = fh.read(limit + 1)  # never more than the limit, even if the file grows while read
        if len(data) > limit:
            raise InputError(f"{name}: too large (more than {limit:,} bytes)")
    except OSError as exc:
        raise InputError(f"{name}: cannot be read ({exc.strerror or exc})") from exc
    if kind in ("html", "feed"):
        decode_text(data, name)  # only to refuse empty and binary files with the usual message
        yield from (read_html if kind == "html" else read_feed)(data, name)
        return
    text, warning = decode_text(data, name)
    if warning:
        yield Problem(name, warning, skip=False)
    if kind == "jsonl":
        yield from read_jsonl(text, name, options.fields)
    elif kind == "csv":
        yield from read_csv(text, name, options.fields)
    else:
        yield Article(source=name, text=text)


def article_document(article: Article) -> Document:
    """A document from an article: its title (when known) is the first headline, then its text."""
    if not article.title:
        return make_document(article.text, article.source, metadata=article.metadata)
    body = clean_text(article.text)
    if body.split("\n", 1)[0].strip() == article.title:
        body = body.split("\n", 1)[1] if "\n" in body else ""
    text = f"{article.title}\n{body}" if body.strip() else article.title
    offset = len(article.title) + 1
    body_segments, _ = split_segments(body)
    segments = (Segment(0, len(article.title), "headline"),) + tuple(
        Segment(s.start + offset, s.end + offset, s.kind) for s in body_segments
    )
    return Document(
        doc_id=document_id(text),
        source=article.source,
        text=text,
        title=article.title,
        segments=bound_segments(text, segments),
        metadata=tuple(article.metadata),
    )


def check_language(
    document: Document,
    declared: str | None,
    options: IngestOptions,
    detect: Callable[[str], str | None] = detect_language,
) -> tuple[Document, str | None]:
    """Tag the document with its language; return a reason to skip it when that language is not wanted.

    The text's own words decide when they are clear (``detect``: :func:`kg.formats.detect_language` or a
    memo of it); the declared language is used otherwise.
    """
    language = detect(document.text) or declared
    if language and not any(k == "language" for k, _ in document.metadata):
        document = replace(document, metadata=(*document.metadata, ("language", language)))
    if options.any_language or language is None or language in options.languages:
        return document, None
    wanted = ", ".join(options.languages)
    return document, (
        f"{document.source}: the text looks {language!r}, not {wanted}; "
        f"skipped (use --lang {language} or --any-language to read it)"
    )


def read_documents(
    files: Iterable[Path],
    skipped: list[Skipped],
    warned: list[Warned],
    options: IngestOptions = IngestOptions(),
    detect: Callable[[str], str | None] = detect_language,
) -> Iterator[Document]:
    """Yield documents, recording files and items skipped (and why) and warnings as it goes; ``detect`` tells a
    text's language (see :func:`check_language`)."""
    for path in files:
        try:
            for item in read_articles(path, options):
                if isinstance(item, Problem):
                    if item.skip:
                        skipped.append(Skipped(item.source, item.message))
                    else:
                        warned.append(Warned(item.source, item.message))
                    continue
                document = article_document(item)
                if not any(_WORD_CHAR.search(document.text[seg.start : seg.end]) for seg in document.segments):
                    reason = "no text (only white space, invisible characters or separator lines)"
                    skipped.append(Skipped(item.source, f"{item.source}: {reason}"))
                    continue
                document, refusal = check_language(document, item.declared_language, options, detect)
                if refusal:
                    skipped.append(Skipped(item.source, refusal))
                    continue
                yield document
        except InputError as exc:
            skipped.append(Skipped(display_name(path), str(exc)))
        except (RecursionError, ValueError, LookupError, TypeError, AttributeError, AssertionError) as exc:
            # a page or feed parser (trafilatura, feedparser, lxml) choking on odd input: skip the file, go on
            name = display_name(path)
            skipped.append(Skipped(name, f"{name}: could not be read ({type(exc).__name__}: {str(exc)[:200]})"))
