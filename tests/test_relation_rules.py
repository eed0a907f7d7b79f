"""Relation rules on hand-made parses: no model, so they never drift with it."""

from __future__ import annotations

import pytest
import spacy
from spacy.tokens import Doc, Span

from kg.extract.relations import _TREE_COLUMNS, RelationExtractor, RuleSet, tree_pattern


@pytest.fixture(scope="module")
def blank_extractor():
    return RelationExtractor(spacy.blank("fr"))


def make_doc(rows: str, ents: list[tuple[int, int, str]]) -> Doc:
    """Rows of 'word lemma POS dep head' (head = absolute index)."""
    vocab = spacy.blank("fr").vocab
    parts = [r.split() for r in rows.strip().splitlines() if r.strip()]
    words = [p[0].replace("_", " ") for p in parts]
    doc = Doc(
        vocab,
        words=words,
        lemmas=[p[1] for p in parts],
        pos=[p[2] for p in parts],
        deps=[p[3] for p in parts],
        heads=[int(p[4]) for p in parts],
    )
    doc.ents = [Span(doc, s, e, label=label) for s, e, label in ents]
    return doc


def facts(extractor, doc):
    return sorted((r.subject.text, r.predicate, r.object.text, r.rule, r.role) for r in extractor.extract(doc))


def test_passive_acquisition_is_turned_around(blank_extractor):
    doc = make_doc(
        """
        Hmizate Hmizate PROPN nsubj:pass 3
        a avoir AUX aux:tense 3
        été être AUX aux:pass 3
        rachetée racheter VERB ROOT 3
        par par ADP case 5
        Jumia Jumia PROPN obl:agent 3
        . . PUNCT punct 3
        """,
        [(0, 1, "Organization"), (5, 6, "Organization")],
    )
    assert ("Jumia", "acquires", "Hmizate", "acquire-verb", None) in facts(blank_extractor, doc)


ACTIVE_ACQUISITION = """
    Saham Saham PROPN nsubj 1
    acquiert acquérir VERB ROOT 1
    Finatech Finatech PROPN obj 1
    et et CCONJ cc 4
    Dataloop Dataloop PROPN conj 2
    . . PUNCT punct 1
"""


def test_active_acquisition_with_coordinated_objects(blank_extractor):
    doc = make_doc(
        ACTIVE_ACQUISITION,
        [(0, 1, "Organization"), (2, 3, "Organization"), (4, 5, "Organization")],
    )
    got = facts(blank_extractor, doc)
    assert ("Saham", "acquires", "Finatech", "acquire-verb", None) in got
    assert ("Saham", "acquires", "Dataloop", "acquire-verb", None) in got


def test_role_apposition_keeps_the_role_as_written(blank_extractor):
    doc = make_doc(
        """
        Nadia Nadia PROPN nsubj 6
        Alami Alami PROPN flat:name 0
        , , PUNCT punct 3
        directrice directeur NOUN appos 0
        générale général ADJ amod 3
        de de ADP case 6
        Maroc_PME Maroc_PME PROPN nmod 3
        """,
        [(0, 2, "Person"), (6, 7, "Organization")],
    )
    assert facts(blank_extractor, doc) == [
        ("Nadia Alami", "headOf", "Maroc PME", "role-apposition-after-person", "directrice générale")
    ]


def test_a_role_without_an_organisation_gives_nothing(blank_extractor):
    doc = make_doc(
        """
        Nadia Nadia PROPN nsubj 0
        Alami Alami PROPN flat:name 0
        , , PUNCT punct 3
        directrice directeur NOUN appos 0
        générale général ADJ amod 3
        """,
        [(0, 2, "Person")],
    )
    assert facts(blank_extractor, doc) == []


def test_relative_pronoun_takes_its_antecedent(blank_extractor):
    doc = make_doc(
        """
        Le le DET det 1
        fonds fonds NOUN nsubj 1
        Azur Azur PROPN appos 1
        , , PUNCT punct 5
        qui qui PRON nsubj 5
        finance financer VERB acl:relcl 2
        Yakeey Yakeey PROPN obj 5
        , , PUNCT punct 8
        recrute recruter VERB ROOT 8
        """,
        [(2, 3, "Organization"), (6, 7, "Organization")],
    )
    assert ("Azur", "funds", "Yakeey", "fund-verb", None) in facts(blank_extractor, doc)


