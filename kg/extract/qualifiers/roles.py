"""Job titles written in a sentence: 'directrice générale', 'ancien directeur des investissements'."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from kg.extract.qualifiers.lexicon import SPACE, alternation, fold, lexicon

_WORD = re.compile(r"[\w’'-]+|[^\w\s]")
_LINKS = ("de", "du", "des", "d'", "de la", "de l'")


@dataclass(frozen=True)
class RoleMatch:
    """A title as written: offsets into the text and whether its head word is a founder title."""

    start: int
    end: int
    text: str
    founder: bool = False


@cache
def _title_pattern() -> re.Pattern:
    lex = lexicon()
    prefixes = alternation(lex["title_prefixes"])
    titles = alternation(lex["titles"])
    return re.compile(rf"(?<![\w-])(?i:(?:{prefixes}(?:{SPACE}+|-|(?<=-)))?(?P<title>{titles}))(?![\w-])")


@cache
def _words() -> tuple[frozenset[str], ...]:
    lex = lexicon()
    return tuple(
        frozenset(map(fold, lex[key]))
        for key in ("titles", "title_modifiers", "title_complements", "title_not_complements", "words_ending_titles")
    )


def _is_complement(word: str) -> bool:
    """A lower-case noun that can name a post after 'de' ('du pôle', 'de la supervision'), not the organisation."""
    _, _, complements, not_complements, enders = _words()
    if word in complements:
        return True
    return word.isalpha() and word.islower() and word not in not_complements and word not in enders


def find_roles(text: str, start: int = 0, end: int | None = None, stops: tuple[int, ...] = ()) -> list[RoleMatch]:
    """Every title in ``text[start:end]``, extended over its modifiers and complements ('du pôle innovation').

    A title stops at punctuation, at a word that is neither a modifier nor a known complement, and at
    any offset in ``stops`` (where an entity mention begins: 'directrice générale | de Nabta').
    """
    end = len(text) if end is None else end
    founders = frozenset(map(fold, lexicon()["founder_titles"]))
    out = []
    for m in _title_pattern().finditer(text, start, end):
        limit = min([s for s in stops if s > m.start()] + [end])
        if m.end() > limit or (out and m.start() < out[-1].end):
            continue  # past a mention, or inside the previous title ('directrice générale adjointe')
        stop = _extend(text, m.end(), limit)
        out.append(RoleMatch(m.start(), stop, text[m.start() : stop], fold(m.group("title")) in founders))
    return out


def _extend(text: str, pos: int, limit: int) -> int:
    """The end of a title that starts before ``pos``: modifiers, chained titles and 'de' + complement."""
    titles, modifiers, complements, _, enders = _words()
    # a capitalised word keeps its capital: a name ('de l'Industrie') is never part of a title
    tokens = [(t.start() + pos, t.end() + pos, _fold_word(t.group())) for t in _WORD.finditer(text[pos:limit])]
    end, i, after_complement = pos, 0, False
    while i < len(tokens):
        word = tokens[i][2]
        # 'du pôle innovation', 'des ventes grands comptes': complement nouns may follow one another
        if word.lower() in modifiers or word.lower() in titles:
            end, i = tokens[i][1], i + 1
            continue
        if after_complement and after_complement < 3 and word not in enders and _is_complement(word):
            end, i, after_complement = tokens[i][1], i + 1, after_complement + 1
            continue
        # 'de la banque', "de l'innovation", 'du pôle', 'des risques' (a complement noun after a link word)
        link = _link_length(tokens, i)
        if link:
            head = tokens[i + link][2] if i + link < len(tokens) else ""
            head = head.split("'", 1)[1] if head.startswith(("l'", "d'")) else head
            if _is_complement(head):
                end, i, after_complement = tokens[i + link][1], i + link + 1, 1
                continue
        if word.startswith(("d'", "l'")) and _is_complement(word.split("'", 1)[1]):
            end, i, after_complement = tokens[i][1], i + 1, 1
            continue
        break
    return end


def _fold_word(word: str) -> str:
    word = word.replace("’", "'")
    head = word.split("'", 1)[-1]
    return word if head[:1].isupper() else word.lower()


def _link_length(tokens: list, i: int) -> int:
    """How many tokens of a link word start at ``i`` ('de la' is 2, 'du' is 1, none is 0)."""
    words = [t[2] for t in tokens[i : i + 2]]
    if len(words) == 2 and words[0] == "de" and words[1] == "la":
        return 2
    if words and words[0] in ("de", "du", "des"):
        return 1
    return 0


def normalise_role(text: str, drop_tense: bool = False) -> str:
    """A title compared as text: lower case, typographic apostrophes and spaces made plain.

    ``drop_tense`` also drops 'ancien', 'ex-', 'futur': the same post held at another time.
    """
    text = re.sub(r"\s+", " ", fold(text)).strip(" ,.")
    if drop_tense:
        text = re.sub(r"^(?:anciennes|ancienne|anciens|ancien|ex-|ex |future|futur|nouvelle|nouveau) ?", "", text)
    return text
