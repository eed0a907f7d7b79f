"""Fitting the relation classifier (:mod:`kg.extract.relation_model`) from gold documents.

Training pairs come from the gold entities placed on the parsed text. A pair is a positive example of a gold
fact when both its units lie in the sentence(s) of the fact's ``evidence``, or one does and the other actor
stands nowhere in it (the evidence leans on a mention before); other pairs of the same two actors are left out
(the fact may or may not be restated there), and every other pair is a negative. A document that annotates
only some predicates (POPCORN: the places of organisations) teaches only those, at ``partial_weight``. The
first stage is one L2-regularised logistic regression per label (scikit-learn, liblinear); features seen in
fewer than ``min_count`` pairs are dropped. The second stage (:mod:`kg.extract.fact_scorer`) is fitted on the
first stage's out-of-fold scores of the training documents. Those same facts, each scored by a second stage
fitted on the other folds, give the isotonic calibration and the decision threshold (the best fact-level F1
over all training documents, ten times as many facts as the held-aside documents hold); the held-aside
documents only measure the result.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.fact_scorer import fact_key, fit_fact_scorer
from kg.extract.learned import rule_hit_index
from kg.extract.relation_features import Candidate, candidates
from kg.extract.relation_model import RelationModel, label_name, pair_vote, parse_label
from kg.nlp import prepare_text
from kg.train.corpus import TrainingDocument, document_bucket
from kg.vocab import SYMMETRIC_PREDICATES


@dataclass(frozen=True)
class RelationSettings:
    """The ``[relations]`` section of the training config."""

    c: float = 2.0  # inverse L2 strength of the pair classifier's logistic regressions
    min_count: int = 2  # features seen in fewer training pairs are dropped
    fact_trees: int = 150  # boosted trees of the second stage
    fact_depth: int = 3  # their depth
    fact_learning_rate: float = 0.1
    partial_weight: float = 0.5  # weight of a pair from a document that annotates only some predicates (POPCORN)


def relation_settings(section) -> RelationSettings:
    """Settings from the config's ``[relations]`` section (values may be strings, as ``--set`` gives them)."""
    defaults = RelationSettings()
    given = {name: section[name] for name in defaults.__dataclass_fields__ if name in section}
    return RelationSettings(**{name: type(getattr(defaults, name))(value) for name, value in given.items()})


@dataclass(frozen=True)
class RelationTrainingResult:
    pairs: int
    positives: int
    features: int
    labels: int
    threshold: float
    aside_scores: dict[str, float]  # fact-level precision / recall / F1 on held-aside documents (gold entities)
    seconds: float
    trusted_rules: int = 0  # hand-written rules precise enough on the training documents to state facts alone


@dataclass(frozen=True)
class LabelledPair:
    candidate: Candidate
    labels: frozenset[str]  # what this pair states (it lies where the fact's evidence is)
    ignore: bool  # the two actors are related, but the evidence is elsewhere: not a negative either
    actors: tuple[str, str, str] = ("", "", "")  # (document, first actor, second actor)
    related: frozenset[str] = frozenset()  # every gold label between the two actors, wherever stated
    scope: frozenset[str] | None = None  # the predicates this pair's document annotates (None: all)

    def teaches(self, label: str) -> bool:
        return self.scope is None or parse_label(label)[0] in self.scope


def parse_with_gold_entities(nlp: Language, docs: Iterable[TrainingDocument], rule_hits_of) -> Iterable:
    """(training doc, parsed Doc with the gold entities as ``doc.ents``, rule hits) for each document."""
    docs = list(docs)
    texts = (prepare_text(d.text) for d in docs)
    for gold, doc in zip(docs, nlp.pipe(texts, batch_size=16)):
        ents = []
        for span in gold.spans:
            s = doc.char_span(span.start, span.end, label=span.cls, alignment_mode="expand")
            if s is not None and not any(s.start < e.end and e.start < s.end for e in ents):
                ents.append(s)
        doc.ents = ents
        yield gold, doc, rule_hits_of(doc)


