"""Typed anaphora: noun phrases and pronouns that refer back to a named actor, and their antecedent.

"la startup", "ce fonds", "la nouvelle entité", "elle", "ce dernier", the possessive of "son président" or
"sa filiale": each is an *anaphor* whose class follows from its head noun (``kg/data/anaphora.json``),
or is a person or an organisation for pronouns and possessives. Its antecedent is the fitting named
mention before it with the best score: close (sentences back), a subject, mentioned often, and described
with the same head noun ("la fintech X" ... "la fintech"). A class that does not fit is never chosen.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy
from spacy.attrs import LOWER, POS
from spacy.strings import get_string_id
from spacy.tokens import Doc, Span

from kg.resources import data_path

_LOOKBACK_SENTENCES = 4


@dataclass(frozen=True)
class Anaphor:
    start: int  # token span of the anaphor
    end: int
    head: int  # token index standing for it in dependency paths
    kind: str  # "noun", "pronoun", "possessive"
    word: str  # head noun lemma or the pronoun
    antecedent: Span  # the named mention it refers to


@cache
def _lexicon() -> dict:
    import json

    data = json.loads(data_path("anaphora.json").read_text(encoding="utf-8"))
    noun_classes: dict[str, set[str]] = {}
    for cls, words in data["nouns"].items():
        for w in words:
            noun_classes.setdefault(w, set()).add(cls)
    return {
        "nouns": {w: frozenset(c) for w, c in noun_classes.items()},
        "determiners": frozenset(data["determiners"]),
        "pronouns": frozenset(data["pronouns"]),
        "phrases": tuple(tuple(p.split()) for p in data["demonstrative_phrases"]),
        "possessives": frozenset(data["possessives"]),
        "first_person": frozenset(data["first_person"]),
        "participants": frozenset(data["participant_nouns"]),
    }


@cache
def _opening_words() -> numpy.ndarray:
    """LOWER ids of the words other than nouns that can open an anaphor."""
    lex = _lexicon()
    words = lex["possessives"] | lex["pronouns"] | lex["first_person"] | {"y", "ce", "cette", "ces"}
    return numpy.array(sorted(get_string_id(w) for w in words), dtype=numpy.uint64)


_PRONOUN_CLASSES = frozenset({"Person", "Organization", "Facility"})  # "il", "son", "le parc ... son extension"
_LAST_MENTIONED = frozenset({"Person", "Organization", "Facility", "Program", "Event"})
_ORG = frozenset({"Organization"})
_PLACE = frozenset({"Place"})
_EVENT_OR_PROGRAM = frozenset({"Event", "Program"})


def descriptor(span: Span) -> str | None:
    """The head noun that introduces a name ("la fintech marocaine X" -> "fintech"), if any."""
    doc = span.doc
    i = span.start - 1
    while i >= max(0, span.start - 4):
        tok = doc[i]
        if tok.pos_ == "NOUN":
            return tok.lemma_.lower()
        if tok.pos_ not in ("ADJ", "PUNCT") or tok.text in ".;":
            return None
        i -= 1
    head = span.root.head
    if span.root.dep_ in ("appos", "nmod", "flat:name") and head.pos_ == "NOUN" and head.i < span.start:
        return head.lemma_.lower()
    return None


def find_anaphors(doc: Doc, mentions: list[Span]) -> list[Anaphor]:
    """Every anaphor of ``doc`` whose antecedent could be found among ``mentions`` (sorted by start)."""
    lex = _lexicon()
    possessives, pronouns, first_person = lex["possessives"], lex["pronouns"], lex["first_person"]
    nouns, participants, determiners = lex["nouns"], lex["participants"], lex["determiners"]
    in_mention = {i for m in mentions for i in range(m.start, m.end)}
    sent_of = [0] * len(doc)  # token -> its sentence's number
    for n, sent in enumerate(doc.sents):
        sent_of[sent.start : sent.end] = [n] * (sent.end - sent.start)
    descriptors = {(m.start, m.end): descriptor(m) for m in mentions}
    counts: dict[str, int] = {}
    for m in mentions:  # salience: how often the whole text names the actor
        counts[m.text.lower()] = counts.get(m.text.lower(), 0) + 1
    found: list[Anaphor] = []
    # what came before: (named mention or resolved anaphor, its start, sentence, whether it is a subject)
    seen_before: list[_Antecedent] = []
    m_iter = iter(mentions)
    nxt = next(m_iter, None)
    # only a noun or one of the opening words can be an anaphor: the other tokens are never looked at
    columns = doc.to_array([LOWER, POS])
    openers = numpy.isin(columns[:, 0], _opening_words()) | (columns[:, 1] == get_string_id("NOUN"))
    for i in numpy.flatnonzero(openers).tolist():
        tok = doc[i]
        while nxt is not None and nxt.start <= i:
            seen_before.append(_Antecedent(nxt, nxt.start, sent_of[nxt.start], _is_subject(nxt)))
            nxt = next(m_iter, None)
        if i in in_mention:
            continue
        low, pos = tok.lower_, tok.pos_
        candidate = None
        if low in possessives and pos == "DET":
            candidate = (i, i + 1, i, "possessive", low, _PRONOUN_CLASSES)
        elif low in pronouns and pos == "PRON" and tok.dep_.startswith("nsubj"):
            candidate = (i, i + 1, i, "pronoun", low, _PRONOUN_CLASSES)
        elif low in first_person and pos in ("PRON", "DET"):
            # an interviewee's "nous", "notre": the organisation they speak for
            candidate = (i, i + 1, i, "first_person", low, _ORG)
        elif low == "y" and pos == "PRON":
            candidate = (i, i + 1, i, "locative", low, _PLACE)
        elif low == "ce" or low == "cette" or low == "ces":
            for phrase in lex["phrases"]:
                if phrase[0] != low:
                    continue
                words = [t.lower_ for t in doc[i : i + len(phrase)]]
                if tuple(words) == phrase:
                    # "ce dernier": the actor named last, whatever its class
                    end = i + len(phrase)
                    candidate = (i, end, end - 1, "last_mentioned", " ".join(phrase), _LAST_MENTIONED)
                    break
        if candidate is None and pos == "NOUN":
            lemma = tok.lemma_.lower()
            if lemma in participants:
                # "dont X et Y", "parmi les lauréats figure X": the participants of the event the text is about
                candidate = (i, i + 1, i, "participants", lemma, _EVENT_OR_PROGRAM)
            else:
                classes = nouns.get(lemma) or nouns.get(low)
                det = _determiner_before(doc, i, determiners) if classes else None  # most nouns refer to nothing
                if det is not None and not _names_follow(doc, i, in_mention):
                    candidate = (det, i + 1, i, "noun", lemma, classes)
        if candidate is None:
            continue
        start, end, head, kind, word, classes = candidate
        antecedent = _antecedent(seen_before, start, classes, word, kind, sent_of, descriptors, counts)
        if antecedent is not None:
            found.append(Anaphor(start, end, head, kind, word, antecedent))
            # a resolved anaphor is itself a place the actor was last mentioned ("la startup ... Elle ...")
            seen_before.append(_Antecedent(antecedent, start, sent_of[start], doc[head].dep_.startswith("nsubj")))
    return found


@dataclass(frozen=True)
class _Antecedent:
    mention: Span
    start: int
    sentence: int
    subject: bool


def _is_subject(span: Span) -> bool:
    """The clause's subject, or the name of a subject noun phrase ("La fintech marocaine X a annoncé")."""
    root = span.root
    if root.dep_.startswith("nsubj"):
        return True
    return root.dep_ in ("appos", "nmod", "flat:name", "amod") and root.head.dep_.startswith("nsubj")


