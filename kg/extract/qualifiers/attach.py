"""Which role, amount, share and date of a sentence belong to one fact, without a parse.

Every candidate of the sentence gets a cost: none when it lies between the fact's two mentions,
else its distance to them, plus penalties for what it must cross to reach them: the end of a
clause (';', a relative clause 'qui gère un véhicule de 50 millions'), another actor's mention.
The cheapest candidate under the kind's limit wins; predicates that carry no such qualifier
get none (a 'locatedIn' has no amount). Limits and penalties were tuned on the training part of
ecosystem-news (gold evidence and qualifiers), never on its development part.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from kg.extract.qualifiers.dates import find_dates, parse_document_date
from kg.extract.qualifiers.numbers import find_amounts, find_shares
from kg.extract.qualifiers.roles import find_roles
from kg.model import Qualifiers

Span = tuple[int, int]

AMOUNT_PREDICATES = frozenset({"funds", "acquires"})
SHARE_PREDICATES = frozenset({"shareholderOf", "acquires"})
ROLE_PREDICATES = frozenset({"headOf", "worksFor", "memberOf"})
# facts that hold over time rather than happen: a date next to them is rarely theirs
STATIC_PREDICATES = frozenset({"locatedIn", "presentIn", "operates", "partOf", "supervisedBy"})


@dataclass(frozen=True)
class Costs:
    """The attachment's tuning: distance limits per kind (characters) and penalties."""

    amount_limit: float = 160
    share_limit: float = 120
    date_limit: float = 80
    static_date_limit: float = 0  # only between its two mentions
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
    if predicate in AMOUNT_PREDICATES:
        best = _best(find_amounts(text, sentence_start, sentence_end), cost, costs.amount_limit)
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
    limit = costs.static_date_limit if predicate in STATIC_PREDICATES else costs.date_limit
    best = _best(find_dates(text, document_date, sentence_start, sentence_end), cost, limit)
    if best:
        found.update(date=best.value, date_precision=best.precision, date_text=best.text)
    if predicate in ROLE_PREDICATES:
        found["role"] = _role(text, sentence_start, sentence_end, inside, object_span, others, costs) or role
    qualifiers = Qualifiers(**found)
    return qualifiers if qualifiers else None


def _best(candidates, cost, limit: float):
    scored = sorted(((cost(c.start, c.end), n, c) for n, c in enumerate(candidates)), key=lambda t: t[:2])
    return scored[0][2] if scored and scored[0][0] <= limit else None


def _cost(
    text: str, start: int, end: int, ends: Sequence[Span], others: Sequence[Span], costs: Costs, inner: bool = True
) -> float:
    """The cheapest way from a candidate to one of the fact's mentions (see the module docstring)."""
    return min((_gap_cost(text, start, end, e, others, costs, inner) for e in ends), default=float("inf"))


def _gap_cost(text: str, start: int, end: int, anchor: Span, others, costs: Costs, inner: bool) -> float:
    if end <= anchor[0]:
        gap_start, gap_end = end, anchor[0]
    elif start >= anchor[1]:
        gap_start, gap_end = anchor[1], start
    else:
        return 0.0
    gap = text[gap_start:gap_end]
    total = float(len(gap))
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