def labelled_pairs(gold: TrainingDocument, doc: Doc, allowed, rule_hits) -> list[LabelledPair]:
    entity_at = {(s.start, s.end): s.entity for s in gold.spans}
    text = gold.text
    sents = list(doc.sents)
    sent_starts = [s.start_char for s in sents]

    def sentence_at(char: int) -> int:
        lo, hi = 0, len(sent_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if sent_starts[mid] <= char:
                lo = mid
            else:
                hi = mid - 1
        return lo

    facts: dict[tuple[str, str], list[tuple[str, bool, set[int]]]] = {}
    for f in gold.facts:
        where = text.find(f.evidence) if f.evidence else -1
        ev = set(range(sentence_at(where), sentence_at(where + len(f.evidence) - 1) + 1)) if where >= 0 else set()
        facts.setdefault((f.subject, f.object), []).append((f.predicate, True, ev))
        facts.setdefault((f.object, f.subject), []).append((f.predicate, False, ev))
    pairs = candidates(doc, list(doc.ents), allowed, rule_hits)
    actor_of = {id(c): tuple(entity_at.get((u.mention.start_char, u.mention.end_char)) for u in (c.first, c.second))
                for c in pairs}  # fmt: skip
    sentences_of: dict[str, set[int]] = {}  # actor -> the sentences where it is named
    for c in pairs:
        for actor, unit in zip(actor_of[id(c)], (c.first, c.second)):
            if unit.anaphor is None:
                sentences_of.setdefault(actor, set()).add(unit.sentence)
    out = []
    for c in pairs:
        ea, eb = actor_of[id(c)]
        labels, related, ignore = set(), set(), False
        for predicate, first_is_subject, ev in facts.get((ea, eb), []):
            label = label_name(predicate, first_is_subject, predicate in SYMMETRIC_PREDICATES)
            related.add(label)
            in_a, in_b = c.first.sentence in ev, c.second.sentence in ev
            # one unit in the evidence: the pair states the fact only if the other actor stands nowhere in it
            # (named in a sentence before, say); else the pair inside the evidence does, and this one is unsure
            outside = eb if in_a else ea
            if not ev or (in_a and in_b) or ((in_a or in_b) and not sentences_of.get(outside, set()) & ev):
                labels.add(label)
            else:
                ignore = True
        out.append(
            LabelledPair(
                c,
                frozenset(labels),
                ignore and not labels,
                (gold.doc_id, ea or "", eb or ""),
                frozenset(related),
                gold.annotated_predicates,
            )
        )
    return out


def allowed_class_pairs(docs: Iterable[TrainingDocument]) -> set[tuple[str, str]]:
    """Class pairs (either order) that some gold fact links: the signatures the model may predict."""
    allowed = set()
    for d in docs:
        classes = dict(d.classes)
        for f in d.facts:
            a, b = classes[f.subject], classes[f.object]
            allowed |= {(a, b), (b, a)}
    return allowed


def _matrix(pairs: list[LabelledPair], index: dict[str, int]):
    from scipy.sparse import csr_matrix

    rows, cols = [], []
    for n, p in enumerate(pairs):
        idx = sorted({index[f] for f in p.candidate.features if f in index})
        rows.extend([n] * len(idx))
        cols.extend(idx)
    return csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(pairs), len(index)))


def _by_document(pairs: list[LabelledPair]) -> dict[str, list[LabelledPair]]:
    docs: dict[str, list[LabelledPair]] = {}
    for p in pairs:
        docs.setdefault(p.actors[0], []).append(p)
    return docs