def _determiner_before(doc: Doc, i: int, determiners: frozenset[str]) -> int | None:
    """The definite or demonstrative determiner of the noun at ``i`` (adjectives may stand between)."""
    j = i - 1
    while j >= 0 and i - j <= 3:
        tok = doc[j]
        if tok.lower_ in determiners:
            return j
        if tok.pos_ != "ADJ":
            return None
        j -= 1
    return None


def _names_follow(doc: Doc, i: int, in_mention: set[int]) -> bool:
    """ "la société X", "le fonds X Capital": the noun introduces a name, it does not refer back."""
    j = i + 1
    while j < len(doc) and j - i <= 3 and doc[j].pos_ == "ADJ":
        j += 1
    if j + 1 in in_mention and doc[j].lower_ in ("de", "du", "des", "d'"):
        return True  # "les responsables du Technopark": a role of the named actor, not a reference back
    return j in in_mention or (j + 1 in in_mention and doc[j].text in ',«"(')


def _antecedent(before, start, classes, word, kind, sent_of, descriptors, counts) -> Span | None:
    here = sent_of[start]
    salience_only = kind in ("first_person", "participants")  # what the whole text is about, not the last name
    lookback = 1000 if salience_only else _LOOKBACK_SENTENCES
    best, best_score = None, None
    for a in reversed(before):
        m = a.mention
        if a.start >= start:
            continue
        distance = here - a.sentence
        if distance > lookback:
            break
        if m.label_ not in classes:
            continue
        if kind == "possessive" and distance == 0 and m.end == start:
            continue
        frequency = min(counts.get(m.text.lower(), 1), 5)
        if salience_only:
            score = frequency - 0.05 * distance
        elif kind == "last_mentioned":
            return m
        else:
            score = -1.0 * distance + 0.15 * frequency
        if a.subject:
            score += 0.8
        described = descriptors.get((m.start, m.end))
        if described == word:
            score += 2.5
        elif described is not None and kind == "noun" and described in _lexicon()["nouns"]:
            score += 0.6 if _lexicon()["nouns"][described] & classes else 0.0
        if kind == "possessive" and m.label_ != "Person":
            score += 0.7  # "son directeur", "sa filiale": mostly an organisation's
        if best_score is None or score > best_score:
            best, best_score = m, score
    return best
