"""The qualifier lexicons of ``kg/data/qualifiers.json`` and the regular-expression pieces built from them."""

from __future__ import annotations

import json
import re
from functools import cache

from kg.resources import data_path

# spaces French typography puts inside numbers and before units: plain, no-break, narrow no-break
SPACE = "[ \u00a0\u202f]"
APOSTROPHE = "['’]"


@cache
def lexicon() -> dict:
    return json.loads(data_path("qualifiers.json").read_text(encoding="utf-8"))


def alternation(words, escape: bool = True) -> str:
    """A regex alternation of ``words``, longest first, with any space or apostrophe matching its variants."""
    out = []
    for word in sorted(set(words), key=len, reverse=True):
        parts = [re.escape(part) if escape else part for part in word.split(" ")]
        out.append((SPACE + "+").join(parts).replace("'", APOSTROPHE))
    return "(?:" + "|".join(out) + ")"


def fold(text: str) -> str:
    """Lower case with typographic spaces and apostrophes made plain, for lexicon look-ups."""
    return re.sub(SPACE + "+", " ", text.replace("’", "'")).lower()
