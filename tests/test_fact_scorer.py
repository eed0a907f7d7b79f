"""The second stage of relation scoring: pair scores become one score per fact, judged with its rivals."""

import numpy as np

from kg.extract.fact_scorer import (
    FactScorer,
    LinearFactScorer,
    PairVote,
    TreeFactScorer,
    collect_votes,
    fact_features,
    fit_fact_scorer,
)

LABELS = [("headOf", True), ("partnerOf", True), ("worksFor", True)]


def _vote(first, second, same=True, anaphor=False):
    return PairVote(first, second, "Person" if first.startswith("p") else "Organization", "Organization", same, anaphor)


def test_pairs_of_one_fact_vote_together_and_the_strongest_comes_first():
    pairs = [_vote("p:salma", "o:atlas"), _vote("p:salma", "o:atlas", same=False, anaphor=True)]
    probs = np.array([[0.4, 0.0, 0.1], [0.9, 0.0, 0.0]])
    facts = collect_votes(pairs, probs, LABELS)
    head = facts[("p:salma", "headOf", "o:atlas")]
    assert head.probabilities == [0.9, 0.4]
    assert head.pairs == [1, 0]  # the evidence of the fact is its strongest pair
    assert head.same_sentence and head.named_votes == 1
    assert ("p:salma", "worksFor", "o:atlas") in facts


def test_a_symmetric_fact_is_one_fact_whichever_actor_comes_first():
    pairs = [_vote("o:atlas", "o:nour"), _vote("o:nour", "o:atlas")]
    facts = collect_votes(pairs, np.array([[0.0, 0.6, 0.0], [0.0, 0.3, 0.0]]), LABELS)
    assert list(facts) == [("o:atlas", "partnerOf", "o:nour")]
    assert facts[("o:atlas", "partnerOf", "o:nour")].probabilities == [0.6, 0.3]


def test_rivals_are_seen_a_likelier_predicate_and_a_likelier_object():
    pairs = [_vote("p:salma", "o:atlas"), _vote("p:salma", "o:nour")]
    probs = np.array([[0.3, 0.0, 0.8], [0.9, 0.0, 0.0]])
    features = fact_features(collect_votes(pairs, probs, LABELS), pairs)
    weak = features[("p:salma", "headOf", "o:atlas")]
    strong = features[("p:salma", "headOf", "o:nour")]
    assert weak["first_choice"] == 0.0 and strong["first_choice"] == 1.0  # worksFor beats headOf for atlas
    assert weak["rival_object"] > 0 > strong["rival_object"]  # salma heads nour far likelier than atlas
    assert weak["best|headOf"] == weak["best"]


def test_without_weights_a_fact_scores_its_best_pair_and_one_class_fits_nothing():
    assert FactScorer().score([{"best": 3.0}], [0.7]).tolist() == [0.7]
    rows = [{"best": float(i)} for i in range(30)]
    assert type(fit_fact_scorer(rows, [True] * 30)) is FactScorer


def test_the_fitted_scorer_ranks_facts_by_what_it_learned_and_survives_json():
    rows = [{"best": float(x), "votes": float(x > 0)} for x in np.linspace(-3, 3, 60)]
    truth = [r["best"] > 0.5 for r in rows]
    scorer = FactScorer.from_json(fit_fact_scorer(rows, truth).to_json())
    low, high = scorer.score([{"best": -2.0, "votes": 0.0}, {"best": 2.5, "votes": 1.0}], [0.1, 0.9])
    assert low < 0.5 < high


def test_the_trees_evaluated_in_numpy_give_the_fitted_models_probabilities():
    from sklearn.ensemble import GradientBoostingClassifier

    rng = np.random.default_rng(3)
    rows = [{"best": float(b), "votes": float(v), "p=headOf": float(h), "best|headOf": 9.0}
            for b, v, h in zip(rng.normal(size=200), rng.integers(0, 4, 200), rng.integers(0, 2, 200))]  # fmt: skip
    truth = [r["best"] + 0.5 * r["votes"] - r["p=headOf"] > 0.3 for r in rows]
    scorer = fit_fact_scorer(rows, truth, trees=20, depth=2)
    assert isinstance(scorer, TreeFactScorer) and "best|headOf" not in scorer.names  # conjunctions: linear only
    x = np.array([[r["best"], r["p=headOf"], r["votes"]] for r in rows], dtype=np.float32)
    reference = GradientBoostingClassifier(n_estimators=20, max_depth=2, random_state=0).fit(x, truth)
    assert scorer.names == ["best", "p=headOf", "votes"]
    ours = FactScorer.from_json(scorer.to_json()).score(rows, [0.0] * len(rows))
    assert np.allclose(ours, reference.predict_proba(x)[:, 1])


def test_a_model_folder_with_the_earlier_logistic_second_stage_still_scores():
    scorer = FactScorer.from_json({"weights": {"best": 1.0}, "bias": -0.5})
    assert isinstance(scorer, LinearFactScorer)
    assert scorer.score([{"best": 0.5}], [0.2]).tolist() == [0.5]
