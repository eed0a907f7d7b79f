"""The second stage of relation scoring: from what the pair classifier said to one score per fact.

A fact (subject, predicate, object) of a document is usually backed by several candidate pairs: each mention
of the two actors, each anaphor standing for them. The pair classifier scores every pair alone; this stage
looks at all of a fact's pairs at once and at its rivals: how many pairs back it and how strongly, whether
one lies in a single sentence or only through an anaphor, how often each actor is named, whether another
predicate is likelier for the same two actors, or the same predicate likelier with another object
(a person heads one organisation, not all those named near them). A logistic regression over these numbers,
fitted on the pair classifier's out-of-fold scores of the training documents, gives the fact's score.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np

from kg.vocab import SYMMETRIC_PREDICATES

# pair scores below this are not votes for a fact (they only add noise and work)
VOTE_FLOOR = 0.02
_NONE = -9.0  # the log-odds standing for "no such rival"


@dataclass(frozen=True)
class PairVote:
    """One candidate pair as the second stage sees it: its two actors (in text order) and their classes."""

    first: str
    second: str
    first_class: str
    second_class: str
    same_sentence: bool
    via_anaphor: bool


@dataclass
class FactVotes:
    """Every vote for one fact of one document (built up pair by pair, then read)."""

    predicate: str
    subject: str
    object: str
    classes: tuple[str, str]
    probabilities: list[float] = field(default_factory=list)
    pairs: list[int] = field(default_factory=list)  # index of each voting pair, best first once sorted
    same_sentence: bool = False
    named_votes: int = 0  # votes from pairs of two named mentions (not through an anaphor)


def fact_key(predicate: str, subject: str, object_: str) -> tuple[str, str, str]:
    if predicate in SYMMETRIC_PREDICATES:
        subject, object_ = sorted((subject, object_))
    return subject, predicate, object_


def collect_votes(
    pairs: list[PairVote], probabilities: np.ndarray, labels: list[tuple[str, bool]]
) -> dict[tuple, FactVotes]:
    """Fact key -> its votes, from each pair's probability per label: (predicate, whether the first actor in
    text order is the subject)."""
    facts: dict[tuple, FactVotes] = {}
    for n, (pair, row) in enumerate(zip(pairs, probabilities)):
        for k in np.flatnonzero(row >= VOTE_FLOOR):
            predicate, first_is_subject = labels[k]
            if first_is_subject:
                s, o, classes = pair.first, pair.second, (pair.first_class, pair.second_class)
            else:
                s, o, classes = pair.second, pair.first, (pair.second_class, pair.first_class)
            key = fact_key(predicate, s, o)
            votes = facts.get(key)
            if votes is None:
                votes = facts[key] = FactVotes(predicate, key[0], key[2], classes)
            votes.probabilities.append(float(row[k]))
            votes.pairs.append(n)
            votes.same_sentence |= pair.same_sentence
            votes.named_votes += not pair.via_anaphor
    for votes in facts.values():
        order = sorted(range(len(votes.probabilities)), key=lambda i: -votes.probabilities[i])
        votes.probabilities = [votes.probabilities[i] for i in order]
        votes.pairs = [votes.pairs[i] for i in order]
    return facts


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def _rival(best: list[float], own: float) -> float:
    """Log-odds of the strongest rival in a group (``best`` holds the group's two strongest scores)."""
    first, second = best
    rival = second if first == own else first
    return _logit(rival) if rival > 0 else _NONE


def fact_features(facts: dict[tuple, FactVotes], pairs: list[PairVote]) -> dict[tuple, dict[str, float]]:
    """Fact key -> named numbers for the second stage (each also in conjunction with the predicate)."""
    units = Counter()  # how often each actor stands in the document's pairs: a rough count of its mentions
    for pair in pairs:
        units[pair.first] += 1
        units[pair.second] += 1
    salient = {a for a, _ in units.most_common(2)}
    groups: dict[str, dict] = {"pair": defaultdict(lambda: [0.0, 0.0]), "subject": defaultdict(lambda: [0.0, 0.0]),
                               "object": defaultdict(lambda: [0.0, 0.0])}  # fmt: skip

    def group_keys(v: FactVotes):
        return {
            "pair": frozenset((v.subject, v.object)),
            "subject": (v.subject, v.predicate),
            "object": (v.object, v.predicate),
        }

    for v in facts.values():
        p = v.probabilities[0]
        for name, g in group_keys(v).items():
            top = groups[name][g]
            if p > top[0]:
                top[0], top[1] = p, top[0]
            elif p > top[1]:
                top[1] = p
    out = {}
    for key, v in facts.items():
        p = v.probabilities
        g = group_keys(v)
        numbers = {
            "best": _logit(p[0]),
            "second": _logit(p[1]) if len(p) > 1 else _NONE,
            "votes": math.log1p(len(p)),
            "strong_votes": float(sum(x >= 0.1 for x in p)),
            "same_sentence": float(v.same_sentence),
            "anaphor_only": float(v.named_votes == 0),
            "rival_predicate": _rival(groups["pair"][g["pair"]], p[0]),
            "rival_object": _rival(groups["subject"][g["subject"]], p[0]),
            "rival_subject": _rival(groups["object"][g["object"]], p[0]),
            "subject_units": math.log1p(units[v.subject]),
            "object_units": math.log1p(units[v.object]),
            "subject_salient": float(v.subject in salient),
            "object_salient": float(v.object in salient),
        }
        numbers["first_choice"] = float(numbers["rival_predicate"] <= numbers["best"])
        features = {f"p={v.predicate}": 1.0, f"c={v.classes[0]}|{v.classes[1]}": 1.0}
        for name, x in numbers.items():
            features[name] = x
            features[f"{name}|{v.predicate}"] = x
        out[key] = features
    return out


class FactScorer:
    """Logistic weights over :func:`fact_features`; with no weights the fact's best pair score is its score."""

    def __init__(self, weights: dict[str, float] | None = None, bias: float = 0.0):
        self.weights = weights or {}
        self.bias = bias

    def score(self, features: list[dict[str, float]], best: list[float]) -> np.ndarray:
        if not self.weights:
            return np.array(best, dtype=float)
        w = self.weights
        z = np.array([self.bias + sum(w.get(k, 0.0) * x for k, x in f.items()) for f in features])
        return 1.0 / (1.0 + np.exp(-z))

    def to_json(self) -> dict:
        return {"weights": self.weights, "bias": self.bias}

    @classmethod
    def from_json(cls, data: dict | None) -> FactScorer:
        data = data or {}
        return cls(data.get("weights"), data.get("bias", 0.0))


def fit_fact_scorer(rows: list[dict[str, float]], truth: list[bool], c: float = 0.1) -> FactScorer:
    """Fit the second stage on facts scored out of fold; a single-class sample keeps the identity scorer."""
    if len(rows) < 20 or len(set(truth)) < 2:
        return FactScorer()
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = DictVectorizer()
    x = vectorizer.fit_transform(rows)
    clf = LogisticRegression(C=c, max_iter=2000).fit(x, truth)
    names = vectorizer.get_feature_names_out()
    weights = {str(n): round(float(w), 6) for n, w in zip(names, clf.coef_[0]) if w != 0.0}
    return FactScorer(weights, float(clf.intercept_[0]))
