"""Which role, amount, share and date of a sentence belong to one fact, without a parse.

Every candidate of the sentence gets a cost: its distance to the fact's mentions (a tenth of it
for a date between them), plus penalties for what it must cross to reach them: the end of a
clause (';', a relative clause 'qui gère un véhicule de 50 millions'), another actor's mention.
The cheapest candidate under the kind's limit wins; predicates that carry no such qualifier
get none (a 'locatedIn' has no amount). Dates have sentence-level cases: a fact stated across
sentences takes its date from the later one; a date opening the sentence ('En 2020, ...') or
given with the announcement ('a annoncé lundi') dates its facts; a dateline dates none; a
founding date ('fondée en 2019') is only a founding's; 'depuis 2019' dates no one-off event.
A deal's amount may come in the next sentence ('L'opération, d'un montant de ...'), a
partnership's only with its agreement ('une convention de 80 millions de dirhams').
Limits and penalties were tuned on the training part of ecosystem-news (gold evidence and
qualifiers), never on its development part.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from kg.extract.qualifiers.dates import find_dates, parse_document_date
from kg.extract.qualifiers.lexicon import SPACE, alternation, lexicon
from kg.extract.qualifiers.numbers import find_amounts, find_shares
from kg.extract.qualifiers.roles import find_roles
from kg.model import Qualifiers

Span = tuple[int, int]

AMOUNT_PREDICATES = frozenset({"funds", "acquires"})
AGREEMENT_PREDICATES = frozenset({"partnerOf"})  # an amount only when it is the agreement's
SHARE_PREDICATES = frozenset({"shareholderOf", "acquires"})
ROLE_PREDICATES = frozenset({"headOf", "worksFor", "memberOf"})
# facts that hold over time rather than happen: a date next to them is rarely theirs
STATIC_PREDICATES = frozenset({"locatedIn", "presentIn", "operates", "partOf", "supervisedBy"})
# facts that happen once: 'depuis 2019' next to them dates some state around them
EVENT_PREDICATES = frozenset({"acquires", "funds", "foundedBy", "launches", "organizes", "authorizes"})


@dataclass(frozen=True)
class Costs:
    """The attachment's tuning: distance limits per kind (characters) and penalties."""

    amount_limit: float = 160
    share_limit: float = 120
    date_limit: float = 80
    static_date_limit: float = 1  # between its two mentions, or right after the place ('à Tanger en 2019')
    lead_date: float = 30  # 'En 2019, la startup lève ...': a date opening the sentence dates what follows
    reported_date: float = 60  # '..., a indiqué jeudi la banque': the news is dated by its announcement
    founding_date: float = 100  # 'X, fondée en 2019, ...': a founding date belongs to the founding fact
    founding_scale: float = 0.1  # ... so a founding fact takes it from further away
    between_scale: float = 0.1  # a date between the fact's two mentions: distance counts a tenth
    since_date: float = 30  # 'depuis 2019' tells how long a state lasts, not when an event happened
    role_limit: float = 90
    clause_end: float = 120  # ';' or ':' between the candidate and the fact
    relative_clause: float = 150  # 'qui ...', 'dont ...' opened between them
    other_mention: float = 20  # another actor's mention between them
    founder_title: float = 30  # 'cofondateur et PDG': the PDG is the head's role
    share_object_bonus: float = 25  # '20 % du capital': a stake, not a growth rate
    share_holder_bonus: float = 40  # 'à 18 % par la MAMDA'


DEFAULT_COSTS = Costs()
_RELATIVE = re.compile(r"(?:,|\(|—|–)\s*(?:qui|dont|où|lequel|laquelle|lesquels|lesquelles)\b", re.IGNORECASE)
_CLAUSE_END = re.compile(r"[;:]|\.\s")
_BY_HOLDER = re.compile(r"\s+(?:du\s+capital\s+)?par\s+(?:la\s+|le\s+|les\s+|l['’]\s*|l['’]\w+\s+|le\s+\w+\s+)?")
_SENTENCE_BREAK = re.compile(r"[.!?…](?=\s)|\n")
_SINCE = re.compile(r"(?i:depuis|dès)\b")
_LEAD_END = re.compile(rf"{SPACE}*(?:[,:]|[-–—]{SPACE})")
_LEAD_WORDS = 6  # 'Le groupe a bouclé son premier rachat en mai : ...'
# the start of a dateline: the city and a comma opening a line ('Agadir, le 3 juin 2024 - ')
_DATELINE_CITY = re.compile(rf"[^\n,.;:]{{1,40}},{SPACE}*")
_DASH_AFTER = re.compile(rf"{SPACE}*(?:\([^)\n]{{1,20}}\){SPACE}*)?[-–—]")
_STAKE_AFTER = re.compile(r"^\s*(?:du|de\s+son|de\s+leur|des)\s+(?:capital|parts|actions|tour|participation)", re.I)


