"""The data model that flows between stages: plain frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Segment:
    """A stretch of a document processed on its own (a headline or the body)."""

    start: int
    end: int
    kind: str = "body"  # "headline" or "body"


@dataclass(frozen=True)
class Document:
    """One input article, as read from disk."""

    doc_id: str
    source: str
    text: str
    title: str | None = None
    segments: tuple[Segment, ...] = ()
    metadata: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Mention:
    """A named actor as it appears in one document."""

    doc_id: str
    start: int
    end: int
    text: str
    cls: str
    source: str = "ner"  # ner, gazetteer, acronym, rule
    sentence: int = 0
    expansion: str | None = None  # the long form of an acronym, when given in the text
    gazetteer_id: str | None = None


# a date's precision -> its XML Schema datatype (local name in xsd:)
DATE_DATATYPES = {"day": "date", "month": "gYearMonth", "year": "gYear"}


@dataclass(frozen=True)
class Qualifiers:
    """What a claim says beyond its two ends: the role, the amount, the share, the date, as found and as written."""

    role: str | None = None
    amount: Decimal | None = None  # in units: '7,5 millions de dollars' -> 7500000
    currency: str | None = None  # ISO 4217 code
    amount_text: str | None = None
    share: Decimal | None = None  # in [0, 1]
    share_text: str | None = None
    date: str | None = None  # ISO: '2024-03-18', '2024-03' or '2024'
    date_precision: str | None = None  # day, month or year
    date_text: str | None = None

    @property
    def date_datatype(self) -> str | None:
        """The XML Schema datatype of ``date`` (local name): date, gYearMonth or gYear."""
        return DATE_DATATYPES.get(self.date_precision or "")

    def __bool__(self) -> bool:
        return any(v is not None for v in (self.role, self.amount, self.currency, self.share, self.date))


@dataclass(frozen=True)
class Claim:
    """A relation stated by one sentence of one document, between two mentions."""

    subject: Mention
    predicate: str
    object: Mention
    doc_id: str
    sentence: str
    sentence_start: int
    sentence_end: int
    rule: str
    confidence: float
    role: str | None = None
    qualifiers: Qualifiers | None = None


@dataclass(frozen=True)
class Entity:
    """One real-world actor after resolution across mentions and documents."""

    entity_id: str
    label: str
    cls: str
    aliases: tuple[str, ...] = ()
    mention_count: int = 0
    doc_ids: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Fact:
    """A resolved claim: entity ids instead of mentions, evidence kept."""

    subject: str
    predicate: str
    object: str
    claim: Claim


@dataclass(frozen=True)
class DocumentAnalysis:
    """What the NLP and extraction stages found in one document."""

    document: Document
    sentence_count: int
    mentions: tuple[Mention, ...]
    claims: tuple[Claim, ...]
