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

from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.nlp.acronyms import LONG_KEY, SHORT_KEY, UNKNOWN_KEY
from kg.nlp.gazetteer import GAZETTEER_KEY
from kg.resources import first_names, gazetteer, word_set

NER_CLASSES = {"PER": "Person", "ORG": "Organization", "LOC": "Place", "MISC": None}
_LINKS = {"de", "d'", "d’", "du", "des", "à", "au"}
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


@cache
def _place_words() -> frozenset[str]:
    words = set()
    for e in gazetteer():
        if e.cls == "Place":
            words.update(n.lower() for n in (e.label, *e.aliases))
    return frozenset(words)


def _trim(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """Drop leading articles, titles ("M.", "Madame") and punctuation, and trailing punctuation."""
    skip = word_set("articles") | word_set("person_titles")
    while start < end and (doc[start].lower_ in skip or doc[start].lower_.rstrip(".") in skip or doc[start].is_punct):
        start += 1
    while end > start and (doc[end - 1].is_punct and doc[end - 1].text not in ".)"):
        end -= 1
    return start, end


def _is_site_or_branch(doc: Doc, start: int, end: int, g: Span) -> bool:
    """A known name inside a longer span that names one of its sites or branches.

    "Technopark de Rabat" (name, link word, more) or "Jokkolabs Casablanca"
    (more, then a known place at the end); not "Technopark Omar Balafrej".
    """
    if g.start == start and g.end < end and doc[g.end].lower_ in _LINKS:
        return True
    return g.label_ == "Place" and g.end == end and g.start > start and doc[g.start - 1].lower_ not in _LINKS


def _extend_name(doc: Doc, end: int) -> int:
    """Extend a name over the capitalised words that follow it mid-sentence ("EAC L'boulevart")."""
    names = first_names()
    while end < len(doc):
        tok = doc[end]
        if tok.is_sent_start or tok.lower_ in names or not tok.text[:1].isupper() or tok.ent_type_:
            break
        if tok.lower_ in ("l'", "d'") and end + 1 < len(doc) and not doc[end + 1].is_punct:
            end += 2
        elif tok.is_alpha and not tok.is_stop:
            end += 1
        else:
            break
    return end


_CONNECTORS = {"de", "du", "des", "d'", "la", "le", "l'", "les", "et", "&", "al", "el", "of", "the", "and", "for", "-"}


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
        return start, i
    return start, end


def _introduced_names(doc: Doc, taken: list[_Candidate]) -> list[_Candidate]:
    """Names the NER missed but a head noun introduces: "le programme Intelaka Plus", "la startup Chari"."""
    cues = _class_cues()
    covered = {i for c in taken if c.cls for i in range(c.start, c.end)}
    found = []
    for tok in doc:
        cls = cues.get(tok.lower_)
        nxt = tok.i + 1
        if cls is None or nxt >= len(doc) or nxt in covered or not doc[nxt].text[:1].isupper():
            continue
        if doc[nxt].is_sent_start or doc[nxt].lower_ in word_set("articles"):
            continue
        end = _extend_name(doc, nxt + 1)
        found.append(_Candidate(nxt, end, cls, 0.8))
    return found


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


def _keep(span: Span) -> bool:
    text = span.text
    if len(text) < 2 or not any(c.isupper() for c in text):
        return False
    if all(not t.is_alpha or t.is_stop for t in span):
        return False
    if span[0].lower_ in _MONTHS:
        return False
    return True


@Language.component("kg_entities")
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
        candidates.append(_Candidate(g.start, g.end, g.label_, 3.0 + len(g) * 0.01, g.id_))
    for span in list(doc.spans.get(SHORT_KEY, [])) + list(doc.spans.get(LONG_KEY, [])):
        known = [c.cls for c in candidates if c.cls and c.start < span.end and span.start < c.end]
        cls = known[0] if known and known[0] != "Person" else "Organization"
        # an acronym's definition is explicit: it beats the gazetteer names it contains
        candidates.append(_Candidate(span.start, span.end, cls, 4.0 + len(span) * 0.01))
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
        if cand.priority < 3.0 or cand.priority >= 3.5 and cand.priority < 4.0:
            cls = _refine(doc, cand.start, cand.end, cls)
        if cls is None:
            continue
        span = Span(doc, cand.start, cand.end, label=cls, span_id=cand.ent_id)
        if _keep(span):
            spans.append(span)
    doc.ents = spans
    return doc
