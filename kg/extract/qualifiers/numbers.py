"""French amounts and shares: '7,5 millions de dollars' -> 7500000 USD, '20 %' -> 0.2, 'un cinquième' -> 0.2."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache

from kg.extract.qualifiers.lexicon import APOSTROPHE, SPACE, alternation, fold, lexicon


@dataclass(frozen=True)
class AmountMatch:
    """An amount written in a text: character offsets, value in units, ISO 4217 currency (None if unsaid)."""

    start: int
    end: int
    value: Decimal
    currency: str | None
    text: str
    approximate: bool = False


@dataclass(frozen=True)
class ShareMatch:
    """A share written in a text (percentage or fraction), as a decimal in [0, 1]."""

    start: int
    end: int
    value: Decimal
    text: str


# 1 200 000 / 1.200.000 / 1,2 / 12 / 1.5 (a dot followed by 1-2 digits is a decimal point)
_DIGITS = rf"\d{{1,3}}(?:(?:{SPACE}|\.)\d{{3}})+(?:,\d+)?(?!\d)|\d+(?:[.,]\d+)?"


@cache
def _amount_pattern() -> re.Pattern:
    lex = lexicon()
    words = alternation(lex["number_words"])
    approx = alternation(lex["approximations"])
    mult = alternation(lex["multipliers"])
    compact = alternation(lex["compact_amounts"])
    currency = alternation(lex["currencies"])
    return re.compile(
        rf"(?<![\w.,])(?:(?P<approx>{approx}){SPACE}*)?"
        rf"(?P<num>{_DIGITS}|(?i:{words})(?={SPACE}+(?i:{mult})))"
        rf"(?:{SPACE}*(?:(?P<compact>(?i:{compact}))(?!\w)"
        rf"|(?P<mult>(?i:{mult}))(?![\w€$])(?:{SPACE}+(?:de{SPACE}+|d{APOSTROPHE})?(?P<cur1>(?i:{currency}))(?![\w]))?"
        rf"|(?P<cur2>(?i:{currency}))(?![\w])))",
    )


@cache
def _share_pattern() -> re.Pattern:
    fractions = alternation(lexicon()["fractions"])
    return re.compile(
        rf"(?<![\w.,])(?P<num>\d+(?:[.,]\d+)?){SPACE}*(?:%|pour{SPACE}?cent\b)|(?<!\w)(?P<frac>(?i:{fractions}))(?!\w)"
    )


def parse_number(text: str) -> Decimal:
    """'1 200 000', '1.200.000', '1,2', 'sept' -> Decimal; raises ValueError on anything else."""
    raw = re.sub(SPACE, "", text.strip())
    words = lexicon()["number_words"]
    if raw.lower() in words:
        return Decimal(words[raw.lower()])
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", raw):
        raw = raw.replace(".", "")  # dots between thousands
    try:
        return Decimal(raw.replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None


def _units(value: Decimal) -> Decimal:
    """An integral value without trailing decimals (7.5 * 10^6 -> 7500000)."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def currency_code(text: str) -> str | None:
    """ISO 4217 code of a currency as written ('dirhams', 'DH', 'MMDH', '€', 'francs CFA'), else None."""
    key = fold(text).strip()
    lex = lexicon()
    if key in lex["currencies"]:
        return lex["currencies"][key]
    if key in lex["compact_amounts"]:
        return lex["compact_amounts"][key][1]
    return key.upper() if re.fullmatch(r"[a-z]{3}", key) and key.upper() in set(lex["currencies"].values()) else None


def find_amounts(text: str, start: int = 0, end: int | None = None) -> list[AmountMatch]:
    """Every amount of money in ``text[start:end]`` (offsets into ``text``).

    A number counts as an amount when it has a currency ('500 000 dirhams', '150 MDH') or a
    million/billion multiplier ('4 milliards'); '600 000 utilisateurs' or '600 millions d'habitants' do not.
    """
    end = len(text) if end is None else end
    out = []
    for m in _amount_pattern().finditer(text, start, end):
        if m.group("mult") and not m.group("cur1") and _followed_by_noun(text, m.end(), end):
            continue  # '3 millions de clients', '2 millions d'habitants'
        mult_word = m.group("mult")
        if mult_word and fold(mult_word) in ("m", "k", "mn") and not m.group("cur1"):
            continue  # a bare 'M' or 'k' is too ambiguous without a currency
        if fold(mult_word or "") == "mille" and not m.group("cur1"):
            continue
        try:
            value = parse_number(m.group("num"))
        except ValueError:
            continue
        lex = lexicon()
        currency = None
        if m.group("compact"):
            factor, currency = lex["compact_amounts"][fold(m.group("compact"))]
            value *= Decimal(factor)
        else:
            if mult_word:
                value *= Decimal(lex["multipliers"][fold(mult_word)])
            written = m.group("cur1") or m.group("cur2")
            currency = currency_code(written) if written else None
        if value <= 0:
            continue
        out.append(AmountMatch(m.start(), m.end(), _units(value), currency, m.group(), bool(m.group("approx"))))
    return out


def _followed_by_noun(text: str, pos: int, end: int) -> bool:
    return re.match(rf"{SPACE}+(?:de{SPACE}+|d{APOSTROPHE})\w", text[pos:end]) is not None


def find_shares(text: str, start: int = 0, end: int | None = None) -> list[ShareMatch]:
    """Every percentage or fraction in ``text[start:end]`` as a share in [0, 1]; larger percentages are left out."""
    end = len(text) if end is None else end
    out = []
    for m in _share_pattern().finditer(text, start, end):
        if m.group("frac"):
            value = Decimal(lexicon()["fractions"][fold(m.group("frac"))])
        else:
            value = parse_number(m.group("num")) / 100
        if 0 < value <= 1:
            out.append(ShareMatch(m.start(), m.end(), _units(value), m.group()))
    return out


def parse_amount(text: str) -> AmountMatch | None:
    """The first amount written in ``text`` ('près de 3 Mds DH'), or None."""
    found = find_amounts(text)
    return found[0] if found else None


def parse_share(text: str) -> Decimal | None:
    """The first share written in ``text`` ('20 %' -> 0.2, 'un cinquième' -> 0.2), or None."""
    found = find_shares(text)
    return found[0].value if found else None
