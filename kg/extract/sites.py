"""Sites and branches named after their parent: "Technopark de Rabat", "Jokkolabs Casablanca".

Such a name is a parent actor's name, an optional link word and a place. It
gives two claims: the site ``partOf`` the parent and ``locatedIn`` the place.
The parent must be known (named elsewhere in the document or in the
gazetteer) and the place must be a known place, so "Banque de France" stays
one organisation unless "Banque" is itself an actor. A name ending in a place
without a known parent ("Université Hassan II de Casablanca") gives nothing:
on the business-news training documents such a ``locatedIn`` was stated by
the text 14 times in 213.
"""

from __future__ import annotations

from functools import cache

from spacy.tokens import Doc, Span

from kg.extract.relations import RawRelation
from kg.resources import gazetteer_names

_LINKS = {"de", "d'", "du", "à", "of"}
_SITE_CLASSES = ("Facility", "Organization", "Program")


@cache
def _gazetteer_actors_and_places() -> tuple[dict[str, str], frozenset[str]]:
    names = gazetteer_names()
    places = frozenset(n for n, cls in names.items() if cls == "Place")
    return {n: cls for n, cls in names.items() if cls != "Place"}, places


def _known_names(ents: tuple[Span, ...]) -> tuple[dict[str, str], set[str]]:
    known_actors, known_places = _gazetteer_actors_and_places()  # split once, copied per document
    actors, places = dict(known_actors), set(known_places)
    for ent in ents:
        if ent.label_ == "Place":
            places.add(ent.text.lower())
        else:
            actors.setdefault(ent.text.lower(), ent.label_)
    return actors, places


def site_relations(doc: Doc) -> list[RawRelation]:
    ents = doc.ents  # once: the getter builds every entity Span again on each call
    if not ents:
        return []
    actors, places = _known_names(ents)
    out = []
    for ent in ents:
        if ent.label_ not in _SITE_CLASSES or len(ent) < 2:
            continue
        for cut in range(len(ent) - 1, 0, -1):
            place = ent[cut:]
            parent_end = cut - 1 if ent[cut - 1].lower_ in _LINKS else cut
            if parent_end < 1 or place.text.lower() not in places:
                continue
            parent = ent[:parent_end]
            parent_cls = actors.get(parent.text.lower())
            place_span = Span(doc, place.start, place.end, label="Place")
            if parent_cls is None or parent_cls == "Person":
                break
            parent_span = Span(doc, parent.start, parent.end, label=parent_cls)
            out.append(RawRelation(ent, "partOf", parent_span, "site-name", 0.8))
            out.append(RawRelation(ent, "locatedIn", place_span, "site-name", 0.8))
            break
    return out
