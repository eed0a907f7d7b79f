"""Readers for the forms articles arrive in: web pages, RSS/Atom feeds, JSON Lines and CSV.

Each reader yields :class:`Article` (one article found in a file, with its
metadata) or :class:`Problem` (an item or a file that cannot be used, or a
caveat), naming the file and the line or entry. Nothing is fetched over the
network: pages and feeds are parsed from the bytes on disk.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from functools import cache

from kg.resources import data_path

MIN_PAGE_WORDS = 15  # below this, what trafilatura kept is navigation, not an article
LANGUAGE_SAMPLE_CHARS = 2000
LANGUAGE_MIN_WORDS = 12  # a headline alone says little: such texts are kept rather than refused
LANGUAGE_MIN_PROBABILITY = 0.9  # below this the identifier is unsure (mixed or very short text)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_LINE_END = "\ue000"  # a private-use character (not white space): marks block ends while spaces collapse
_SURROGATE = re.compile("[\ud800-\udfff]")
_BLOCK_TAGS = ("p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "section", "article")


@dataclass(frozen=True)
class Article:
    """One article found in an input file, before it becomes a :class:`~kg.model.Document`."""

    source: str  # the file, and the item inside it: "news.jsonl:12", "feed.xml#entry-3"
    text: str  # the body; lines holding only "-" still separate headline items
    title: str | None = None
    metadata: tuple[tuple[str, str], ...] = ()  # date (ISO 8601), publisher, language, url, author
    declared_language: str | None = None


@dataclass(frozen=True)
class Problem:
    """An item or file that is skipped (``skip``), or a caveat about one that is kept."""

    source: str
    message: str
    skip: bool = True


@dataclass(frozen=True)
class Fields:
    """Which column or key of a JSON Lines or CSV record holds what."""

    text: str = "text"
    title: str = "title"
    date: str = "date"
    url: str = "url"
    publisher: str = "source"
    language: str = "lang"
    author: str = "author"


@cache
def _ingest_data() -> dict:
    return json.loads(data_path("ingest.json").read_text(encoding="utf-8"))


@cache
def _language_identifier():
    """py3langid's identifier (langid.py's model, 97 languages, shipped inside the package), loaded on first use."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


# --- metadata ---------------------------------------------------------------------------------


def clean_text(text: str) -> str:
    """Text that can be encoded: a lone surrogate (possible in JSON, ``"\\ud800"``) becomes U+FFFD, length kept."""
    return _SURROGATE.sub("\ufffd", text)


def normalise_date(value) -> str | None:
    """An ISO 8601 date (``2024-03-12``) or date-time, from the ways dates are written; None if unreadable.

    A small month table rather than dateparser: same answers on ``bench/bench_dates.py``'s cases, ~180x faster.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    if isinstance(value, int | float):  # a Unix timestamp; NaN or out of range is unreadable
        try:
            return datetime.fromtimestamp(value, UTC).isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    text = " ".join(value.split())
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text).isoformat()
        return datetime.fromisoformat(text).isoformat()
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text).isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)  # French order: day first
    if m:
        return _iso_day(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    m = re.search(r"(\d{1,2})(?:er)?\s+([^\W\d_]+)\.?,?\s+(\d{4})", text, re.IGNORECASE)
    if m and m.group(2).lower() in _ingest_data()["months"]:
        return _iso_day(int(m.group(3)), _ingest_data()["months"][m.group(2).lower()], int(m.group(1)))
    m = re.search(r"([^\W\d_]+)\.?\s+(\d{1,2}),?\s+(\d{4})", text)
    if m and m.group(1).lower() in _ingest_data()["months"]:
        return _iso_day(int(m.group(3)), _ingest_data()["months"][m.group(1).lower()], int(m.group(2)))
    return None


def _iso_day(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def language_tag(value) -> str | None:
    """The primary language subtag of a declared language ("fr-FR" -> "fr"), or None."""
    m = re.match(r"\s*([A-Za-z]{2,3})(?:[-_]|\s*$)", str(value or ""))
    return m.group(1).lower() if m else None


def language_sample_key(text: str) -> str:
    """What :func:`detect_language` of ``text`` depends on: its sample, the thresholds, the identifier's version."""
    h = hashlib.sha256(_language_rules())
    h.update(text[:LANGUAGE_SAMPLE_CHARS].encode("utf-8", errors="surrogatepass"))
    return h.hexdigest()[:32]


