"""The data model that flows between stages: plain frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field


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
