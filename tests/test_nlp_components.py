"""kg's spaCy components give what their simple definitions say, however they are computed."""

from __future__ import annotations

import spacy
from spacy.attrs import SENT_START

from kg.nlp.gazetteer import GAZETTEER_KEY, GazetteerMatcher, gazetteer_patterns
from kg.nlp.sentences import set_sentence_bounds


def found(doc) -> list[tuple[str, str, str]]:
    return [(s.text, s.label_, s.id_) for s in doc.spans[GAZETTEER_KEY]]


def test_gazetteer_names_match_in_any_case_acronyms_only_as_written():
    nlp = spacy.blank("fr")
    matcher = GazetteerMatcher(nlp, gazetteer_patterns(nlp))
    doc = matcher(nlp.make_doc("La Caisse de dépôt et de gestion, dite CDG, et non la cdg, a vu BANK AL-MAGHRIB."))
    assert found(doc) == [
        ("Caisse de dépôt et de gestion", "Organization", "Caisse de Dépôt et de Gestion"),
        ("CDG", "Organization", "Caisse de Dépôt et de Gestion"),
        ("BANK AL-MAGHRIB", "Organization", "Bank Al-Maghrib"),
    ]


def test_a_capitalised_name_of_several_words_does_not_match_from_a_lower_case_first_word():
    nlp = spacy.blank("fr")
    matcher = GazetteerMatcher(nlp, gazetteer_patterns(nlp))
    assert found(matcher(nlp.make_doc("Selon la banque mondiale, la Banque mondiale prête."))) == [
        ("Banque mondiale", "Organization", "Banque mondiale")
    ]


def test_the_gazetteer_finds_what_a_span_ruler_of_its_patterns_finds():
    nlp = spacy.blank("fr")
    ruler = nlp.add_pipe("span_ruler", config={"spans_key": GAZETTEER_KEY, "overwrite": True})
    ruler.add_patterns(gazetteer_patterns(nlp))
    matcher = GazetteerMatcher(nlp, gazetteer_patterns(nlp))
    names = [p["id"] for p in gazetteer_patterns(nlp)]
    text = " ".join(f"Hier {n}, puis « {n.lower()} » et l'{n.upper()} ({n.title()})." for n in names)
    assert found(matcher(nlp.make_doc(text))) == found(ruler(nlp.make_doc(text)))


def starts(doc) -> list[int]:
    return [int(v) for v in doc.to_array(SENT_START).astype("int64")]


def test_a_sentence_starts_only_after_terminal_punctuation_or_a_line_break():
    nlp = spacy.blank("fr")
    doc = set_sentence_bounds(nlp.make_doc("«Le projet avance.» Ensuite d’Enactus\nsuit"))
    tokens = [t.text for t in doc]
    assert tokens == ["«", "Le", "projet", "avance", ".", "»", "Ensuite", "d’", "Enactus", "\n", "suit"]
    # after a finished sentence and its closing quote: free (the parser decides); inside a sentence: no
    # start ("d’Enactus" included); the line break itself: free; after it: a start
    assert starts(doc) == [1, -1, -1, -1, -1, 0, 0, -1, -1, 0, 1]


def _recognised(words: list[str], ents: list[str], pos: list[str] | None = None) -> list[tuple[str, str]]:
    """The final entities of a doc whose trained recogniser found ``ents`` (IOB tags)."""
    import spacy
    from spacy.tokens import Doc

    from kg.nlp.entities import set_trained_entities

    doc = Doc(spacy.blank("fr").vocab, words=words, ents=ents, pos=pos)
    return [(e.text, e.label_) for e in set_trained_entities(doc).ents]


def test_the_management_of_a_named_actor_stands_for_the_actor():
    words = ["La", "direction", "de", "la", "CGEM", "a", "reçu", "la", "présidence", "du", "Technopark", "."]
    tags = ["O", "B-ORG", "I-ORG", "I-ORG", "I-ORG", "O", "O", "O", "B-ORG", "I-ORG", "I-ORG", "O"]
    assert _recognised(words, tags) == [("CGEM", "Organization"), ("Technopark", "Organization")]


def test_a_capitalised_or_unnamed_directorate_stays_a_name_of_its_own():
    words = ["La", "Direction", "générale", "des", "impôts", "et", "la", "direction", "des", "achats", "signent", "."]
    tags = ["O", "B-ORG", "I-ORG", "I-ORG", "I-ORG", "O", "O", "B-ORG", "I-ORG", "I-ORG", "O", "O"]
    found = _recognised(words, tags)
    assert found == [("Direction générale des impôts", "Organization"), ("direction des achats", "Organization")]


def test_a_facility_named_by_its_kind_is_found_where_the_recogniser_found_nothing():
    words = ["Atlas", "Logistique", "exploite", "la", "plateforme", "logistique", "de", "Zenata", "et", "loue"]
    words += ["un", "étage", "de", "la", "tour", "Hassan", "Business", "2", "."]
    tags = ["B-ORG", "I-ORG"] + ["O"] * 17
    pos = ["PROPN", "PROPN", "VERB", "DET", "NOUN", "ADJ", "ADP", "PROPN", "CCONJ", "VERB"]
    pos += ["DET", "NOUN", "ADP", "DET", "NOUN", "PROPN", "PROPN", "NUM", "PUNCT"]
    assert _recognised(words, tags, pos) == [
        ("Atlas Logistique", "Organization"),
        ("plateforme logistique de Zenata", "Facility"),
        ("tour Hassan Business 2", "Facility"),
    ]


def test_a_kind_of_facility_before_a_typed_name_or_a_common_word_adds_nothing():
    # the recogniser's place stays a place; "tour de table" and "zone de production" name no facility
    words = ["Au", "port", "de", "Tanger", ",", "un", "tour", "de", "table", "finance", "la", "zone", "de"]
    words += ["production", "."]
    tags = ["O", "O", "O", "B-LOC"] + ["O"] * 11
    pos = ["ADP", "NOUN", "ADP", "PROPN", "PUNCT", "DET", "NOUN", "ADP", "NOUN", "VERB", "DET", "NOUN", "ADP"]
    pos += ["NOUN", "PUNCT"]
    assert _recognised(words, tags, pos) == [("Tanger", "Place")]