@cache
def _language_rules() -> bytes:
    from importlib.metadata import version

    return f"py3langid {version('py3langid')}|{LANGUAGE_MIN_WORDS}|{LANGUAGE_MIN_PROBABILITY}|".encode()


def detect_language(text: str) -> str | None:
    """The language of the first ~2,000 characters (an ISO 639-1 code), by py3langid.

    Returns None when the sample is too short or the identifier unsure: a
    headline alone says little, and such texts are better kept than refused.
    """
    sample = text[:LANGUAGE_SAMPLE_CHARS]
    words = _WORD.findall(sample)
    if len(words) < LANGUAGE_MIN_WORDS:
        return None
    if _plainly_french(words):  # most texts: no identifier to load (0.8 s) nor to run (0.8 ms a text)
        return "fr"
    language, probability = _language_identifier().classify(sample)
    return language if probability >= LANGUAGE_MIN_PROBABILITY else None


# a sample is plainly French when this share of its words, and this many different ones, are French function words
FRENCH_WORD_SHARE = 0.12
FRENCH_DISTINCT_WORDS = 6


def _plainly_french(words: list[str]) -> bool:
    marks = _french_function_words()
    found = [w for w in (w.lower() for w in words) if w in marks]
    return len(found) >= FRENCH_WORD_SHARE * len(words) and len(set(found)) >= FRENCH_DISTINCT_WORDS


@cache
def _french_function_words() -> frozenset[str]:
    return frozenset(_ingest_data()["french_function_words"]["words"])


def _metadata(**values) -> tuple[tuple[str, str], ...]:
    return tuple((k, clean_text(str(v).strip())) for k, v in values.items() if v is not None and str(v).strip())


def _scalar(record: dict, key: str, source: str, problems: list[Problem]):
    """A metadata value as text; a list or object is left out with a caveat instead of kept as its Python repr."""
    value = _field(record, key)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    kind = "true/false" if isinstance(value, bool) else type(value).__name__
    problems.append(Problem(source, f"{source}: the {key!r} field is not text ({kind}); left out", skip=False))
    return None


