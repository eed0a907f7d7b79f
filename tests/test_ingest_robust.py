"""Hostile or odd inputs: each becomes a document or a counted skip naming the file, never a traceback."""

from __future__ import annotations

import json
import os

import pytest

from kg.ingest import (
    MAX_SEGMENT_CHARS,
    IngestOptions,
    bound_segments,
    decode_text,
    find_input_files,
    make_document,
    read_documents,
)
from kg.model import Segment

SENTENCE = "La société Atlas Numérique ouvre un bureau à Rabat avec la fondation Nour Innov. "


def read(paths, options=IngestOptions(any_language=True)):
    skipped, warned = [], []
    docs = list(read_documents(find_input_files(paths), skipped, warned, options))
    return docs, {s.path: s.reason for s in skipped}, [w.message for w in warned]


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "flux.txt"
    os.mkfifo(fifo)
    docs, skipped, _ = read([fifo])
    assert docs == [] and "not a regular file" in skipped[str(fifo)]


def test_a_device_is_refused_before_reading():
    docs, skipped, _ = read(["/dev/zero"])
    assert docs == [] and "not a regular file" in skipped["/dev/zero"]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_text_is_read(tmp_path, codec):
    path = tmp_path / "note.txt"
    path.write_bytes("La Banque Atlas finance des jeunes pousses à Agadir.".encode(codec))
    (doc,), skipped, _ = read([path])
    assert doc.text == "La Banque Atlas finance des jeunes pousses à Agadir." and not skipped


def test_mixed_utf8_and_cp1252_lines_are_each_decoded():
    data = "Université Ibn Tofaïl à Kénitra.\n".encode() + "Créée à Fès par l’équipe.\n".encode("cp1252")
    text, warning = decode_text(data, "mix.txt")
    assert text == "Université Ibn Tofaïl à Kénitra.\nCréée à Fès par l’équipe.\n"
    assert "mix.txt" in warning and "1 line read as cp1252" in warning


@pytest.mark.parametrize("content", ["\u200b\ufeff\u200b\n", "-\n-\n -\n", "\u200b\n-\n\u2060"])
def test_text_without_any_word_is_a_counted_skip(tmp_path, content):
    path = tmp_path / "vide.txt"
    path.write_text(content, encoding="utf-8")
    docs, skipped, _ = read([path])
    assert docs == [] and "no text" in skipped[str(path)]


def test_non_utf8_file_name_is_shown_escaped(tmp_path):
    path = os.path.join(os.fsencode(tmp_path), b"caf\xe9.txt")
    with open(path, "wb") as fh:
        fh.write(SENTENCE.encode())
    (doc,), _, _ = read([os.fsdecode(path)])
    assert doc.source.endswith("caf\\xe9.txt")
    doc.source.encode("utf-8")  # storable and printable


def test_numeric_and_odd_jsonl_values_are_caveats_not_crashes(tmp_path):
    path = tmp_path / "news.jsonl"
    records = [
        {"text": SENTENCE, "date": 1e20},
        {"text": SENTENCE + "Deux.", "date": float("nan")},
        {"text": SENTENCE + "Trois.", "date": -1e15, "title": ["a", "b"], "author": {"nom": "x"}},
        {"text": SENTENCE + "Quatre \ud800 fin.", "title": "Titre \udfff"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n" + "[" * 100_000 + "]" * 100_000 + "\n")
    docs, skipped, warned = read([path])
    assert len(docs) == 4
    assert "nested too deeply" in skipped[f"{path}:5"]
    assert sum("unreadable date" in w for w in warned) == 3
    assert any(f"{path}:3: the 'title' field is not text (list)" in w for w in warned)
    assert docs[2].title is None and all(k != "author" for k, _ in docs[2].metadata)
    assert "\ufffd" in docs[3].text and docs[3].title == "Titre \ufffd"
    for doc in docs:
        doc.text.encode("utf-8")


def test_long_text_is_cut_into_bounded_segments_with_offsets_kept():
    text = "Titre court\n" + (SENTENCE * 40 + "\n") * 30
    doc = make_document(text, "long.txt")
    assert all(s.end - s.start <= MAX_SEGMENT_CHARS for s in doc.segments)
    body = [s for s in doc.segments if s.kind == "body"]
    assert len(body) > 1
    rebuilt = " ".join(text[s.start : s.end] for s in body).split()
    assert rebuilt == text.split("\n", 1)[1].split()  # nothing lost or repeated
    assert all(text[s.start : s.end].startswith("La société") for s in body)  # cuts fall between sentences


def test_a_stretch_without_spaces_is_still_bounded():
    text = "x" * 12_345
    segments = bound_segments(text, (Segment(0, len(text)),), limit=1000)
    assert [s.end - s.start for s in segments] == [1000] * 12 + [345]
    assert segments[0].start == 0 and segments[-1].end == len(text)


def test_a_one_line_text_over_a_million_characters_becomes_bounded_segments(tmp_path):
    path = tmp_path / "une-ligne.txt"
    path.write_text(SENTENCE * 13_000, encoding="utf-8")  # about 1.1 million characters, no line break
    (doc,), _, _ = read([path])
    assert len(doc.text) > 1_000_000
    assert max(s.end - s.start for s in doc.segments) <= MAX_SEGMENT_CHARS
