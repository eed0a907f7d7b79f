"""French dates as precise as the text allows: xsd:date, xsd:gYearMonth or xsd:gYear.

Relative forms ('lundi', 'le 2 mai dernier', 'en mars', 'l'an dernier', 'cette année') are resolved
against the document's date, to the latest such day, month or year not after it, or to the next one when
the clause looks ahead ('se tiendra les 8 et 9 octobre', 'lancera en avril', 'en mars prochain'); without a
document date they are left out (a date that cannot be placed is no date).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache

from kg.extract.qualifiers.lexicon import SPACE, alternation, fold, lexicon
from kg.model import DATE_DATATYPES

PRECISIONS = ("day", "month", "year")


@dataclass(frozen=True)
class DateMatch:
    """A date written in a text: offsets, ISO value ('2024-03-18', '2024-03', '2024'), its precision."""

    start: int
    end: int
    value: str
    precision: str  # day, month or year
    text: str
    relative: bool = False

    @property
    def datatype(self) -> str:
        return DATE_DATATYPES[self.precision]


def parse_document_date(value: str | None) -> dt.date | None:
    """The date of a document's ``date`` metadata (ISO date or date-time), None when absent or unreadable."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


@cache
def _pattern() -> re.Pattern:
    lex = lexicon()
    month = alternation(lex["months"])
    weekday = alternation(lex["weekdays"])
    rel_year = alternation(lex["relative_years"])
    rel_month = alternation(lex["relative_months"])
    rel_day = alternation(lex["relative_days"])
    s = SPACE + "+"
    day = r"(?P<day>\d{1,2})(?:er)?"
    # 'les 22 et 23 mai', 'du 18 au 20 octobre': the first day is the fact's date
    day_range = rf"(?:{s}(?:et|au|-|à){s}\d{{1,2}}(?:er)?)?"
    year = r"(?P<year>(?:1[89]|20)\d{2})(?!\d)"
    parts = [
        r"(?P<iso>(?:19|20)\d{2}-[01]\d-[0-3]\d)(?!\d)",
        r"(?P<dmy>[0-3]?\d/[01]?\d/(?:19|20)\d{2})(?!\d)",
        rf"(?:(?P<wd1>{weekday}){s})?{day}{day_range}{s}(?P<month>{month})(?:{s}{year}|{s}(?P<last1>dernier|prochain))?",
        rf"(?:(?P<part>début|fin|courant|au{s}début{s}de|à{s}la{s}fin{s}de){s}|mi-)?(?P<month2>{month})(?:{s}(?P<year2>(?:1[89]|20)\d{{2}})(?!\d)|{s}(?P<last2>dernier|prochain))?",
        rf"(?P<weekday>{weekday})(?:{s}(?P<last3>dernier|prochain))?",
        rf"(?P<relyear>{rel_year})",
        rf"(?P<relmonth>{rel_month})",
        rf"(?P<relday>{rel_day})",
        rf"(?:(?:en|dès|depuis|début|fin|de|courant|à{s}partir{s}de|au{s}cours{s}de|l'année){s}|mi-)"
        rf"(?P<year3>(?:1[89]|20)\d{{2}})(?!\d)",
        # 'au premier trimestre 2024', 'au second semestre', 'T1 2024', 'au printemps dernier': as precise as the year
        rf"(?:(?P<period>{alternation(lex['period_ordinals'])}){s}(?P<unit>trimestre|semestre)"
        rf"|(?P<quarter>[TS][1-4])(?={s}(?:1[89]|20)\d{{2}})"
        rf"|(?P<season>{alternation(lex['seasons'])}))"
        rf"(?:{s}(?P<year4>(?:1[89]|20)\d{{2}})(?!\d)|{s}(?P<last4>dernier|passé|prochain))?",
        # 'cette année-là', 'la même année': the year written last before it
        rf"(?P<sameyear>{alternation(lex['anaphoric_years'])})",
    ]
    return re.compile(r"(?<!\w)(?i:" + "|".join(f"(?:{p})" for p in parts) + r")(?![\w-])")


