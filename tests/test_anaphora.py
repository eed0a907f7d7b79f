"""Typed anaphora on hand-made parses: the antecedent is the fitting actor, not the nearest name."""

import spacy
from spacy.tokens import Doc

from kg.extract.anaphora import find_anaphors
from kg.extract.relation_features import candidates


def make_doc(words, pos, deps, heads, ents, lemmas=None):
    nlp = spacy.blank("fr")
    return Doc(
        nlp.vocab, words=words, pos=pos, deps=deps, heads=heads, ents=ents, lemmas=lemmas or [w.lower() for w in words]
    )


def two_sentences():
    # "La startup Nour lève des fonds . Elle ouvre un bureau à Tanger ."
    words = ["La", "startup", "Nour", "lève", "des", "fonds", ".", "Elle", "ouvre", "un", "bureau", "à", "Tanger", "."]
    pos = [
        "DET",
        "NOUN",
        "PROPN",
        "VERB",
        "DET",
        "NOUN",
        "PUNCT",
        "PRON",
        "VERB",
        "DET",
        "NOUN",
        "ADP",
        "PROPN",
        "PUNCT",
    ]
    deps = [
        "det",
        "nsubj",
        "appos",
        "ROOT",
        "det",
        "obj",
        "punct",
        "nsubj",
        "ROOT",
        "det",
        "obj",
        "case",
        "obl",
        "punct",
    ]
    heads = [1, 3, 1, 3, 5, 3, 3, 8, 8, 10, 8, 12, 8, 8]
    ents = ["O", "O", "B-Organization", "O", "O", "O", "O", "O", "O", "O", "O", "O", "B-Place", "O"]
    return make_doc(words, pos, deps, heads, ents)


def test_pronoun_takes_an_organisation_not_the_place_after_it():
    doc = two_sentences()
    found = find_anaphors(doc, list(doc.ents))
    elle = [a for a in found if doc[a.start].text == "Elle"]
    assert len(elle) == 1 and elle[0].antecedent.text == "Nour"


def test_noun_anaphor_needs_its_class():
    # "Le salon Agri Expo ouvre . L' association Terra organise le salon ."
    words = ["Le", "salon", "Agri", "Expo", "ouvre", ".", "L'", "association", "Terra", "organise", "le", "salon", "."]
    pos = ["DET", "NOUN", "PROPN", "PROPN", "VERB", "PUNCT", "DET", "NOUN", "PROPN", "VERB", "DET", "NOUN", "PUNCT"]
    deps = [
        "det",
        "nsubj",
        "appos",
        "flat:name",
        "ROOT",
        "punct",
        "det",
        "nsubj",
        "appos",
        "ROOT",
        "det",
        "obj",
        "punct",
    ]
    heads = [1, 4, 1, 2, 4, 4, 7, 9, 7, 9, 11, 9, 9]
    ents = ["O", "O", "B-Event", "I-Event", "O", "O", "O", "O", "B-Organization", "O", "O", "O", "O"]
    doc = make_doc(words, pos, deps, heads, ents)
    found = {doc[a.start : a.end].text: a.antecedent.text for a in find_anaphors(doc, list(doc.ents))}
    # the second "le salon" is the event, although the association is nearer
    assert found == {"le salon": "Agri Expo"}


def test_a_noun_that_introduces_a_name_is_not_an_anaphor():
    doc = two_sentences()
    assert all(doc[a.start : a.end].text != "La startup" for a in find_anaphors(doc, list(doc.ents)))


def test_anaphor_pairs_the_antecedent_with_the_place_of_its_sentence():
    doc = two_sentences()
    pairs = candidates(doc, list(doc.ents), {("Organization", "Place"), ("Place", "Organization")})
    via = [c for c in pairs if c.first.anaphor]
    assert [(c.first.mention.text, c.second.mention.text) for c in via] == [("Nour", "Tanger")]
    assert "anaA=pronoun" in via[0].features and "sd=0" in via[0].features