def qualifiers_for(
    predicate: str,
    text: str,
    sentence_start: int,
    sentence_end: int,
    subject_span: Span | None,
    object_span: Span | None,
    document_date: dt.date | str | None = None,
    entity_spans: Sequence[Span] = (),
    role: str | None = None,
    costs: Costs = DEFAULT_COSTS,
) -> Qualifiers | None:
    """The qualifiers of one fact stated in ``text[sentence_start:sentence_end]``; None when it has none.

    Spans are character offsets into ``text`` (either may be None: a pronoun, a mention in another
    sentence); ``entity_spans`` are the other actors' mentions of the sentence, which a qualifier
    of this fact does not reach across; ``role`` is a title the extractor already found, used when
    the sentence shows none; ``document_date`` (ISO text or date) places relative dates.
    """
    if isinstance(document_date, str) or document_date is None:
        document_date = parse_document_date(document_date)
    ends = [s for s in (subject_span, object_span) if s is not None]
    # neither end named in the sentence ('Ce dernier détient 15 %'): the sentence itself is the anchor
    inside = [s for s in ends if s[1] > sentence_start and s[0] < sentence_end] or [(sentence_start, sentence_start)]
    others = [s for s in entity_spans if s not in ends]

    def cost(start: int, end: int) -> float:
        return _cost(text, start, end, inside, others, costs)

    found: dict = {}
    if predicate in AMOUNT_PREDICATES or predicate in AGREEMENT_PREDICATES:
        amounts = find_amounts(text, sentence_start, sentence_end)
        if predicate in AGREEMENT_PREDICATES:
            # a partnership has an amount only as its agreement's: 'une convention de 75 millions de dirhams'
            agreement = _lexicon_pattern("agreement_nouns")
            amounts = [a for a in amounts if agreement.search(text, max(sentence_start, a.start - 40), a.start)]
        best = _best(amounts, cost, costs.amount_limit) or (
            _deal_amount(text, sentence_end) if predicate in AMOUNT_PREDICATES else None
        )
        if best:
            found.update(amount=best.value, currency=best.currency, amount_text=best.text)
    if predicate in SHARE_PREDICATES:

        def share_cost(start: int, end: int) -> float:
            stake = _STAKE_AFTER.match(text[end : end + 30]) is not None
            # 'détenu à 42 % par la CDG, à 18 % par la MAMDA': each share goes to the holder after 'par'
            by = subject_span is not None and _BY_HOLDER.fullmatch(text[end : subject_span[0]]) is not None
            return (
                cost(start, end) - (costs.share_object_bonus if stake else 0) - (costs.share_holder_bonus if by else 0)
            )

        best = _best(find_shares(text, sentence_start, sentence_end), share_cost, costs.share_limit)
        if best:
            found.update(share=best.value, share_text=best.text)
    best = _date(predicate, text, sentence_start, sentence_end, inside, others, document_date, costs)
    if best:
        found.update(date=best.value, date_precision=best.precision, date_text=best.text)
    if predicate in ROLE_PREDICATES:
        found["role"] = _role(text, sentence_start, sentence_end, inside, object_span, others, costs) or role
    qualifiers = Qualifiers(**found)
    return qualifiers if qualifiers else None


def _deal_amount(text: str, sentence_end: int):
    """The amount of the next sentence when it speaks of the deal itself ('L'opération, d'un montant de ...')."""
    opening = _lexicon_pattern("deal_anaphors").match(text, sentence_end)
    if opening is None:
        return None
    stop = _SENTENCE_BREAK.search(text, opening.end())
    amounts = find_amounts(text, opening.end(), stop.start() if stop else len(text))
    return amounts[0] if amounts else None


@cache
def _lexicon_pattern(key: str) -> re.Pattern:
    """The pattern of ``_LEXICON_PATTERNS[key]`` with WORDS the alternation of that lexicon list."""
    return re.compile(_LEXICON_PATTERNS[key].replace("WORDS", alternation(lexicon()[key])))


_LEXICON_PATTERNS = {
    # the next sentence opens on the deal itself
    "deal_anaphors": r"\s*(?i:WORDS)(?!\w)",
    # an agreement noun shortly before an amount
    "agreement_nouns": r"(?<!\w)(?i:WORDS)(?!\w)[^.;:!?]{0,30}\Z",
    # a founding word up to three words before a date ('fondée à Rabat en')
    "founding_words": rf"(?<!\w)(?i:WORDS)(?:{SPACE}+[^\s,;:.()]+){{0,3}}{SPACE}*$",
    # a reporting verb right before a date ('a annoncé lundi')
    "reporting_verbs": rf"(?<!\w)(?i:WORDS){SPACE}*$",
}