def _prefix_start(text: str, start: int) -> int:
    """Include a leading 'le', 'les', 'du', 'en', 'ce', 'depuis', 'en date du' in the written form."""
    m = re.search(
        rf"(?i:(?:en{SPACE}+date{SPACE}+du|depuis{SPACE}+le|le|les|du|au|en|ce|cette|depuis|dès|début|fin|jusqu'en){SPACE}+)$",
        text[max(0, start - 16) : start],
    )
    return start - len(m.group()) if m else start


def find_dates(
    text: str, document_date: dt.date | None = None, start: int = 0, end: int | None = None
) -> list[DateMatch]:
    """Every date written in ``text[start:end]`` that can be placed in time (offsets into ``text``)."""
    end = len(text) if end is None else end
    out = []
    for m in _pattern().finditer(text, start, end):
        if m.group("sameyear"):
            found = _year_before(text, m.start())
        else:
            found = _resolve(m, document_date, _future_context(text, m.start(), m.end()))
        if found is None:
            continue
        value, precision, relative = found
        begin = _prefix_start(text, m.start()) if not m.group("year3") else m.start()
        begin = max(begin, start)
        out.append(DateMatch(begin, m.end(), value, precision, text[begin : m.end()], relative))
    return out


def parse_date(text: str, document_date: dt.date | str | None = None) -> DateMatch | None:
    """The first date written in ``text`` ('en mars dernier', 'le 2 mai 2024'), or None."""
    if isinstance(document_date, str):
        document_date = parse_document_date(document_date)
    found = find_dates(text, document_date)
    return found[0] if found else None


def _month(name: str) -> int:
    return lexicon()["months"][fold(name)]


# a verb in the future or the conditional ('lancera', 'se tiendra', 'ouvrirons', 'va signer', 'devrait'), 'prévu'
_FUTURE = re.compile(
    r"(?<![\w-])(?:[a-zàâçéèêëîïôûù]{2,}(?:era|erai|eras|erons|erez|eront|ira|irai|iras|irons|irez|iront|dra|drai|drons|dront)"
    r"|sera|seront|aura|auront|devrait|devraient|(?:va|vont){s}+[a-zéè]+(?:er|ir|re)|prévue?s?|programmée?s?|d['’]ici)"
    r"(?![\w-])".replace("{s}", SPACE)
)
_CLAUSE_BEFORE = re.compile(r"[.;!?\n]")
_CLAUSE_AFTER = re.compile(r"[,.;:!?\n]")


def _future_context(text: str, start: int, end: int) -> bool:
    """Whether the clause around a date looks ahead ('la banque lancera en avril', 'se tiendra les 8 et 9 octobre')."""
    before = text[max(0, start - 60) : start]
    cut = [m.end() for m in _CLAUSE_BEFORE.finditer(before)]
    before = before[cut[-1] :] if cut else before
    after = text[end : end + 30]
    stop = _CLAUSE_AFTER.search(after)
    after = after[: stop.start()] if stop else after
    return _FUTURE.search(before) is not None or _FUTURE.search(after) is not None


