"""The extractor a build uses: the trained relation classifier, with the hand-written rules as its features.

Each rule that fires on a pair becomes a feature of that pair, so the classifier learns how far to trust
it; the rule's name stays in the provenance (``ekg:rule`` = ``model:relations+RULE``) and its role title
is kept. A rule whose precision on the training documents is high (``trusted_rules`` of the model) states its
fact even where the model does not (``ekg:rule`` = ``rule:RULE``, confidence = that precision).
Site names ("Technopark de Rabat" part of "Technopark") come from :mod:`kg.extract.sites`.
"""

from __future__ import annotations

from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.relation_model import RelationModel, label_name
from kg.extract.relations import RawRelation, RelationExtractor
from kg.extract.sites import site_relations
from kg.vocab import SYMMETRIC_PREDICATES

MODEL_RULE = "model:relations"


def rule_hit_index(raw_relations: list[RawRelation]) -> dict[tuple[int, int, int, int], list[str]]:
    """Rule relations keyed by (first mention, second mention) in text order, labelled like the model's."""
    hits: dict[tuple[int, int, int, int], list[str]] = {}
    for r in raw_relations:
        s, o = r.subject, r.object
        symmetric = r.predicate in SYMMETRIC_PREDICATES
        if s.start <= o.start:
            key, label = (s.start, s.end, o.start, o.end), label_name(r.predicate, True, symmetric)
        else:
            key, label = (o.start, o.end, s.start, s.end), label_name(r.predicate, False, symmetric)
        hits.setdefault(key, []).append(label)
    return hits


class LearnedExtractor:
    """``extract(doc)``: relations of a parsed doc whose ``doc.ents`` carry the ontology's classes."""

    def __init__(self, nlp: Language, model_folder: Path | None = None):
        from kg.models import model_dir

        self.rules = RelationExtractor(nlp)
        self.model = RelationModel.load(model_dir(model_folder))

    def extract(self, doc: Doc) -> list[RawRelation]:
        fired = self.rules.extract(doc)
        by_fact = {(r.subject.start, r.predicate, r.object.start): r for r in fired}
        if any(r.predicate in SYMMETRIC_PREDICATES for r in fired):
            by_fact.update({(r.object.start, r.predicate, r.subject.start): r for r in fired
                            if r.predicate in SYMMETRIC_PREDICATES})  # fmt: skip
        out = []
        for pair in self.model.predict(doc, list(doc.ents), rule_hit_index(fired)):
            rule = by_fact.get((pair.subject.start, pair.predicate, pair.object.start))
            name = MODEL_RULE + (f"+{rule.rule}" if rule else "") + ("+anaphor" if pair.via_anaphor else "")
            out.append(
                RawRelation(
                    pair.subject, pair.predicate, pair.object, name, pair.probability, rule.role if rule else None
                )
            )
        stated = {(r.subject.start, r.predicate, r.object.start) for r in out}
        stated |= {(o, p, s) for s, p, o in stated if p in SYMMETRIC_PREDICATES}
        for r in fired:  # a rule precise on the training documents states its fact even where the model does not
            precision = self.model.trusted_rules.get(r.rule)
            if precision is not None and (r.subject.start, r.predicate, r.object.start) not in stated:
                out.append(RawRelation(r.subject, r.predicate, r.object, f"rule:{r.rule}", precision, r.role))
                stated.add((r.subject.start, r.predicate, r.object.start))
        return out + site_relations(doc)
