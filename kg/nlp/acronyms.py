"""``kg_acronyms``: acronyms and their expansions, and unknown acronyms as organisations.

"Moroccan Information Technopark Company (MITC)" and "MITC (Moroccan
Information Technopark Company)" both give a pair (short, long), matched with
the Schwartz-Hearst algorithm. Pairs go to ``doc.spans["kg_acronym_short"]``
and ``doc.spans["kg_acronym_long"]`` (same index = same pair); a capitalised
token that looks like an acronym and is not a common word of the lexicon's
stoplist goes to ``doc.spans["kg_acronym_unknown"]``.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.resources import word_set

SHORT_KEY, LONG_KEY, UNKNOWN_KEY = "kg_acronym_short", "kg_acronym_long", "kg_acronym_unknown"
_ACRONYM = re.compile(r"^(?=.*[A-Z].*[A-Z])[A-Z0-9&\-]{2,10}$")


def looks_like_acronym(text: str) -> bool:
    return bool(_ACRONYM.match(text)) and not text[0].isdigit()


def schwartz_hearst_start(short: str, long: str) -> int | None:
    """Char index in ``long`` where the expansion of ``short`` starts, or None."""
    s, i = len(short) - 1, len(long) - 1
    while s >= 0:
        c = short[s].lower()
        if not c.isalnum():
            s -= 1
            continue
        while i >= 0 and (long[i].lower() != c or (s == 0 and i > 0 and long[i - 1].isalnum())):
            i -= 1
        if i < 0:
            return None
        i -= 1
        s -= 1
    return i + 1


def _expansion_span(doc: Doc, short: str, start: int, end: int) -> Span | None:
    """Best long-form span within doc[start:end] for ``short`` (its end is fixed at ``end``)."""
    function_words = word_set("function_words")
    content = [t for t in doc[start:end] if t.lower_ not in function_words and t.is_alpha]
    if not content or len(content) > len(short) + 3:
        return None
    window = doc[start:end]
    pos = schwartz_hearst_start(short, window.text)
    if pos is None:
        return None
    span = doc.char_span(window.start_char + pos, window.end_char, alignment_mode="expand")
    if span is None or len(span) > 2 * len(short) + 4:
        return None
    if not span[0].text[:1].isupper():
        return None
    words = [t for t in span if t.is_alpha and t.lower_ not in function_words]
    # every content word must contribute; otherwise "la stratégie de MITC" would swallow extra words
    if len(words) > len(short) + 1 or len(words) < max(2, len(short) // 2):
        return None
    return span


def _long_before(doc: Doc, short: str, paren: int) -> Span | None:
    lo = max(doc[paren].sent.start, paren - (2 * len(short) + 4))
    for start in range(lo, paren):
        if doc[start].text[:1].isupper():
            span = _expansion_span(doc, short, start, paren)
            if span is not None:
                return span
    return None


@Language.component("kg_acronyms")
def find_acronyms(doc: Doc) -> Doc:
    stop = word_set("acronym_stoplist")
    shorts, longs, unknown = [], [], []
    paired: set[int] = set()
    for tok in doc:
        if tok.text != "(" or tok.i + 2 >= len(doc):
            continue
        close = next((t.i for t in doc[tok.i + 1 : tok.i + 14] if t.text == ")"), None)
        if close is None:
            continue
        inside = doc[tok.i + 1 : close]
        if len(inside) == 1 and looks_like_acronym(inside.text):
            # Long Form (ACR)
            span = _long_before(doc, inside.text, tok.i)
            if span is not None:
                shorts.append(inside)
                longs.append(span)
                paired.add(inside.start)
        elif tok.i > 0 and looks_like_acronym(doc[tok.i - 1].text):
            # ACR (Long Form)
            short = doc[tok.i - 1]
            span = _expansion_span(doc, short.text, inside.start, inside.end)
            if span is not None and span.start == inside.start:
                shorts.append(doc[short.i : short.i + 1])
                longs.append(span)
                paired.add(short.i)
    shouting = None  # found only once a candidate needs it: most articles have none
    for tok in doc:
        if tok.i not in paired and looks_like_acronym(tok.text) and tok.lower_ not in stop:
            if shouting is None:
                shouting = _shouting_sentences(doc)
            if tok.sent.start not in shouting:
                unknown.append(doc[tok.i : tok.i + 1])
    doc.spans[SHORT_KEY] = shorts
    doc.spans[LONG_KEY] = longs
    doc.spans[UNKNOWN_KEY] = unknown
    return doc


def _shouting_sentences(doc: Doc) -> set[int]:
    """Sentences written in capitals, where every word looks like an acronym."""
    out = set()
    for sent in doc.sents:
        words = [t for t in sent if t.is_alpha]
        if len(words) >= 4 and sum(t.is_upper for t in words) / len(words) > 0.6:
            out.add(sent.start)
    return out
