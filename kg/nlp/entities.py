"""``kg_entities``: the final entity spans, typed with the ontology's classes.

Merges spaCy's NER with the gazetteer and acronym spans, then corrects what
the French NER gets wrong on business news:

- a role's object glued to a name ("du Technopark Omar Balafrej") is split
  where a given name starts or where the parser attaches the rest elsewhere;
- leading articles are trimmed ("le Technopark");
- classes are refined from the head word ("association ...", "parc ...",
  "salon ...") and from the word before ("la société X", "ville de X");
- MISC spans are kept only when a head word makes them an Event or a Program.

Labels of ``doc.ents`` are then ontology class names (Organization, Person,
Place, Facility, Event, Program); ``ent_id_`` holds the gazetteer label.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from spacy.attrs import LOWER
from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.nlp.acronyms import LONG_KEY, SHORT_KEY, UNKNOWN_KEY
from kg.nlp.gazetteer import GAZETTEER_KEY
from kg.resources import first_names, gazetteer_names, word_set

NER_CLASSES = {
    "PER": "Person", "ORG": "Organization", "LOC": "Place", "MISC": None,
    "FAC": "Facility", "EVENT": "Event", "PROGRAM": "Program",
}  # fmt: skip
_OF = frozenset({"de", "d'", "d’", "du", "des"})  # "direction du X", "plateforme logistique de X"
_LINKS = _OF | {"à", "au"}
_MONTHS = {
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
    "septembre", "octobre", "novembre", "décembre",
}  # fmt: skip


@dataclass
class _Candidate:
    start: int
    end: int
    cls: str | None
    priority: float
    ent_id: str = ""
    refine: bool = True  # False when the class is given (gazetteer) or settled (acronym definition)

    def overlaps(self, other: _Candidate) -> bool:
        return self.start < other.end and other.start < self.end


@cache
def _class_cues() -> dict[str, str]:
    cues = {}
    for key, cls in (
        ("place_heads", "Place"),
        ("program_heads", "Program"),
        ("event_heads", "Event"),
        ("facility_heads", "Facility"),
        ("org_heads", "Organization"),
    ):
        for w in word_set(key):
            cues[w] = cls
    return cues


def _place_words() -> dict[str, str]:
    return gazetteer_names("Place")


def _past_management(doc: Doc, start: int, end: int) -> int:
    """Where the actor starts in "direction du Technopark", "présidence de la CGEM": a lower-case word for the
    management of a named actor stands for that actor ("Direction générale des impôts", capitalised, is a name)."""
    i = start + 1
    if not (doc[start].is_lower and doc[start].lower_ in word_set("management_nouns")):
        return start
    if i < end and doc[i].lower_ in _OF:
        i += 1
        if i < end and doc[i].lower_ in ("la", "l'"):
            i += 1
        if i < end and doc[i].text[:1].isupper():
            return i
    return start


def _trim(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """Drop leading articles, titles ("M.", "Madame") and punctuation, and trailing punctuation."""
    skip = word_set("articles") | word_set("person_titles")
    while start < end and (doc[start].lower_ in skip or doc[start].lower_.rstrip(".") in skip or doc[start].is_punct):
        start += 1
    while end > start and (doc[end - 1].is_punct and doc[end - 1].text not in ".)"):
        end -= 1
    return start, end


def _extend_name(doc: Doc, end: int, through_entities: bool = False) -> int:
    """Extend a name over the capitalised words that follow it mid-sentence ("EAC L'boulevart")."""
    names = first_names()
    while end < len(doc):
        tok = doc[end]
        if tok.is_sent_start or tok.lower_ in names or not tok.text[:1].isupper():
            break
        if tok.ent_type_ and not through_entities:
            break
        if tok.lower_ in ("l'", "d'") and end + 1 < len(doc) and not doc[end + 1].is_punct:
            end += 2
        elif tok.is_alpha and not tok.is_stop:
            end += 1
        else:
            break
    return end


_CONNECTORS = {
    "de", "du", "des", "d'", "la", "le", "l'", "les", "et", "&", "al", "el", "of", "the", "and", "for", "-",
    "pour", "contre", "sans", "au", "aux", "à", "un", "une",
}  # fmt: skip


def _name_core(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """The capitalised name inside an NER span: "groupe OCP" -> "OCP", "Finatech pour un montant" -> "Finatech".

    A lowercase word ends the name unless it links two capitalised words ("Banque de France")
    or closes it ("Attijariwafa bank").
    """
    while start < end and not doc[start].text[:1].isupper() and not doc[start].text[:1].isdigit():
        start += 1
    for i in range(start + 1, end):
        tok = doc[i]
        if tok.text[:1].isupper() or tok.text[:1].isdigit() or tok.is_punct and tok.text in "-&.":
            continue
        if tok.lower_ in _CONNECTORS and i + 1 < end:
            continue
        if i == end - 1 and tok.is_alpha and not tok.is_stop:
            continue
        end = i
        break
    while end > start + 1 and doc[end - 1].lower_ in _CONNECTORS:
        end -= 1
    return start, end


_OPEN_QUOTES = {"«", '"', "“", "‘", "'", "''", "‹", "„"}
_CLOSE_QUOTES = {"»", '"', "”", "’", "'", "''", "›", "“"}
_NAME_LINKS = {"pour", "de", "du", "des", "d'", "à", "au", "aux", "contre", "sans", "et", "la", "le", "les", "l'"}
_PURPOSE_LINKS = {"pour", "contre", "sans"}  # "Pétrole pour tous", "Ensemble contre le cancer"


def _introduced_names(doc: Doc, taken: list[_Candidate]) -> list[_Candidate]:
    """Names a head noun introduces: "le programme Intelaka Plus", "l'association « Mille feuilles »".

    A quoted name after the head noun (and up to two adjectives) is taken whole; an unquoted one
    runs from a capitalised word over nouns, adjectives and linking words ("Pétrole pour tous")
    and stops at a verb, punctuation, or a link word before a known place ("... de Londres").
    """
    cues = _class_cues()
    starts = {c.start: c for c in taken if c.cls}
    found = []
    for tok in doc:
        cls = cues.get(tok.lower_)
        if cls is None or tok.pos_ not in ("NOUN", "PROPN", "X"):
            continue
        if tok.text[:1].isupper() and not tok.is_upper:
            # "Banque XXR", "Fondation Alaitz", "Banque centrale": the capitalised head word is part of the name
            nxt = tok.i + 1
            while nxt < len(doc) and nxt - tok.i <= 2 and doc[nxt].pos_ == "ADJ" and doc[nxt].is_lower:
                nxt += 1
            if tok.is_sent_start or nxt >= len(doc):
                continue
            if doc[nxt].text[:1].isupper():
                end = _extend_name(doc, nxt + 1, through_entities=True)
            elif nxt > tok.i + 1:
                end = nxt  # head word and adjectives only
            else:
                continue
            if (known := starts.get(tok.i)) is None or end > known.end:
                found.append(_Candidate(tok.i, end, cls, 1.2 + (end - tok.i) * 0.01))
            continue
        i = tok.i + 1
        while i < len(doc) and i - tok.i <= 2 and doc[i].pos_ == "ADJ" and not doc[i].text[:1].isupper():
            i += 1
        if i >= len(doc):
            continue
        quoted = _quoted_after(doc, tok.i + 1)
        if quoted is not None:
            found.append(_Candidate(quoted[0], quoted[1], cls, 2.5 + (quoted[1] - quoted[0]) * 0.01))
            continue
        first = i + 1 + (i + 1 < len(doc) and doc[i + 1].lower_ in ("l'", "la", "le", "les"))
        if (
            tok.lower_ in word_set("institution_heads")
            and first < len(doc)
            and doc[i].lower_ in ("de", "du", "des", "d'")
            and doc[first].text[:1].isupper()
            and doc[first].lower_ not in cues  # "le conseil de l'Association X" names the association
        ):
            # "le ministère du Tourisme", "le ministère de l'Économie et des Finances": the head opens the name
            end = _extend_lowercase_name(doc, _extend_name(doc, first + 1, through_entities=True), starts)
            found.append(_Candidate(tok.i, end, cls, 1.25 + (end - tok.i) * 0.01))
            continue
        if i != tok.i + 1 or not doc[i].text[:1].isupper() or doc[i].is_sent_start:
            continue
        end = _extend_name(doc, i + 1)
        end = _extend_lowercase_name(doc, end, starts)
        known = starts.get(i)
        if known is None or end > known.end:
            # a name a lowercase head introduces takes that head's class ("le programme Startup Venture")
            found.append(_Candidate(i, end, cls, 1.25 + (end - i) * 0.01))
    return found


def _starts_another_name(doc: Doc, i: int) -> bool:
    """After "et": link words, then a head word that opens a name of its own ("de l'Association Y")."""
    while i < len(doc) and doc[i].lower_ in _NAME_LINKS:
        i += 1
    return i < len(doc) and doc[i].lower_ in _class_cues() and i > 0 and doc[i - 1].lower_ in _NAME_LINKS


def _quoted_after(doc: Doc, i: int, reach: int = 6) -> tuple[int, int] | None:
    """A quoted name shortly after a head noun: "l'usine de production de sucre « Sugar High »",
    "une association nommée « X »". Only lowercase words may stand between, no verb of the clause."""
    for j in range(i, min(len(doc), i + reach)):
        tok = doc[j]
        if tok.text in _OPEN_QUOTES:
            return _quoted_span(doc, j)
        if tok.is_punct or tok.pos_ == "AUX" or tok.text[:1].isupper():
            return None
        if tok.pos_ == "VERB" and tok.lower_.rstrip("es") not in _NAMING_PARTICIPLES:
            return None
    return None


_NAMING_PARTICIPLES = {"nommé", "dénommé", "baptisé", "appelé", "intitulé"}


def _quoted_span(doc: Doc, i: int) -> tuple[int, int] | None:
    """(start, end) of the words between quotes opening at token i, if any."""
    j = i
    while j < len(doc) and j - i < 2 and doc[j].text in _OPEN_QUOTES:
        j += 1
    if j == i:
        return None
    for k in range(j + 1, min(len(doc), j + 14)):
        if doc[k].text in _CLOSE_QUOTES:
            return (j, k) if doc[j].text[:1].isupper() or doc[j].is_digit else None
        if doc[k].text in _OPEN_QUOTES - _CLOSE_QUOTES or doc[k].text in ".;:!?":
            return None
    return None


def _extend_lowercase_name(doc: Doc, end: int, starts: dict[int, _Candidate]) -> int:
    """Extend over "pour tous", "contre le cancer"; stop before a verb or a known place."""
    limit = min(len(doc), end + 6)
    j = end
    while j < limit:
        tok = doc[j]
        if tok.is_punct or tok.pos_ in ("VERB", "AUX", "PRON", "SCONJ") or tok.is_sent_start:
            break
        if tok.text[:1].isupper() and tok.is_alpha:
            j += 1
            continue
        nxt = starts.get(j + 1)
        if tok.lower_ in _NAME_LINKS and (nxt is not None and nxt.cls == "Place" or j + 1 >= limit):
            break
        if tok.lower_ == "et" and _starts_another_name(doc, j + 1):
            break  # "X et de l'Association Y": a coordination, not one name ("et du Commerce" is one)
        if tok.lower_ not in _NAME_LINKS and tok.pos_ not in ("NOUN", "PROPN", "ADJ", "NUM", "X"):
            break
        if tok.lower_ not in _NAME_LINKS and tok.pos_ == "NOUN" and doc[j - 1].lower_ not in _NAME_LINKS:
            break  # "Nexa Conseil accompagne": a bare noun right after the name is not part of it
        if tok.lower_ not in _NAME_LINKS and not tok.text[:1].isupper():
            # after a link word only a capitalised word, or any word after "pour/contre/sans"
            links = [t.lower_ for t in doc[end:j] if t.lower_ in _NAME_LINKS]
            if tok.pos_ == "NUM" or not any(w in _PURPOSE_LINKS for w in links):
                break
        j += 1
    while j > end and doc[j - 1].lower_ in _NAME_LINKS:
        j -= 1
    return j


def _split_points(doc: Doc, start: int, end: int) -> list[int]:
    """Token indices inside [start, end) where a glued span should be cut."""
    names = first_names()
    cues = _class_cues()
    cuts = []
    for i in range(start + 1, end):
        tok = doc[i]
        starts_name = (
            tok.lower_ in names
            and i + 1 < end
            and doc[i + 1].text[:1].isupper()
            and doc[i - 1].lower_ not in cues  # "Boulevard Mohammed V", "Université Hassan II"
        )
        attached_elsewhere = tok.dep_ == "appos" and not (start <= tok.head.i < end)
        if starts_name or attached_elsewhere:
            cuts.append(i)
    return cuts


def _refine(doc: Doc, start: int, end: int, cls: str | None) -> str | None:
    cues = _class_cues()
    names = first_names()
    first = doc[start].lower_
    tokens = doc[start:end]
    if start > 0 and doc[start - 1].lower_ in word_set("person_titles") and all(t.text[:1].isupper() for t in tokens):
        return "Person"  # "Monsieur Raby Flores", "Mme Nadia X"
    if first in names and end - start >= 2 and all(t.text[:1].isupper() for t in tokens):
        return "Person"
    if first in cues and end - start >= 2:
        return cues[first]
    before = start - 1
    while before >= 0 and doc[before].lower_ in word_set("articles"):
        before -= 1
    if before >= 0 and doc[before].lower_ in cues:
        cue = cues[doc[before].lower_]
        if cls is None:  # a MISC name after "le programme", "le salon": the head noun types it
            return cue
        # "ville de Tanger" -> Place, "la société Jnane" -> Organization
        if cue in ("Place", "Organization", "Facility") and cls in (None, "Place", "Person", "Organization"):
            return cue
    if end - start >= 2 and cls in ("Place", "Person") and first in _place_words():
        rest = doc[start + 1 : end]
        if rest[0].lower_ not in _LINKS and rest.text.lower() not in _place_words():
            return "Organization"
    if cls == "Person" and end - start >= 2 and first not in names:
        if any(t.lower_ in _place_words() for t in tokens[1:]):
            return "Organization"  # "Jokkolabs Casablanca": a network's local branch
    return cls


def _keep(span: Span, quoted: bool = False) -> bool:
    text = span.text
    if len(text) < 2 or not any(c.isupper() for c in text):
        return False
    if not quoted and all(not t.is_alpha or t.is_stop for t in span):
        return False  # "Toujours ensemble" is a name only when quoted
    if span[0].lower_ in _MONTHS:
        return False
    return True


@Language.factory("kg_entities", default_config={"trained_ner": False})
def make_entities(nlp: Language, name: str, trained_ner: bool):
    """``trained_ner``: the ``ner`` is the project's trained recogniser, whose spans and classes are kept as
    they are (only leading articles, titles and management words are trimmed, and facilities named by
    their kind are added where it found nothing); the corrections below are for the French model's own NER."""
    return set_trained_entities if trained_ner else set_entities


