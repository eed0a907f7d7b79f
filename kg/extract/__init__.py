"""Extraction stage: parsed segments of a document -> mentions and claims with evidence."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.extract.learned import LearnedExtractor
from kg.extract.qualifiers import parse_document_date, qualifiers_for
from kg.extract.relations import RawRelation, RelationExtractor
from kg.model import Claim, Document, DocumentAnalysis, Mention
from kg.nlp import prepare_text
from kg.nlp.acronyms import LONG_KEY, SHORT_KEY

__all__ = ["analyse_documents", "LearnedExtractor", "RelationExtractor", "mentions_and_claims"]


def analyse_documents(
    documents: Iterable[Document],
    nlp: Language,
    extractor: LearnedExtractor | RelationExtractor | None = None,
    batch_size: int = 32,
    n_process: int = 1,
) -> Iterator[DocumentAnalysis]:
    """Run spaCy once over every segment (``nlp.pipe``) and yield one analysis per document."""
    extractor = extractor or LearnedExtractor(nlp)
    pending: dict[int, tuple[Document, list]] = {}

    def segments():
        for n, document in enumerate(documents):
            pending[n] = (document, [])
            if not document.segments:
                yield "", (n, -1, len(document.segments))
            for k, seg in enumerate(document.segments):
                yield prepare_text(document.text[seg.start : seg.end]), (n, k, len(document.segments))

    for doc, (n, k, total) in nlp.pipe(segments(), as_tuples=True, batch_size=batch_size, n_process=n_process):
        document, parsed = pending[n]
        if k >= 0:
            parsed.append(doc)
        if k == total - 1 or k < 0:
            del pending[n]
            yield mentions_and_claims(document, parsed, extractor)


def ents_within(ents: tuple[Span, ...], span: Span) -> list[Span]:
    """``span.ents`` from the doc's entities ``ents`` (in order): those from the span's start on, up to the
    first one that ends past it."""
    out = []
    for ent in ents:
        if ent.start >= span.start:
            if ent.end > span.end:
                break
            out.append(ent)
    return out


def mentions_and_claims(
    document: Document, parsed: list[Doc], extractor: LearnedExtractor | RelationExtractor
) -> DocumentAnalysis:
    """Mentions and claims of one document from its parsed segments (in segment order)."""
    mentions: list[Mention] = []
    claims: list[Claim] = []
    sentence_base = 0
    document_date = parse_document_date(dict(document.metadata).get("date"))
    for seg, doc in zip(document.segments, parsed):
        sents = list(doc.sents)
        sent_index = {s.start: sentence_base + i for i, s in enumerate(sents)}
        expansions = {
            (s.start, s.end): lf.text for s, lf in zip(doc.spans.get(SHORT_KEY, []), doc.spans.get(LONG_KEY, []))
        }
        by_span: dict[tuple[int, int], Mention] = {}

        def mention_of(span: Span, source: str = "ner") -> Mention:
            key = (span.start, span.end)
            if key not in by_span:
                start, end = seg.start + span.start_char, seg.start + span.end_char
                by_span[key] = Mention(
                    doc_id=document.doc_id,
                    start=start,
                    end=end,
                    text=document.text[start:end],
                    cls=span.label_,
                    source="gazetteer" if span.id_ else source,
                    sentence=sent_index[span.sent.start],
                    expansion=expansions.get(key),
                    gazetteer_id=span.id_ or None,
                )
            return by_span[key]

        raw: list[RawRelation] = extractor.extract(doc)
        ents = doc.ents  # once: the getter builds every entity Span again on each call (as Span.ents does)
        # a rule that retyped an unknown name (see relations.coerce_class) decides its class
        retyped = {(r_span.start, r_span.end): r_span.label_ for r in raw for r_span in (r.subject, r.object)}
        for ent in ents:
            label = retyped.get((ent.start, ent.end), ent.label_)
            mentions.append(mention_of(ent if label == ent.label_ else Span(doc, ent.start, ent.end, label=label)))
        for rel in raw:
            for span in (rel.subject, rel.object):
                if (span.start, span.end) not in by_span:
                    mentions.append(mention_of(span, source="rule"))
            # the evidence is the passage from the first mention's sentence to the last one's
            first, last = sorted((rel.subject, rel.object), key=lambda s: s.start)
            s_start, s_end = seg.start + first.sent.start_char, seg.start + last.sent.end_char
            subject, obj = mention_of(rel.subject), mention_of(rel.object)
            others = [(seg.start + e.start_char, seg.start + e.end_char) for e in ents_within(ents, first.sent)]
            qualifiers = qualifiers_for(
                rel.predicate,
                document.text,
                s_start,
                s_end,
                (subject.start, subject.end),
                (obj.start, obj.end),
                document_date,
                entity_spans=others,
                role=rel.role,
            )
            claims.append(
                Claim(
                    subject=subject,
                    predicate=rel.predicate,
                    object=obj,
                    doc_id=document.doc_id,
                    sentence=document.text[s_start:s_end],
                    sentence_start=s_start,
                    sentence_end=s_end,
                    rule=rel.rule,
                    confidence=round(rel.confidence, 3),
                    role=qualifiers.role if qualifiers and qualifiers.role else rel.role,
                    qualifiers=qualifiers,
                )
            )
        sentence_base += len(sents)
    return DocumentAnalysis(document, sentence_base, tuple(mentions), tuple(claims))