def _resolve(m: re.Match, ref: dt.date | None, future: bool = False) -> tuple[str, str, bool] | None:
    """The value, precision and relativeness of a date; relative ones are the latest before ``ref``, or the
    next one after it when the clause looks ahead (``future``) or says 'prochain'."""
    g = m.groupdict()
    lex = lexicon()
    ahead = {k: future or fold(g[k] or "") == "prochain" for k in ("last1", "last2", "last3", "last4")}
    last = {k: fold(g[k] or "") in ("dernier", "passé") for k in ("last1", "last2", "last3", "last4")}
    if any(last.values()):
        ahead = dict.fromkeys(ahead, False)
    if g["iso"]:
        return _checked_day(*map(int, g["iso"].split("-")))
    if g["dmy"]:
        d, mo, y = map(int, g["dmy"].split("/"))
        return _checked_day(y, mo, d)
    if g["day"]:
        day, month = int(g["day"]), _month(g["month"])
        if g["year"]:
            return _checked_day(int(g["year"]), month, day)
        if ref is None:
            return None
        if ahead["last1"]:
            year = ref.year if (month, day) >= (ref.month, ref.day) else ref.year + 1
        else:
            year = ref.year if (month, day) <= (ref.month, ref.day) else ref.year - 1
            if last["last1"] and (month, day) == (ref.month, ref.day):
                year -= 1
        found = _checked_day(year, month, day)
        return (found[0], found[1], True) if found else None
    if g["month2"]:
        month = _month(g["month2"])
        if g["year2"]:
            return f"{int(g['year2']):04d}-{month:02d}", "month", False
        if ref is None:
            return None
        # 'en mars' in an article of May is this year's March; 'en mars dernier' in March is last year's;
        # 'lancera en mars' in May is next year's
        if ahead["last2"]:
            return f"{ref.year if month >= ref.month else ref.year + 1:04d}-{month:02d}", "month", True
        past = month < ref.month if last["last2"] else month <= ref.month
        return f"{ref.year if past else ref.year - 1:04d}-{month:02d}", "month", True
    if g["weekday"]:
        if ref is None:
            return None
        weekday = lex["weekdays"][fold(g["weekday"])]
        if ahead["last3"]:
            forward = (weekday - ref.weekday()) % 7 or (7 if fold(g["last3"] or "") == "prochain" else 0)
            return (ref + dt.timedelta(days=forward)).isoformat(), "day", True
        back = (ref.weekday() - weekday) % 7
        if last["last3"] and back == 0:
            back = 7
        return (ref - dt.timedelta(days=back)).isoformat(), "day", True
    if g["relyear"]:
        if ref is None:
            return None
        return f"{ref.year + lex['relative_years'][fold(g['relyear'])]:04d}", "year", True
    if g["relmonth"]:
        if ref is None:
            return None
        index = ref.year * 12 + ref.month - 1 + lex["relative_months"][fold(g["relmonth"])]
        return f"{index // 12:04d}-{index % 12 + 1:02d}", "month", True
    if g["relday"]:
        if ref is None:
            return None
        return (ref + dt.timedelta(days=lex["relative_days"][fold(g["relday"])])).isoformat(), "day", True
    if g["year3"]:
        return f"{int(g['year3']):04d}", "year", False
    if g["period"] or g["quarter"] or g["season"]:
        return _period(g, ref, ahead["last4"], last["last4"])
    return None


def _period(g: dict, ref: dt.date | None, ahead: bool, last: bool) -> tuple[str, str, bool] | None:
    """A quarter, half-year or season, to its year: written, or the latest one begun by the document's date."""
    if g["year4"]:
        return f"{int(g['year4']):04d}", "year", False
    if g["quarter"]:
        return None  # 'T1' alone is not placed in time
    if ref is None:
        return None
    lex = lexicon()
    if g["season"]:
        first_month = lex["seasons"][fold(g["season"])]
    else:
        size = 3 if fold(g["unit"]) == "trimestre" else 6
        first_month = (lex["period_ordinals"][fold(g["period"])] - 1) * size + 1
    if ahead:
        return f"{ref.year if first_month >= ref.month else ref.year + 1:04d}", "year", True
    begun = first_month < ref.month if last else first_month <= ref.month
    return f"{ref.year if begun else ref.year - 1:04d}", "year", True


def _year_before(text: str, start: int) -> tuple[str, str, bool] | None:
    """The year of the last dated phrase written before ``start`` ('En 2014, ... cette année-là'), if any."""
    years = [
        m.group("year") or m.group("year2") or m.group("year3") or m.group("year4") or m.group("iso") or m.group("dmy")
        for m in _pattern().finditer(text, 0, start)
    ]
    years = [y for y in years if y]
    if not years:
        return None
    found = re.search(r"(?:1[89]|20)\d{2}", years[-1])
    return (found.group(), "year", True) if found else None


def _checked_day(year: int, month: int, day: int) -> tuple[str, str, bool] | None:
    try:
        return dt.date(year, month, day).isoformat(), "day", False
    except ValueError:
        return None


def truncate(value: str, precision: str) -> str:
    """An ISO date cut to a coarser precision ('2024-03-18', 'month' -> '2024-03')."""
    return value[: {"day": 10, "month": 7, "year": 4}[precision]]