def scored_facts(model: RelationModel, pairs: list[LabelledPair]) -> tuple[list[dict], list[float], list[bool]]:
    """Every fact the model's pair scores vote for, document by document: (second-stage features, second-stage
    score, whether the gold states the fact)."""
    rows, scores, truth = [], [], []
    for doc_pairs in _by_document(pairs).values():
        gold = set()
        for p in doc_pairs:
            for label in p.related:
                predicate, first_is_subject = parse_label(label)
                s, o = p.actors[1:] if first_is_subject else p.actors[:0:-1]
                gold.add(fact_key(predicate, s, o))
        votes = [pair_vote(p.candidate, p.actors[1], p.actors[2]) for p in doc_pairs]
        raw = model.raw_probabilities([p.candidate for p in doc_pairs])
        _, keys, doc_rows, fact_scores = model.fact_scores(votes, raw)
        rows += doc_rows
        scores += [float(x) for x in fact_scores]
        truth += [k in gold for k in keys]
    return rows, scores, truth


def fit_calibration(scores: list[float], truth: list[bool], n_gold: int):
    """Isotonic map from a fact's score to the share of such facts that were right, and the threshold with
    the best fact-level F1 (``n_gold``: every gold fact of those documents, voted for or not)."""
    from sklearn.isotonic import IsotonicRegression

    if not scores or not n_gold or len(set(truth)) < 2:
        return (np.array([]), np.array([])), 0.5
    x = np.array(scores)
    y = np.array(truth, dtype=float)
    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(x, y)
    grid = np.unique(np.round(np.concatenate([[0.0, 1.0], x]), 3))
    calibration = (grid, iso.predict(grid))
    calibrated = np.interp(x, *calibration)
    best_f1, threshold = 0.0, 0.5
    for t in np.arange(0.1, 0.9, 0.02):
        f1 = _f1(calibrated >= t, y > 0, n_gold)["f1"]
        if f1 > best_f1:
            best_f1, threshold = f1, round(float(t), 3)
    return calibration, threshold


def _f1(chosen: np.ndarray, right: np.ndarray, n_gold: int) -> dict[str, float]:
    tp, fp = int((chosen & right).sum()), int((chosen & ~right).sum())
    p, r = tp / (tp + fp) if tp + fp else 0.0, tp / n_gold if n_gold else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "facts": n_gold}


def aside_scores(model: RelationModel, aside: list[LabelledPair], n_gold: int) -> dict[str, float]:
    """Fact-level precision, recall and F1 of the model on the held-aside documents (gold entities)."""
    _, scores, truth = scored_facts(model, aside)
    if not scores or not n_gold:
        return {}
    chosen = model.calibrate(np.array(scores)) >= model.threshold
    return _f1(chosen, np.array(truth, dtype=bool), n_gold)


def fit_pair_classifier(train: list[LabelledPair], allowed, settings: RelationSettings) -> RelationModel:
    """The first stage: one logistic regression per label over the pairs' features (no calibration yet)."""
    from sklearn.linear_model import LogisticRegression

    counts = Counter(f for p in train for f in set(p.candidate.features))
    features = sorted(f for f, n in counts.items() if n >= settings.min_count)
    index = {f: i for i, f in enumerate(features)}
    label_counts = Counter(label for p in train for label in p.labels)
    labels = sorted(label for label, n in label_counts.items() if n >= 3)
    x = _matrix(train, index)
    sample_weight = np.array([1.0 if p.scope is None else settings.partial_weight for p in train])
    weights = np.zeros((len(features), len(labels)), dtype=np.float32)
    bias = np.zeros(len(labels), dtype=np.float32)
    for k, label in enumerate(labels):
        # a pair teaches a label only where its document annotates that predicate (POPCORN: places only)
        rows = np.array([p.teaches(label) for p in train])
        y = np.array([label in p.labels for p in train], dtype=np.int8)[rows]
        clf = LogisticRegression(C=settings.c, solver="liblinear", max_iter=200, random_state=0)
        clf.fit(x[rows] if not rows.all() else x, y, sample_weight=sample_weight[rows])
        weights[:, k] = clf.coef_[0]
        bias[k] = clf.intercept_[0]
    return RelationModel(features, labels, weights, bias, (np.array([]), np.array([])), 0.5, allowed)


