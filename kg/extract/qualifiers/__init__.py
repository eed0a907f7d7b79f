"""Qualifiers of a fact: the role, amount, currency, share and date the sentence gives it.

One call for any extractor: :func:`qualifiers_for` (see :mod:`.attach`); the parsers
(:func:`find_amounts`, :func:`find_shares`, :func:`find_dates`, :func:`find_roles`) also work alone.
Lexicons are in ``kg/data/qualifiers.json``.
"""

from kg.extract.qualifiers.attach import Costs, qualifiers_for
from kg.extract.qualifiers.dates import DateMatch, find_dates, parse_date, parse_document_date
from kg.extract.qualifiers.numbers import (
    AmountMatch,
    ShareMatch,
    currency_code,
    find_amounts,
    find_shares,
    parse_amount,
    parse_number,
    parse_share,
)
from kg.extract.qualifiers.roles import RoleMatch, find_roles, normalise_role

__all__ = [
    "AmountMatch",
    "Costs",
    "DateMatch",
    "RoleMatch",
    "ShareMatch",
    "currency_code",
    "find_amounts",
    "find_dates",
    "find_roles",
    "find_shares",
    "normalise_role",
    "parse_amount",
    "parse_date",
    "parse_document_date",
    "parse_number",
    "parse_share",
    "qualifiers_for",
]