def set_trained_entities(doc: Doc) -> Doc:
    gaz = {(g.start, g.end): g for g in doc.spans.get(GAZETTEER_KEY, [])}
    candidates: list[_Candidate] = []
    for ent in doc.ents:
        cls = NER_CLASSES.get(ent.label_, ent.label_ or None)
        start, end = _trim(doc, _past_management(doc, ent.start, ent.end), ent.end)
        if not cls or start >= end:
            continue
        for a, b, piece_cls in _trained_pieces(doc, start, end, cls):
            g = gaz.get((a, b))
            candidates.append(_Candidate(a, b, g.label_ if g is not None else piece_cls, 5.0, g.id_ if g else ""))
    for g in gaz.values():
        candidates.append(_Candidate(g.start, g.end, g.label_, 3.0 + len(g) * 0.01, g.id_, refine=False))
    for span in list(doc.spans.get(SHORT_KEY, [])) + list(doc.spans.get(LONG_KEY, [])):
        candidates.append(_Candidate(span.start, span.end, "Organization", 4.0 + len(span) * 0.01, refine=False))
    chosen: list[_Candidate] = []
    for cand in sorted(candidates, key=lambda c: (-c.priority, c.start)):
        if not any(cand.overlaps(c) for c in chosen):
            chosen.append(cand)
    for start, end in _facilities_named_by_kind(doc, chosen):
        chosen.append(_Candidate(start, end, "Facility", 0.0, refine=False))
    spans = [Span(doc, c.start, c.end, label=c.cls, span_id=c.ent_id) for c in sorted(chosen, key=lambda c: c.start)]
    doc.ents = [s for s in spans if len(s.text) >= 2 and s[0].lower_ not in _MONTHS]
    return doc


