"""The activation_advice experiment's statistics and verdict rules, on made-up accuracies.

Each rule is checked on a case where the advice holds and on negative controls where it
is refined or fails, so a rule that always answers the same is caught.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from experiments import activation_advice as adv

ACTS = adv.ACTS
CLAIMS = adv.CLAIMS


def _seeds(mean: float, n: int = 8, sd: float = 0.003, seed: int = 0) -> np.ndarray:
    """``n`` per-seed accuracies with the given mean and spread (deterministic)."""
    z = np.random.default_rng(seed).standard_normal(n)
    z = (z - z.mean()) / z.std(ddof=1)
    return mean + sd * z


def _table(means: dict[int, dict[str, float]]) -> dict[int, dict[str, np.ndarray]]:
    """depth -> activation -> per-seed accuracies; unlisted activations get 0.95."""
    return {
        d: {a: _seeds(m.get(a, 0.95), seed=i) for i, a in enumerate(ACTS)} for d, m in means.items()
    }


def _verdicts(means):
    return {c: v.verdict for c, v in adv.verdicts(_table(means)).items()}


def test_contrast_matches_welch_t_interval():
    a, b = _seeds(0.9, sd=0.01, seed=1), _seeds(0.88, n=6, sd=0.02, seed=2)
    value, h = adv.contrast([a, b], [1.0, -1.0])
    ci = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert value == pytest.approx(a.mean() - b.mean(), abs=1e-15)
    assert value - h == pytest.approx(ci.low, rel=1e-10)
    assert value + h == pytest.approx(ci.high, rel=1e-10)


def test_judge_needs_both_the_margin_and_the_ci():
    assert adv.judge(-0.02, 0.005).outcome == "worse"
    assert adv.judge(0.02, 0.005).outcome == "better"
    assert adv.judge(-0.005, 0.001).outcome == "on a par"  # significant, below the margin
    assert adv.judge(-0.02, 0.03).outcome == "on a par"  # large, but the CI holds 0
    assert adv.judge(math.nan, 0.01).outcome == "undecided"
    assert adv.judge(-0.02, math.nan).outcome == "undecided"


def test_the_advice_holds_where_it_should():
    # Sigmoid on a par shallow and far behind deep; relu the best; tanh 2 points behind.
    means = {
        1: {"relu": 0.97, "sigmoid": 0.965, "tanh": 0.95},
        8: {"relu": 0.97, "sigmoid": 0.5, "tanh": 0.95},
    }
    assert _verdicts(means) == {
        CLAIMS[0]: "holds",
        CLAIMS[1]: "refined",
        CLAIMS[2]: "holds",
        CLAIMS[3]: "holds",
    }


def test_negative_controls_refined_and_fails():
    # Sigmoid equally far behind at every depth: bad, but not a matter of depth.
    means = {1: {"relu": 0.97, "sigmoid": 0.9}, 8: {"relu": 0.97, "sigmoid": 0.9}}
    v = _verdicts(means)
    assert v[CLAIMS[0]] == "refined" and v[CLAIMS[1]] == "holds"
    # Sigmoid on a par everywhere; tanh ahead of relu everywhere; relu behind the best.
    means = {
        1: {"relu": 0.93, "sigmoid": 0.96, "tanh": 0.96},
        8: {"relu": 0.93, "sigmoid": 0.96, "tanh": 0.96},
    }
    assert _verdicts(means) == {
        CLAIMS[0]: "fails",
        CLAIMS[1]: "fails",
        CLAIMS[2]: "fails",
        CLAIMS[3]: "fails",
    }
    # Mixed: relu ahead of tanh shallow, behind deep; behind the best at one depth only.
    means = {1: {"relu": 0.97, "tanh": 0.94}, 8: {"relu": 0.93, "tanh": 0.96}}
    v = _verdicts(means)
    assert v[CLAIMS[2]] == "refined" and v[CLAIMS[3]] == "refined"


def test_a_verdict_without_a_ci_is_undecided():
    table = _table({1: {}, 8: {}})
    table[8]["sigmoid"] = np.full(8, np.nan)
    out = adv.verdicts(table)
    assert out[CLAIMS[0]].verdict == out[CLAIMS[1]].verdict == "undecided"
    assert out[CLAIMS[2]].verdict != "undecided" and out[CLAIMS[3]].verdict != "undecided"
    assert adv.best(table[8]) != "sigmoid"