# the second stage learns from pair scores of documents the first stage did not see: this many folds of
# documents (by the hash that also picks the held-aside ones, so fold 0 keeps only half its share)
FACT_FOLDS = 5


def out_of_fold_facts(pairs: list[LabelledPair], allowed, settings: RelationSettings, on_fold=None):
    """Second-stage rows, best pair scores, truths and folds for the training facts, each scored by a first
    stage fitted without its document (``FACT_FOLDS`` folds of documents)."""
    rows, best, truth, folds = [], [], [], []
    for fold in range(FACT_FOLDS):
        fit = [p for p in pairs if not p.ignore and document_bucket(p.actors[0], FACT_FOLDS) != fold]
        # only fully annotated documents say which of all the voted facts are right
        held = [p for p in pairs if p.scope is None and document_bucket(p.actors[0], FACT_FOLDS) == fold]
        if not held or not any(p.labels for p in fit):
            continue
        # a fold's model has no second stage yet, so its fact score is the fact's best pair score
        r, b, t = scored_facts(fit_pair_classifier(fit, allowed, settings), held)
        rows += r
        best += b
        truth += t
        folds += [fold] * len(r)
        if on_fold:
            on_fold(fold)
    return rows, best, truth, folds


def fact_scorer_of(rows: list[dict], truth: list[bool], settings: RelationSettings):
    return fit_fact_scorer(rows, truth, settings.fact_trees, settings.fact_depth, settings.fact_learning_rate)


def cross_fitted_fact_scores(
    rows: list[dict], best: list[float], truth: list[bool], folds: list[int], settings: RelationSettings
) -> list[float]:
    """Second-stage scores of the out-of-fold facts, each from a second stage fitted on the other folds:
    scores as the final model gives them to documents it never saw, for its calibration."""
    scores = [0.0] * len(rows)
    for fold in sorted(set(folds)):
        fit = [n for n, f in enumerate(folds) if f != fold]
        held = [n for n, f in enumerate(folds) if f == fold]
        scorer = fact_scorer_of([rows[n] for n in fit], [truth[n] for n in fit], settings)
        for n, score in zip(held, scorer.score([rows[n] for n in held], [best[n] for n in held])):
            scores[n] = float(score)
    return scores


def fit_relation_model(
    train: list[LabelledPair],
    aside: list[LabelledPair],
    allowed: set[tuple[str, str]],
    train_gold_facts: int,
    aside_gold_facts: int = 0,
    settings: RelationSettings = RelationSettings(),
    say: Callable[[str], None] | None = None,
) -> tuple[RelationModel, RelationTrainingResult]:
    """Both stages, calibrated on the training facts scored out of fold (``train_gold_facts``: the gold facts
    of the fully annotated training documents); the held-aside documents only measure."""
    started = time.perf_counter()
    say = say or (lambda what: None)
    rows, best, truth, folds = out_of_fold_facts(
        train, allowed, settings, lambda k: say(f"second stage: fold {k + 1}/{FACT_FOLDS} scored")
    )
    kept = [p for p in train if not p.ignore]
    say(f"fitting on {len(kept)} pairs")
    model = fit_pair_classifier(kept, allowed, settings)
    model.fact_scorer = fact_scorer_of(rows, truth, settings)
    oof_scores = cross_fitted_fact_scores(rows, best, truth, folds, settings)
    model.calibration, model.threshold = fit_calibration(oof_scores, truth, train_gold_facts)
    scores = aside_scores(model, aside, aside_gold_facts)
    result = RelationTrainingResult(
        len(kept),
        sum(1 for p in kept if p.labels),
        len(model.index),
        len(model.labels),
        model.threshold,
        scores,
        time.perf_counter() - started,
    )
    return model, result