def _facilities_named_by_kind(doc: Doc, taken: list[_Candidate]) -> list[tuple[int, int]]:
    """Facilities whose name starts with a lower-case noun of their kind ("plateforme logistique de Zenata",
    "tour Al Amane"), where the recogniser found nothing: the noun, its adjectives, a linking "de" and the
    capitalised words after it. A name it typed (a place, say) is left as it is. The nouns are their own list:
    some ``facility_heads`` (*site*, *espace*, *hub*) begin capitalised names but are too common in lower case."""
    nouns = word_set("facility_nouns")
    # the positions of those nouns, found in the doc's array: most docs have none, and a Token per token costs
    lower = doc.to_array(LOWER)
    places = np.flatnonzero(np.isin(lower, [doc.vocab.strings[w] for w in nouns])).tolist()
    if not places:
        return []
    covered = {i for c in taken for i in range(c.start, c.end)}
    found = []
    for i in places:
        tok = doc[i]
        if tok.pos_ != "NOUN" or not tok.is_lower or i in covered:
            continue
        j = i + 1
        while j < len(doc) and doc[j].pos_ == "ADJ" and doc[j].is_lower and j not in covered:
            j += 1
        if j < len(doc) and doc[j].lower_ in _OF and j not in covered:
            j += 1
        k = j
        while (
            k < len(doc)
            and k not in covered
            and doc[k].pos_ in ("PROPN", "NOUN", "ADJ", "NUM", "X")
            and (doc[k].text[:1].isupper() or doc[k].like_num and k > j)
        ):
            k += 1
        if k > j:
            found.append((i, k))
            covered.update(range(i, k))
    return found


