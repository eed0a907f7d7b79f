"""Property tests for ingest: whatever the bytes, every input is a document or a counted skip, and storable."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

import pyoxigraph as ox
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.ingest import IngestOptions, find_input_files, read_documents

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
OPTIONS = IngestOptions(any_language=True)
# letters, accents, white space, controls, bidi marks, zero-width characters and lone surrogates
ODD = 'aéÉ çœ’«»\n\t\r\x00\x01\x1b\x7f\u200b\u200e\u202e\u2066\ufeff\ud800\udfff-;,"{}[]'
text_chars = st.text(alphabet=st.sampled_from(ODD) | st.characters(), max_size=200)


def ingest(name: str, data: bytes):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        skipped, warned = [], []
        docs = list(read_documents(find_input_files([path]), skipped, warned, OPTIONS))
        return str(path), docs, skipped


def assert_storable(docs) -> None:
    """Every document's text, title, source and metadata go into RDF and parse back unchanged."""
    g = ox.NamedNode("https://example.org/g")
    quads = []
    for n, doc in enumerate(docs):
        s = ox.NamedNode(f"https://example.org/d{n}")
        values = [doc.text, doc.source, doc.title or "", *(v for _, v in doc.metadata)]
        quads += [ox.Quad(s, ox.NamedNode(f"https://example.org/p{k}"), ox.Literal(v), g) for k, v in enumerate(values)]
        assert all(0 <= seg.start < seg.end <= len(doc.text) for seg in doc.segments)
    data = ox.serialize(quads, format=ox.RdfFormat.TRIG)
    assert sorted(map(str, ox.parse(data, format=ox.RdfFormat.TRIG))) == sorted(map(str, quads))


def accounted(docs, skipped) -> set[str]:
    return {d.source for d in docs} | {s.path for s in skipped}


@SETTINGS
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".txt", ".jsonl", ".csv", ".xml", ".html", ""]))
def test_random_bytes_never_raise(data, suffix):
    path, docs, skipped = ingest("input" + suffix, data)
    assert docs or skipped
    assert_storable(docs)


@SETTINGS
@given(text=text_chars)
def test_random_unicode_text_files(text):
    path, docs, skipped = ingest("texte.txt", text.encode("utf-8", "surrogatepass"))
    assert len(docs) + len(skipped) == 1
    assert_storable(docs)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | text_chars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["text", "x", "date"]), inner),
    max_leaves=8,
)
records = st.dictionaries(
    st.sampled_from(["text", "title", "date", "url", "source", "lang", "author", "meta"]), json_values, max_size=6
)


@SETTINGS
@given(lines=st.lists(records | json_values, min_size=1, max_size=6))
def test_random_jsonl_every_line_is_a_document_or_a_skip(lines):
    body = "\n".join(json.dumps(line, ensure_ascii=True) for line in lines)
    path, docs, skipped = ingest("news.jsonl", body.encode("utf-8"))
    seen = accounted(docs, skipped)
    if path not in seen:  # unless the whole file was refused, each line is accounted for
        assert {f"{path}:{n}" for n in range(1, len(lines) + 1)} <= seen
    assert_storable(docs)


@SETTINGS
@given(
    rows=st.lists(st.lists(text_chars, min_size=3, max_size=3), min_size=1, max_size=5),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_random_csv_never_raises(rows, delimiter):
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter)
    writer.writerow(["titre", "text", "date"])
    writer.writerows([[c.replace("\x00", "") for c in row] for row in rows])
    path, docs, skipped = ingest("table.csv", buf.getvalue().encode("utf-8", "surrogatepass"))
    assert docs or skipped
    assert_storable(docs)


@SETTINGS
@given(entries=st.lists(st.tuples(text_chars, text_chars, text_chars), min_size=0, max_size=4))
def test_random_rss_never_raises(entries):
    def clean(s: str) -> str:
        return escape("".join(ch for ch in s if ch.isprintable() and not 0xD800 <= ord(ch) <= 0xDFFF))

    items = "".join(
        f"<item><title>{clean(t)}</title><description>{clean(d)}</description><pubDate>{clean(p)}</pubDate></item>"
        for t, d, p in entries
    )
    feed = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'
    path, docs, skipped = ingest("flux.xml", feed.encode("utf-8"))
    assert docs or skipped
    seen = accounted(docs, skipped)
    if path not in seen:
        assert {f"{path}#entry-{n}" for n in range(1, len(entries) + 1)} <= seen
    assert_storable(docs)