def _date(predicate, text, start, end, ends, others, document_date, costs: Costs):
    """The fact's date: the cheapest of the statement's dates, with the sentence-level cases of the module docstring."""
    if len(ends) == 2:
        first, last = sorted(ends)
        breaks = [m.end() for m in _SENTENCE_BREAK.finditer(text, first[1], last[0])]
        if breaks:
            # 'Tawfir a été primée en 2016. Elle a levé en 2022 ... auprès de X': the fact is stated in the
            # later sentence, the earlier one only names the actor
            start, ends = breaks[-1], [last]
    static = predicate in STATIC_PREDICATES
    lead_end = min(e[0] for e in ends)
    founding, reported = _lexicon_pattern("founding_words"), _lexicon_pattern("reporting_verbs")

    def date_cost(begin: int, stop: int) -> float:
        if _is_dateline(text, begin, stop):
            return float("inf")  # 'Agadir, le 3 juin 2024 - ...' dates the article, not its facts
        total = _cost(text, begin, stop, ends, others, costs, between=True)
        before = text[max(start, begin - 40) : begin]
        if founding.search(before):
            return total * costs.founding_scale if predicate == "foundedBy" else total + costs.founding_date
        if predicate in EVENT_PREDICATES and _SINCE.match(text, begin):
            total += costs.since_date
        if not static:
            if _opens_sentence(text, start, begin, stop, lead_end, others):
                total = min(total, costs.lead_date)
            if reported.search(before):
                total = min(total, costs.reported_date)
        return total

    limit = costs.static_date_limit if static else costs.date_limit
    return _best(find_dates(text, document_date, start, end), date_cost, limit)


def _is_dateline(text: str, begin: int, stop: int) -> bool:
    line_start = text.rfind("\n", 0, begin) + 1
    return _DATELINE_CITY.fullmatch(text, line_start, begin) is not None and _DASH_AFTER.match(text, stop) is not None


def _opens_sentence(text: str, start: int, date_start: int, date_end: int, lead_end: int, others) -> bool:
    """Whether a date opens the sentence ('En 2019, ...', 'Le virage arrive en 2017 : ...') before the fact."""
    stop = _LEAD_END.match(text, date_end)
    if stop is None or stop.end() > lead_end or len(text[start:date_start].split()) > _LEAD_WORDS:
        return False
    return not any(start <= s[0] < date_end for s in others)


def _best(candidates, cost, limit: float):
    scored = sorted(((cost(c.start, c.end), n, c) for n, c in enumerate(candidates)), key=lambda t: t[:2])
    return scored[0][2] if scored and scored[0][0] <= limit else None


def _cost(
    text: str,
    start: int,
    end: int,
    ends: Sequence[Span],
    others: Sequence[Span],
    costs: Costs,
    inner: bool = True,
    between: bool = False,
) -> float:
    """The cheapest way from a candidate to one of the fact's mentions (see the module docstring).

    With ``between``, a candidate lying between the two mentions pays the penalties and a tenth of the distance
    (``costs.between_scale``).
    """
    inside = between and len(ends) == 2 and min(e[1] for e in ends) <= start and end <= max(e[0] for e in ends)
    per_char = costs.between_scale if inside else 1.0
    return min((_gap_cost(text, start, end, e, others, costs, inner, per_char) for e in ends), default=float("inf"))


def _gap_cost(
    text: str, start: int, end: int, anchor: Span, others, costs: Costs, inner: bool, per_char: float = 1.0
) -> float:
    if end <= anchor[0]:
        gap_start, gap_end = end, anchor[0]
    elif start >= anchor[1]:
        gap_start, gap_end = anchor[1], start
    else:
        return 0.0
    gap = text[gap_start:gap_end]
    total = per_char * len(gap)
    if _CLAUSE_END.search(gap):
        total += costs.clause_end
    # a relative clause opened right after the fact's own mention speaks of it ('X, qui accorde un prêt de ...');
    # one opened after another actor's mention speaks of that actor
    relatives = [m for m in _RELATIVE.finditer(gap) if not (gap_start == anchor[1] and m.start() == 0)]
    if inner and relatives:
        total += costs.relative_clause
    total += costs.other_mention * sum(1 for s in others if s[0] >= gap_start and s[1] <= gap_end)
    return total


def _role(text, sentence_start, sentence_end, ends, object_span, others, costs: Costs) -> str | None:
    """The title nearest the fact, not reaching across another actor, stopping where the organisation starts."""
    if not ends:
        return None
    stops = tuple(s[0] for s in (object_span, *others) if s is not None)
    candidates = [
        r
        for r in find_roles(text, sentence_start, sentence_end, stops)
        if not any(r.start < s[1] and r.end > s[0] for s in ends)
    ]

    founders = {(r.start, r.end) for r in candidates if r.founder}

    def role_cost(start: int, end: int) -> float:
        # 'X, dont la directrice, Y': a title inside the relative clause between them is theirs
        total = _cost(text, start, end, ends, others, costs, inner=False)
        return total + (costs.founder_title if (start, end) in founders else 0)

    best = _best(candidates, role_cost, costs.role_limit)
    return best.text if best else None