def test_partnership_between_two_named_parties(blank_extractor):
    doc = make_doc(
        """
        un un DET det 1
        accord accord NOUN ROOT 1
        entre entre ADP case 3
        Tamwilcom Tamwilcom PROPN nmod 1
        et et CCONJ cc 6
        la le DET det 6
        BERD BERD PROPN conj 3
        """,
        [(3, 4, "Organization"), (6, 7, "Organization")],
    )
    assert facts(blank_extractor, doc) == [("Tamwilcom", "partnerOf", "BERD", "partnership-between", None)]


def test_tree_matches_are_the_dependency_matchers(blank_extractor):
    """Same matches in the same order as the DependencyMatcher on ``as_doc()``: within one tree, for one pattern
    matching in two trees of a span (the matcher is asked), and for spans that cut a tree (heads outside them)."""
    trees = make_doc(
        ACTIVE_ACQUISITION
        + """
        Hmizate Hmizate PROPN nsubj:pass 9
        a avoir AUX aux:tense 9
        été être AUX aux:pass 9
        rachetée racheter VERB ROOT 9
        par par ADP case 11
        Jumia Jumia PROPN obl:agent 9
        . . PUNCT punct 9
        Jumia Jumia PROPN nsubj 14
        acquiert acquérir VERB ROOT 14
        Chari Chari PROPN obj 14
        """,
        [],
    )
    relative = make_doc(
        """
        Le le DET det 1
        fonds fonds NOUN nsubj 8
        Azur Azur PROPN appos 1
        , , PUNCT punct 5
        qui qui PRON nsubj 5
        finance financer VERB acl:relcl 1
        Yakeey Yakeey PROPN obj 5
        , , PUNCT punct 8
        recrute recruter VERB ROOT 8
        """,
        [],
    )
    matcher = blank_extractor.rules.matcher
    cases = [(trees, 0, 6), (trees, 6, 13), (trees, 0, 13), (trees, 0, 16), (trees, 2, 16), (relative, 4, 7)]
    for doc, start, end in cases:
        span = doc[start:end]
        expected = [(key, [i + start for i in ids]) for key, ids in matcher(span.as_doc())]
        assert expected, (start, end)
        assert blank_extractor._sentence_matches(span, doc.to_array(_TREE_COLUMNS)) == expected, (start, end)


def test_patterns_beyond_the_tree_matcher_are_recognised():
    trigger = {"RIGHT_ID": "T", "RIGHT_ATTRS": {"LEMMA": {"IN": ["fonder"]}}}
    child = {"LEFT_ID": "T", "REL_OP": ">", "RIGHT_ID": "S", "RIGHT_ATTRS": {"DEP": "nsubj"}}
    assert tree_pattern(1, [trigger, child]) is not None
    assert tree_pattern(1, [trigger, {**child, "REL_OP": ">>"}]) is None
    assert tree_pattern(1, [trigger, {**child, "RIGHT_ATTRS": {"DEP": {"NOT_IN": ["nsubj"]}}}]) is None
    assert tree_pattern(1, [trigger, {**child, "RIGHT_ATTRS": {"ENT_TYPE": "ORG"}}]) is None


def test_rule_file_rejects_unknown_predicates_and_macros():
    nlp = spacy.blank("fr")
    bad_predicate = {"lexicons": {}, "rules": [{"name": "x", "kind": "surface", "predicate": "owns", "pattern": "{S}"}]}
    with pytest.raises(ValueError, match="unknown predicate 'owns'"):
        RuleSet(nlp, bad_predicate)
    bad_macro = {"lexicons": {}, "rules": [{"name": "y", "kind": "surface", "predicate": "funds", "pattern": "{Q:z}"}]}
    with pytest.raises(ValueError, match="unknown macro"):
        RuleSet(nlp, bad_macro)
