"""The trained relation classifier: candidate pairs -> facts with calibrated probabilities.

One logistic model per label (a predicate and its direction in text order; ``partnerOf`` has one label),
over the string features of :mod:`kg.extract.relation_features`, stored as a feature list and a float16
weight matrix (``relations.npz``). Scoring is a sparse dot product in numpy: no training library is
needed to run it. The pairs' scores then vote for facts, which the second stage
(:mod:`kg.extract.fact_scorer`) scores one by one; those scores are mapped through an isotonic calibration
fitted on the training documents' facts scored out of fold, so ``confidence`` 0.8 means that about 80% of
such facts were right on text the model had not seen.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path

import numpy as np
from spacy.tokens import Doc, Span

from kg.extract.fact_scorer import FactScorer, PairVote, collect_votes, fact_features
from kg.extract.relation_features import Candidate, candidates
from kg.vocab import SYMMETRIC_PREDICATES

# at most one of these per pair of actors: the likeliest wins
EXCLUSIVE_GROUPS = (frozenset({"headOf", "worksFor", "memberOf"}), frozenset({"locatedIn", "presentIn"}))
SYMMETRIC_LABEL = "="


def label_name(predicate: str, subject_first: bool, symmetric: bool) -> str:
    return predicate + (SYMMETRIC_LABEL if symmetric else ">" if subject_first else "<")


def parse_label(label: str) -> tuple[str, bool]:
    """(predicate, whether the first unit in text order is the subject)."""
    return label[:-1], label[-1] != "<"


@dataclass(frozen=True)
class ScoredPair:
    subject: Span
    object: Span
    predicate: str
    probability: float  # calibrated
    via_anaphor: bool


class RelationModel:
    """Weights, labels and calibration of one trained relation classifier (``relations.npz``)."""

    def __init__(
        self,
        features: list[str],
        labels: list[str],
        weights: np.ndarray,
        bias: np.ndarray,
        calibration: tuple[np.ndarray, np.ndarray],
        threshold: float,
        allowed: set[tuple[str, str]],
    ):
        self.index = {f: i for i, f in enumerate(features)}
        self.labels = labels
        self.parsed_labels = [parse_label(label) for label in labels]  # (predicate, first is subject)
        self.weights = weights.astype(np.float32)  # (features, labels)
        self.bias = bias.astype(np.float32)
        self.calibration = calibration
        self.threshold = threshold
        self.allowed = allowed
        self.trusted_rules: dict[str, float] = {}  # rule name -> its precision on the training documents
        self.fact_scorer = FactScorer()  # the second stage (:mod:`kg.extract.fact_scorer`)

    @classmethod
    def load(cls, folder: Path) -> RelationModel:
        with np.load(folder / "relations.npz", allow_pickle=False) as data:
            weights, bias = data["weights"], data["bias"]
            cal_x, cal_y = data["calibration_x"], data["calibration_y"]
        spec = json.loads((folder / "relations.json").read_text(encoding="utf-8"))
        model = cls(
            spec["features"],
            spec["labels"],
            weights,
            bias,
            (cal_x, cal_y),
            spec["threshold"],
            {tuple(p) for p in spec["allowed_class_pairs"]},
        )
        model.trusted_rules = spec.get("trusted_rules", {})
        model.fact_scorer = FactScorer.from_json(spec.get("fact_scorer"))
        return model

    def save(self, folder: Path) -> None:
        np.savez_compressed(
            folder / "relations.npz",
            weights=self.weights.astype(np.float16),
            bias=self.bias,
            calibration_x=self.calibration[0],
            calibration_y=self.calibration[1],
        )
        spec = {
            "labels": self.labels,
            "threshold": self.threshold,
            "trusted_rules": self.trusted_rules,
            "fact_scorer": self.fact_scorer.to_json(),
            "allowed_class_pairs": sorted(self.allowed),
            "features": sorted(self.index, key=self.index.__getitem__),
        }
        (folder / "relations.json").write_text(json.dumps(spec, ensure_ascii=False) + "\n", encoding="utf-8")

    def raw_probabilities(self, cands: list[Candidate]) -> np.ndarray:
        """(candidates, labels) probabilities before calibration."""
        from scipy.sparse import csr_matrix

        # one C-level lookup pass over every feature of every pair (a Python loop per pair cost as much as
        # computing the features); a feature a pair names twice counts once
        features = [f for c in cands for f in c.features]
        cols = np.fromiter(map(self.index.get, features, repeat(-1)), dtype=np.int64, count=len(features))
        rows = np.repeat(np.arange(len(cands)), [len(c.features) for c in cands])
        known = cols >= 0
        x = csr_matrix(
            (np.ones(int(known.sum()), dtype=np.float32), (rows[known], cols[known])),
            shape=(len(cands), len(self.index)),
        )
        x.sum_duplicates()
        x.data[:] = 1.0
        scores = x @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-scores))

    def calibrate(self, p: np.ndarray) -> np.ndarray:
        x, y = self.calibration
        return np.interp(p, x, y) if len(x) else p

    def fact_scores(self, votes: list[PairVote], raw: np.ndarray) -> tuple[dict, list, list, np.ndarray]:
        """(fact key -> votes, the keys, their second-stage features, their scores before calibration)."""
        facts = collect_votes(votes, raw, self.parsed_labels)
        keys = list(facts)
        features = fact_features(facts, votes, self.fact_scorer.reads_conjunctions)
        rows = [features[k] for k in keys]
        return facts, keys, rows, self.fact_scorer.score(rows, [facts[k].probabilities[0] for k in keys])

    def predict(self, doc: Doc, mentions: list[Span], rule_hits=None) -> list[ScoredPair]:
        cands = candidates(doc, mentions, self.allowed, rule_hits)
        if not cands:
            return []
        actor = actor_keys(doc, mentions)
        cands = [c for c in cands if actor[_span(c.first.mention)] != actor[_span(c.second.mention)]]  # one actor
        if not cands:
            return []
        votes = [pair_vote(c, actor[_span(c.first.mention)], actor[_span(c.second.mention)]) for c in cands]
        facts, keys, _, scores = self.fact_scores(votes, self.raw_probabilities(cands))
        out = []
        for key, p in zip(keys, self.calibrate(scores)):
            if p < self.threshold:
                continue
            v = facts[key]
            c = cands[v.pairs[0]]  # the fact's strongest pair gives its evidence
            first_is_subject = v.predicate in SYMMETRIC_PREDICATES or votes[v.pairs[0]].first == v.subject
            s, o = (c.first, c.second) if first_is_subject else (c.second, c.first)
            via_anaphor = bool(c.first.anaphor or c.second.anaphor)
            out.append(ScoredPair(s.mention, o.mention, v.predicate, float(p), via_anaphor))
        return _exclusive(out)


def _span(s: Span) -> tuple[int, int]:
    return s.start, s.end


def actor_keys(doc: Doc, mentions: list[Span]) -> dict[tuple[int, int], str]:
    """(start, end) of each mention -> the actor it names within the document, as the training documents'
    gold entities do: a gazetteer label, the long form of an acronym the text defines, the full name of a
    lone surname, or else the lower-cased text. The fact scorer counts votes and mentions per actor."""
    from kg.nlp.acronyms import LONG_KEY, SHORT_KEY

    by_text: dict[str, str] = {}
    for m in mentions:
        text = m.text.lower()
        if m.id_:
            by_text[text] = "id:" + m.id_
        by_text.setdefault(text, text)
    for short, long in zip(doc.spans.get(SHORT_KEY, []), doc.spans.get(LONG_KEY, [])):
        if long.text.lower() in by_text:
            by_text[short.text.lower()] = by_text[long.text.lower()]
    full_names = {m.text.lower() for m in mentions if m.label_ == "Person" and " " in m.text.strip()}
    keys = {}
    for m in mentions:
        text = m.text.lower()
        key = by_text[text]
        if key == text and m.label_ == "Person" and " " not in text.strip():
            owners = {f for f in full_names if f.split()[-1] == text}
            key = by_text[owners.pop()] if len(owners) == 1 else text
        keys[_span(m)] = key
    return keys


def pair_vote(c: Candidate, first: str, second: str) -> PairVote:
    """The pair as the second stage sees it, its two actors named ``first`` and ``second``."""
    return PairVote(
        first, second, c.first.cls, c.second.cls, c.first.sentence == c.second.sentence,
        bool(c.first.anaphor or c.second.anaphor),
    )  # fmt: skip


def _exclusive(pairs: list[ScoredPair]) -> list[ScoredPair]:
    """Within an exclusive group (head / staff / member; located / present), keep the likeliest per pair."""
    kept: dict[tuple, ScoredPair] = {}
    out = []
    for p in sorted(pairs, key=lambda p: -p.probability):
        group = next((g for g in EXCLUSIVE_GROUPS if p.predicate in g), None)
        if group is None:
            out.append(p)
            continue
        key = (p.subject.text.lower(), p.object.text.lower(), group)
        if key not in kept:
            kept[key] = p
            out.append(p)
    return out