def _date_metadata(raw, source: str) -> tuple[str | None, list[Problem]]:
    if raw is None or str(raw).strip() == "":
        return None, []
    iso = normalise_date(raw)
    if iso is None:
        return None, [Problem(source, f"{source}: unreadable date {str(raw)[:60]!r}; kept without a date", skip=False)]
    return iso, []


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment (a feed summary), one line per paragraph or list item."""
    import lxml.html
    from lxml.etree import ParserError

    if "<" not in fragment:
        return _tidy_lines(fragment)
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (ParserError, ValueError):
        return _tidy_lines(re.sub(r"<[^>]+>", " ", fragment))
    for bad in root.xpath(".//script|.//style"):
        bad.drop_tree()
    # line breaks in HTML source are mere spaces; only blocks and <br> end a line
    for el in root.iter("br", *_BLOCK_TAGS):
        el.tail = _LINE_END + (el.tail or "")
    flat = " ".join(root.text_content().split())
    return _tidy_lines(flat.replace(_LINE_END, "\n"))


def _tidy_lines(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


# --- web pages --------------------------------------------------------------------------------


def read_html(data: bytes, name: str) -> Iterator[Article | Problem]:
    """The main text of a web page and its title, date, author and site, with trafilatura.

    Menus, footers and "related articles" lists are boilerplate that trafilatura drops.
    """
    import trafilatura

    page = trafilatura.bare_extraction(
        data, with_metadata=True, include_comments=False, include_tables=False, favor_precision=True
    )
    body = _tidy_lines(page.text or "") if page is not None else ""
    title = " ".join((page.title or "").split()) or None if page is not None else None
    if title and body.split("\n", 1)[0] == title:
        body = body.split("\n", 1)[1] if "\n" in body else ""  # the page's <h1> repeats the title
    if len(body.split()) < MIN_PAGE_WORDS:
        yield Problem(name, f"{name}: no main text found in the page (only {len(body.split())} words)")
        return
    day, problems = _date_metadata(page.date, name)
    yield from problems
    yield Article(
        source=name,
        text=body,
        title=title,
        metadata=_metadata(date=day, publisher=page.sitename, url=page.url, author=page.author),
    )


# --- RSS and Atom -----------------------------------------------------------------------------


def read_feed(data: bytes, name: str) -> Iterator[Article | Problem]:
    """One article per feed entry: title, content or summary (HTML stripped), link, date, author."""
    import feedparser

    feed = feedparser.parse(data)  # bytes, never a URL: nothing is fetched
    if not feed.entries:
        why = f" ({feed.get('bozo_exception')})" if feed.get("bozo") else ""
        yield Problem(name, f"{name}: not a readable RSS or Atom feed, or a feed with no entries{why}")
        return
    if feed.get("bozo"):
        yield Problem(name, f"{name}: malformed feed, entries read anyway ({feed.get('bozo_exception')})", skip=False)
    publisher = feed.feed.get("title")
    feed_language = language_tag(feed.feed.get("language"))
    for n, entry in enumerate(feed.entries, 1):
        source = f"{name}#entry-{n}"
        texts = [html_to_text(c.get("value", "")) for c in entry.get("content", [])]
        texts.append(html_to_text(entry.get("summary", "")))
        body = max(texts, key=len)
        title = " ".join(html_to_text(entry.get("title", "")).split()) or None
        if not body and not title:
            yield Problem(source, f"{source}: entry without title or text")
            continue
        day, problems = _date_metadata(entry.get("published") or entry.get("updated"), source)
        parsed = entry.get("published_parsed") or entry.get("updated_parsed")
        if day is None and parsed:  # feedparser reads more date styles than we do; it gives UTC
            day, problems = datetime(*parsed[:6], tzinfo=UTC).isoformat(), []
        yield from problems
        yield Article(
            source=source,
            text=body,
            title=title,
            metadata=_metadata(date=day, publisher=publisher, url=entry.get("link"), author=entry.get("author")),
            declared_language=language_tag(entry.get("language")) or feed_language,
        )


# --- JSON Lines and CSV -----------------------------------------------------------------------


def read_jsonl(text: str, name: str, fields: Fields) -> Iterator[Article | Problem]:
    """One article per line holding a JSON object; a bad line is skipped and named."""
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        source = f"{name}:{n}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Problem(source, f"{source}: invalid JSON: {exc.msg} (column {exc.colno})")
            continue
        except RecursionError:
            yield Problem(source, f"{source}: JSON nested too deeply to read")
            continue
        if not isinstance(record, dict):
            yield Problem(source, f"{source}: expected a JSON object, got {type(record).__name__}")
            continue
        yield from _record_article(record, source, fields)


def read_csv(text: str, name: str, fields: Fields) -> Iterator[Article | Problem]:
    """One article per row; the first row names the columns. Comma, semicolon or tab separated."""
    header = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=header.count)
    csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))  # long articles in one cell
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns = reader.fieldnames or []
    if fields.text not in columns:
        shown = ", ".join(columns[:12]) or "none"
        yield Problem(name, f"{name}: no {fields.text!r} column (columns: {shown}); name it with --text-field")
        return
    line = 1
    while True:
        start = line + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = reader.line_num
            yield Problem(f"{name}:{start}", f"{name}:{start}: malformed CSV row ({exc})")
            continue
        line = reader.line_num
        yield from _record_article(row, f"{name}:{start}", fields)


def _field(record: dict, key: str):
    """A record's value; dotted keys reach into nested JSON objects ("meta.date")."""
    value = record.get(key)
    if value is None and "." in key:
        value = record
        for part in key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
    return value


def _record_article(record: dict, source: str, fields: Fields) -> Iterator[Article | Problem]:
    raw = _field(record, fields.text)
    if raw is None:
        yield Problem(source, f"{source}: no {fields.text!r} field")
        return
    if not isinstance(raw, str):
        yield Problem(source, f"{source}: the {fields.text!r} field is not text ({type(raw).__name__})")
        return
    body = raw.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not body:
        yield Problem(source, f"{source}: empty {fields.text!r} field")
        return
    day, problems = _date_metadata(_field(record, fields.date), source)
    title = _scalar(record, fields.title, source, problems)
    metadata = _metadata(
        date=day,
        publisher=_scalar(record, fields.publisher, source, problems),
        url=_scalar(record, fields.url, source, problems),
        author=_scalar(record, fields.author, source, problems),
    )
    declared = language_tag(_scalar(record, fields.language, source, problems))
    yield from problems
    yield Article(
        source=source,
        text=body,
        title=clean_text(" ".join(title.split())) or None if title is not None else None,
        metadata=metadata,
        declared_language=declared,
    )