def _trained_pieces(doc: Doc, start: int, end: int, cls: str) -> list[tuple[int, int, str]]:
    """A recognised span cut where it glues two names: at a lower-case verb ("Banque X finance Atlas Solaire")
    and before a person's given name ("du Technopark Omar Balafrej")."""
    names = first_names()
    name_starts = set(_split_points(doc, start, end)) if cls != "Person" else set()
    pieces, a = [], start
    for i in range(start + 1, end):
        tok = doc[i]
        if tok.is_lower and tok.pos_ in ("VERB", "AUX"):
            pieces.append((a, i, cls))
            a = i + 1
        elif cls != "Person" and i > a and i in name_starts and tok.lower_ in names:
            pieces.append((a, i, cls))
            a, cls = i, "Person"
    pieces.append((a, end, cls))
    return [(x, y, c) for x, y, c in pieces if x < y and doc[x].text[:1].isupper() or (x, y) == (start, end)]


def set_entities(doc: Doc) -> Doc:
    candidates: list[_Candidate] = []
    gaz = list(doc.spans.get(GAZETTEER_KEY, []))
    for ent in doc.ents:
        cls = NER_CLASSES.get(ent.label_, ent.label_ if ent.label_ else None)
        start, end = _trim(doc, ent.start, ent.end)
        pieces = [start]
        pieces += _split_points(doc, start, end)
        # a gazetteer name inside a longer NER span: cut around it, unless the span is
        # a site of it ("Technopark de Rabat": name + link word + more)
        end = _extend_name(doc, end)
        start, end = _name_core(doc, start, end)
        if start >= end:
            continue
        # a known name inside a longer name ("CDG Invest", "Technopark de Rabat") is part of it:
        # the longer name wins over the gazetteer; glued names are cut by _split_points instead
        inner = [g for g in gaz if start <= g.start and g.end <= end and (g.start, g.end) != (start, end)]
        priority = 3.5 if inner else 1.0
        bounds = sorted(set(p for p in pieces if start <= p <= end) | {end})
        for a, b in zip(bounds, bounds[1:]):
            a, b = _trim(doc, a, b)
            if a < b:
                candidates.append(_Candidate(a, b, cls, priority + (b - a) * 0.01))
    for g in gaz:
        covering = [c for c in candidates if c.start <= g.start and g.end <= c.end and c.end - c.start > len(g)]
        if covering and g.end < len(doc) and doc[g.end].lower_ in _LINKS:
            for c in covering:  # a site of a known actor takes the actor's class
                if g.label_ != "Place":
                    c.cls = g.label_
            continue
        candidates.append(_Candidate(g.start, g.end, g.label_, 3.0 + len(g) * 0.01, g.id_, refine=False))
    for span in list(doc.spans.get(SHORT_KEY, [])) + list(doc.spans.get(LONG_KEY, [])):
        known = [c.cls for c in candidates if c.cls and c.start < span.end and span.start < c.end]
        cls = known[0] if known and known[0] != "Person" else "Organization"
        # an acronym's definition is explicit: it beats the gazetteer names it contains
        candidates.append(_Candidate(span.start, span.end, cls, 4.0 + len(span) * 0.01, refine=False))
    for span in doc.spans.get(UNKNOWN_KEY, []):
        candidates.append(_Candidate(span.start, span.end, "Organization", 0.5))

    candidates.extend(_introduced_names(doc, candidates))

    chosen: list[_Candidate] = []
    for cand in sorted(candidates, key=lambda c: (-c.priority, c.start)):
        if not any(cand.overlaps(c) for c in chosen):
            chosen.append(cand)
    spans = []
    for cand in sorted(chosen, key=lambda c: c.start):
        cls = cand.cls
        if cand.refine:
            cls = _refine(doc, cand.start, cand.end, cls)
        if cls is None:
            continue
        span = Span(doc, cand.start, cand.end, label=cls, span_id=cand.ent_id)
        quoted = cand.start > 0 and doc[cand.start - 1].text in _OPEN_QUOTES
        if _keep(span, quoted):
            spans.append(span)
    doc.ents = spans
    return doc
