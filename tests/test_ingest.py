"""Reading files: encodings, bad input, and the headline layout."""

from __future__ import annotations

import pytest

from kg.ingest import InputError, decode_text, find_input_files, read_documents, split_segments


def test_utf8_is_read_without_warning():
    text, warning = decode_text("Le Technopark accueille la société Nour Tech.".encode(), "a.txt")
    assert text.startswith("Le Technopark") and warning is None


def test_cp1252_falls_back_with_a_warning_naming_the_file():
    data = "La CDG et l’AMDIE signent une convention à Fès.".encode("cp1252")
    text, warning = decode_text(data, "press/cdg.txt")
    assert "l’AMDIE" in text and "Fès" in text
    assert "press/cdg.txt" in warning and "cp1252" in warning


def test_latin1_bytes_outside_cp1252_still_decode():
    data = "Régie à Oujda".encode("latin-1") + b"\x81"
    text, warning = decode_text(data, "x.txt")
    assert text.startswith("Régie à Oujda") and "latin-1" in warning


@pytest.mark.parametrize(
    ("data", "problem"),
    [(b"", "empty"), (b"   \n\t ", "empty"), (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary")],
)
def test_bad_content_is_refused_with_the_file_name(data, problem):
    with pytest.raises(InputError, match=rf"photo\.txt: .*{problem}"):
        decode_text(data, "photo.txt")


def test_headlines_are_kept_apart_from_the_body():
    text = (
        "-\nAMMC : nouvelle circulaire\n-\nBanques : la liquidité se resserre\n"
        "Le corps de l'article commence ici.\nSuite."
    )
    segments, title = split_segments(text)
    kinds = [(s.kind, text[s.start : s.end]) for s in segments]
    assert kinds == [
        ("headline", "AMMC : nouvelle circulaire"),
        ("headline", "Banques : la liquidité se resserre"),
        ("body", "Le corps de l'article commence ici.\nSuite."),
    ]
    assert title == "Banques : la liquidité se resserre"


def test_a_plain_article_with_a_short_first_line_gets_a_title():
    text = "Inwi ouvre un centre à Agadir\nL'opérateur a inauguré lundi un centre de données."
    segments, title = split_segments(text)
    assert title == "Inwi ouvre un centre à Agadir"
    assert [s.kind for s in segments] == ["headline", "body"]


def test_a_single_paragraph_is_one_body_segment():
    text = "La BEI accorde un prêt à l'ONEE pour le dessalement de l'eau de mer."
    segments, title = split_segments(text)
    assert [(s.start, s.end, s.kind) for s in segments] == [(0, len(text), "body")] and title is None


def test_missing_path_is_an_error_before_any_work(tmp_path):
    (tmp_path / "ok.txt").write_text("Texte.", encoding="utf-8")
    with pytest.raises(InputError, match="nowhere.txt"):
        find_input_files([tmp_path / "ok.txt", tmp_path / "nowhere.txt"])


def test_folders_are_read_recursively_and_bad_files_skipped(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.txt").write_text("Maroc PME soutient les startups de Tanger.", encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "image.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "notes.md").write_text("ignored", encoding="utf-8")
    files = find_input_files([tmp_path])
    assert sorted(f.name for f in files) == ["empty.txt", "image.txt", "one.txt"]
    skipped, warned = [], []
    docs = list(read_documents(files, skipped, warned))
    assert [d.source.endswith("one.txt") for d in docs] == [True]
    assert sorted(s.path.rsplit("/", 1)[-1] for s in skipped) == ["empty.txt", "image.txt"]
    assert all(s.path in s.reason for s in skipped)


def test_same_text_gives_same_document_id(tmp_path):
    from kg.ingest import make_document

    a = make_document("Attijariwafa bank  ouvre une agence.", "a.txt")
    b = make_document("Attijariwafa bank ouvre une agence.", "b.txt")
    assert a.doc_id == b.doc_id and a.source != b.source


def test_text_for_spacy_keeps_offsets_and_plain_spaces():
    from kg.nlp import prepare_text

    text = "L’association «\u00a0Toujours ensemble\u00a0» compte 12\u202f%."
    plain = prepare_text(text)
    assert len(plain) == len(text)
    assert plain == "L'association « Toujours ensemble » compte 12 %."