def parsing_pipeline() -> Language:
    """The French model without its ``ner`` (gold entities are placed instead), with kg's sentence bounds."""
    from kg.nlp import load_base_model

    nlp = load_base_model(exclude=("ner",))
    nlp.add_pipe("kg_sentence_bounds", before="parser")
    return nlp


def train_relations(
    train_docs: list[TrainingDocument],
    aside_docs: list[TrainingDocument],
    out_dir,
    settings: RelationSettings = RelationSettings(),
    progress: Callable[[str], None] | None = None,
) -> RelationTrainingResult:
    """Fit the relation model on ``train_docs`` (measured on ``aside_docs``) and save it in ``out_dir``.

    The fits are deterministic (liblinear with a fixed state); :func:`kg.train.run.read_training_files` has
    already checked that the documents hold relations in the project's format."""
    from kg.extract.relations import RelationExtractor

    say = progress or (lambda what: None)
    nlp = parsing_pipeline()
    rules = RelationExtractor(nlp)
    allowed = allowed_class_pairs(train_docs)

    fired: Counter = Counter()
    right: Counter = Counter()

    def pairs(docs, count_rules: bool = False):
        out = []
        relations_of = {}

        def hits(doc):
            relations_of[id(doc)] = found = rules.extract(doc)
            return rule_hit_index(found)

        for gold, doc, doc_hits in parse_with_gold_entities(nlp, docs, hits):
            out.extend(labelled_pairs(gold, doc, allowed, doc_hits))
            if count_rules and gold.relations_annotated:
                _count_rule_hits(gold, relations_of.pop(id(doc)), fired, right)
        return out

    say("parsing and pairing the training documents")
    train = pairs(train_docs, count_rules=True)
    aside = pairs(aside_docs)

    def gold_facts(docs):
        return len({(d.doc_id, f.subject, f.predicate, f.object) for d in docs if d.relations_annotated
                    for f in d.facts})  # fmt: skip

    model, result = fit_relation_model(
        train, aside, allowed, gold_facts(train_docs), gold_facts(aside_docs), settings, say
    )
    model.trusted_rules = trusted_rules(rules.rules.rules, fired, right)
    model.save(out_dir)
    return replace(result, trusted_rules=len(model.trusted_rules))


# a hand-written rule right this often on the training documents states its facts even where the model
# does not (its measured precision is the fact's confidence): the rules kept where they are precise
TRUSTED_RULE_PRECISION = 0.75
# the precision of a rule seen only a few times is smoothed towards the confidence it was written with, as if
# it had been seen this many more times at that rate (a rule never seen keeps its written confidence)
RULE_PRIOR_HITS = 4


def trusted_rules(rules: dict, fired: Counter, right: Counter) -> dict[str, float]:
    """Rule name -> smoothed precision on the training documents, for the rules precise enough to trust."""
    out = {}
    for name, rule in sorted(rules.items()):
        precision = (right[name] + RULE_PRIOR_HITS * rule.confidence) / (fired[name] + RULE_PRIOR_HITS)
        if precision >= TRUSTED_RULE_PRECISION:
            out[name] = round(precision, 3)
    return out


def _count_rule_hits(gold: TrainingDocument, relations, fired: Counter, right: Counter) -> None:
    """How often each rule fired on a training document, and how often the gold states what it said."""
    entity_at = {(s.start, s.end): s.entity for s in gold.spans}
    facts = {(f.subject, f.predicate, f.object) for f in gold.facts}
    for r in relations:
        s = entity_at.get((r.subject.start_char, r.subject.end_char))
        o = entity_at.get((r.object.start_char, r.object.end_char))
        fired[r.rule] += 1
        if (s, r.predicate, o) in facts or (r.predicate in SYMMETRIC_PREDICATES and (o, r.predicate, s) in facts):
            right[r.rule] += 1
