"""``kg_gazetteer``: marks the known ecosystem actors of ``kg/data/gazetteer.tsv``.

Names match case-insensitively; acronyms match only as written (so "CAM" does
not fire on "cam"). Matches go to ``doc.spans["kg_gazetteer"]``, each span's
``id_`` being the gazetteer label; ``kg_entities`` merges them with the NER.

The patterns (:func:`gazetteer_patterns`, in spaCy's Matcher syntax) are matched as phrases: spaCy's
PhraseMatcher finds a name by hashing token sequences, where a Matcher of the same patterns, as a
SpanRuler runs it, tries every pattern at every token (2 ms a short article, 20 times the phrases' cost).
The spans are the SpanRuler's: all matches, without duplicates, sorted.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span

from kg.resources import gazetteer

GAZETTEER_KEY = "kg_gazetteer"


def gazetteer_patterns(nlp: Language) -> list[dict]:
    patterns = []
    for entry in gazetteer():
        for name in (entry.label, *entry.aliases):
            if name.isupper() and " " not in name:
                patterns.append({"label": entry.cls, "pattern": [{"ORTH": name}], "id": entry.label})
            else:
                tokens = [{"LOWER": t.lower_} for t in nlp.make_doc(name)]
                if name[:1].isupper() and len(tokens) > 1:
                    # "Groupe OCP" is a name, "le groupe OCP" a common noun before one
                    tokens[0]["IS_LOWER"] = False
                patterns.append({"label": entry.cls, "pattern": tokens, "id": entry.label})
    return patterns


def add_gazetteer(nlp: Language, after: str = "ner") -> None:
    nlp.add_pipe("kg_gazetteer", after=after)


@Language.factory("kg_gazetteer")
def make_gazetteer(nlp: Language, name: str) -> GazetteerMatcher:
    return GazetteerMatcher(nlp, gazetteer_patterns(nlp))


class GazetteerMatcher:
    """The gazetteer's token patterns, matched as phrases of lower-case (names) or exact (acronyms) tokens."""

    def __init__(self, nlp: Language, patterns: list[dict]):
        self.lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.orth = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.tokens = Matcher(nlp.vocab)  # an acronym the tokenizer splits: only a one-token pattern says it
        self.spans: dict[int, tuple[str, str, bool]] = {}  # match key -> label, id, first token capitalised
        for n, pattern in enumerate(patterns):
            key = f"kg_gazetteer_{n}"
            tokens = pattern["pattern"]
            capitalised = tokens[0].get("IS_LOWER") is False
            self.spans[nlp.vocab.strings.add(key)] = (pattern["label"], pattern["id"], capitalised)
            if "ORTH" in tokens[0]:
                phrase = nlp.make_doc(tokens[0]["ORTH"])
                matcher = self.orth if len(phrase) == 1 else None
            else:
                words = [t["LOWER"] for t in tokens]
                phrase = Doc(nlp.vocab, words=words, spaces=[False] * len(words))
                matcher = self.lower
            if matcher is None:
                self.tokens.add(key, [tokens])
            else:
                matcher.add(key, [phrase])
        self.matchers = [m for m in (self.orth, self.lower, self.tokens) if len(m)]

    def __call__(self, doc: Doc) -> Doc:
        found = set()
        for matcher in self.matchers:
            for key, start, end in matcher(doc):
                label, span_id, capitalised = self.spans[key]
                if not (capitalised and doc[start].is_lower):  # "Groupe OCP" is a name, "le groupe OCP" is not
                    found.add(Span(doc, start, end, label=label, span_id=span_id))
        doc.spans[GAZETTEER_KEY] = sorted(found)
        return doc
