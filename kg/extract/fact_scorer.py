"""The second stage of relation scoring: from what the pair classifier said to one score per fact.

A fact (subject, predicate, object) of a document is usually backed by several candidate pairs: each mention
of the two actors, each anaphor standing for them. The pair classifier scores every pair alone; this stage
looks at all of a fact's pairs at once and at its rivals: how many pairs back it and how strongly, whether
one lies in a single sentence or only through an anaphor, how often each actor is named, whether another
predicate is likelier for the same two actors, or the same predicate likelier with another object
(a person heads one organisation, not all those named near them). Gradient-boosted trees over these
numbers, fitted on the pair classifier's out-of-fold scores of the training documents, give the fact's score:
unlike the logistic regression before them (5-fold over those facts: 0.611 against 0.620), they can learn
that a strong rival matters only when the fact's own pairs are weak.
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


def fact_features(
    facts: dict[tuple, FactVotes], pairs: list[PairVote], conjunctions: bool = True
) -> dict[tuple, dict[str, float]]:
    """Fact key -> named numbers for the second stage, each also in conjunction with the predicate when
    ``conjunctions`` (a linear scorer needs them; trees make their own)."""
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
        features.update(numbers)
        if conjunctions:
            features.update({f"{name}|{v.predicate}": x for name, x in numbers.items()})
        out[key] = features
    return out


class FactScorer:
    """With nothing fitted, a fact's score is its best pair score."""

    reads_conjunctions = False  # whether score() reads the features' conjunctions with the predicate

    def score(self, features: list[dict[str, float]], best: list[float]) -> np.ndarray:
        return np.array(best, dtype=float)

    def to_json(self) -> dict:
        return {}

    @staticmethod
    def from_json(data: dict | None) -> FactScorer:
        data = data or {}
        if "trees" in data:
            return TreeFactScorer.from_json(data)
        if data.get("weights"):
            return LinearFactScorer(data["weights"], data.get("bias", 0.0))
        return FactScorer()


class LinearFactScorer(FactScorer):
    """Logistic weights over :func:`fact_features` (the second stage of model folders made before the trees)."""

    reads_conjunctions = True

    def __init__(self, weights: dict[str, float], bias: float = 0.0):
        self.weights = weights
        self.bias = bias

    def score(self, features: list[dict[str, float]], best: list[float]) -> np.ndarray:
        w = self.weights
        z = np.array([self.bias + sum(w.get(k, 0.0) * x for k, x in f.items()) for f in features])
        return 1.0 / (1.0 + np.exp(-z))

    def to_json(self) -> dict:
        return {"weights": self.weights, "bias": self.bias}


def tree_input(name: str) -> bool:
    """The trees read the plain numbers, the predicate and the class pair; the conjunctions with the
    predicate are there for a linear scorer, a tree makes its own."""
    return "|" not in name or name.startswith("c=")


def feature_matrix(features: list[dict[str, float]], column: dict[str, int]) -> np.ndarray:
    """The rows' numbers in the trees' columns (a name without a column is left out, a missing one is 0)."""
    x = np.zeros((len(features), len(column)), dtype=np.float32)  # the trees are fitted on float32
    for i, f in enumerate(features):
        for name, v in f.items():
            j = column.get(name)
            if j is not None:
                x[i, j] = v
    return x.astype(np.float64)


class TreeFactScorer(FactScorer):
    """Gradient-boosted regression trees over :func:`fact_features`, evaluated in numpy: every tree's nodes
    in flat arrays (a leaf has feature -1), score = sigmoid(bias + learning rate x the sum of the leaves)."""

    def __init__(self, names, feature, threshold, left, right, value, roots, learning_rate, bias):
        self.names = list(names)
        self.feature = np.asarray(feature, dtype=np.int64)
        self.threshold = np.asarray(threshold, dtype=np.float64)
        self.left = np.asarray(left, dtype=np.int64)
        self.right = np.asarray(right, dtype=np.int64)
        self.value = np.asarray(value, dtype=np.float64)
        self.roots = np.asarray(roots, dtype=np.int64)
        self.learning_rate = float(learning_rate)
        self.bias = float(bias)
        self.column = {n: j for j, n in enumerate(self.names)}

    def score(self, features: list[dict[str, float]], best: list[float]) -> np.ndarray:
        if not features:
            return np.zeros(0)
        x = feature_matrix(features, self.column)
        rows = np.arange(len(features))[:, None]
        node = np.broadcast_to(self.roots, (len(features), len(self.roots))).copy()
        while True:  # every row walks down every tree at once, one level per step
            f = self.feature[node]
            inner = f >= 0
            if not inner.any():
                break
            goes_left = x[rows, np.where(inner, f, 0)] <= self.threshold[node]
            node = np.where(inner, np.where(goes_left, self.left[node], self.right[node]), node)
        z = self.bias + self.learning_rate * self.value[node].sum(axis=1)
        return 1.0 / (1.0 + np.exp(-z))

    def to_json(self) -> dict:
        return {
            "trees": {
                "feature": self.feature.tolist(),
                "threshold": self.threshold.tolist(),
                "left": self.left.tolist(),
                "right": self.right.tolist(),
                "value": self.value.tolist(),
                "roots": self.roots.tolist(),
            },
            "features": self.names,
            "learning_rate": self.learning_rate,
            "bias": self.bias,
        }

    @classmethod
    def from_json(cls, data: dict) -> TreeFactScorer:
        t = data["trees"]
        return cls(data["features"], t["feature"], t["threshold"], t["left"], t["right"], t["value"], t["roots"],
                   data["learning_rate"], data["bias"])  # fmt: skip


def fit_fact_scorer(
    rows: list[dict[str, float]], truth: list[bool], trees: int = 150, depth: int = 3, learning_rate: float = 0.1
) -> FactScorer:
    """Fit the second stage on facts scored out of fold (scikit-learn's gradient boosting, fixed seed); a
    single-class or tiny sample keeps the best pair score."""
    if len(rows) < 20 or len(set(truth)) < 2:
        return FactScorer()
    from sklearn.ensemble import GradientBoostingClassifier

    names = sorted({name for r in rows for name in r if tree_input(name)})
    x = feature_matrix(rows, {n: j for j, n in enumerate(names)})
    clf = GradientBoostingClassifier(n_estimators=trees, max_depth=depth, learning_rate=learning_rate, random_state=0)
    clf.fit(x, truth)
    feature, threshold, left, right, value, roots = [], [], [], [], [], []
    for (estimator,) in clf.estimators_:
        tree, offset = estimator.tree_, len(feature)
        roots.append(offset)
        leaf = tree.children_left < 0
        feature += np.where(leaf, -1, tree.feature).tolist()
        threshold += tree.threshold.tolist()
        left += np.where(leaf, -1, tree.children_left + offset).tolist()
        right += np.where(leaf, -1, tree.children_right + offset).tolist()
        value += tree.value[:, 0, 0].tolist()
    # the constant the ensemble starts from (the log-odds of the prior), read off the fitted model
    sums = sum(e.predict(x[:1]) for (e,) in clf.estimators_)
    bias = float(clf.decision_function(x[:1])[0] - learning_rate * sums[0])
    return TreeFactScorer(names, feature, threshold, left, right, value, roots, learning_rate, bias)
