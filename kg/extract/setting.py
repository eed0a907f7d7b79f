"""The place an article is set in applies to the organisations it names.

News often opens with its setting ("À Denver, ...", "Ce matin au Canada, ...") and names the
organisations acting there later. When a segment's first sentence opens on such a place, each
organisation of the segment without a place of its own gets ``presentIn`` that place, with a low
confidence and the passage from the setting to the organisation's sentence as evidence.
"""

from __future__ import annotations

from spacy.tokens import Doc, Span

from kg.extract.relations import RawRelation

_LOCATIVE = {"à", "au", "aux", "en", "dans"}
_MAX_OPENING_WORDS = 8  # "Ce 6 juillet 2015 à Bruxelles," but not a place deep in the sentence
CONFIDENCE = 0.4


def setting_place(doc: Doc) -> Span | None:
    """The place the first sentence opens on, if it opens on one."""
    first = next(doc.sents, None)
    if first is None:
        return None
    for ent in doc.ents:
        if ent.start >= first.end or ent.start - first.start > _MAX_OPENING_WORDS:
            break
        if ent.label_ == "Place" and ent.start > 0 and doc[ent.start - 1].lower_ in _LOCATIVE:
            return ent
    return None


def setting_relations(doc: Doc, found: list[RawRelation]) -> list[RawRelation]:
    place = setting_place(doc)
    if place is None:
        return []
    placed = {r.subject.text for r in found if r.predicate in ("locatedIn", "presentIn")}
    out, seen = [], set()
    for ent in doc.ents:
        if ent.label_ != "Organization" or ent.text in placed or ent.text in seen:
            continue
        seen.add(ent.text)
        out.append(RawRelation(ent, "presentIn", place, "document-setting", CONFIDENCE))
    return out
