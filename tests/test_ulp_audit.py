"""Tests of the ulp audit: the shipped references are right, the catalog meets its
budgets on a sample of the grid, and injected errors are caught.

The whole grid is audited by ``make check`` (``python -m jaxact.check.gradcheck``); here a
random sample of it keeps the suite fast.
"""

from __future__ import annotations

import math

import jax.numpy as jnp
import mpmath as mp
import numpy as np
import pytest

import jaxact as ja
from jaxact.catalog import registry
from jaxact.check import gradcheck, oracles, ulp_audit

ELEMENTWISE = [n for n in ja.names() if ja.get(n).kind == "elementwise"]


def test_grid_covers_the_whole_finite_range():
    for dt in ("float64", "float32"):
        x = oracles.audit_grid(dt)
        fi = np.finfo(dt)
        assert x.min() == -float(fi.max) and x.max() == float(fi.max)
        assert float(fi.smallest_subnormal) in x and -float(fi.smallest_subnormal) in x
        assert (x == 0).sum() == 2 and np.signbit(x[x == 0]).sum() == 1
        assert np.all(x.astype(dt).astype(np.float64) == x), "exactly representable"
        # every binade, both signs (every other one below 2^-8 / above 64 in float64)
        e = np.unique(np.frexp(np.abs(x[x != 0]))[1])
        step = 2 if dt == "float64" else 1
        assert len(e) >= 0.95 * (fi.maxexp - (fi.minexp - fi.nmant)) / step
        assert ((np.abs(x) > 0.5) & (np.abs(x) < 8)).sum() > 700  # dense where f bends


def test_references_cover_every_elementwise_activation():
    refs = oracles.load_references()
    for name in ELEMENTWISE:
        rec = ja.get(name)
        for dt in ("float64", "float32"):
            for q in oracles.quantities(list(rec.defaults)):
                hi = refs[f"{name}/{dt}/{q}/hi"]
                assert hi.shape == refs[f"x/{dt}"].shape


def test_references_match_a_fresh_mpmath_sample():
    # 48 random (activation, dtype, point) triples, recomputed with 64 more bits
    refs = oracles.load_references()
    rng = np.random.default_rng(7)
    for _ in range(48):
        name = ELEMENTWISE[rng.integers(len(ELEMENTWISE))]
        dt = ("float64", "float32")[rng.integers(2)]
        x = refs[f"x/{dt}"]
        i = int(rng.integers(x.size))
        rec = ja.get(name)
        params = {k: float(v) for k, v in rec.defaults.items()}
        t = oracles.truth(name, float(x[i]), params, extra_bits=64)
        for q in oracles.quantities(list(params)):
            hi = float(refs[f"{name}/{dt}/{q}/hi"][i])
            lo = float(refs[f"{name}/{dt}/{q}/lo"][i])
            want_hi, want_lo = oracles._split(t[q], np.dtype(dt))
            assert hi == want_hi, (name, dt, q, x[i], hi, want_hi)
            assert abs(lo - want_lo) <= 2e-3 * max(1.0, abs(want_lo)), (name, q, x[i])


def test_oracle_resolves_its_own_cancellation():
    # x + √(x² + 4) at x = −1e300 is 4/(2·1e300); x − tanh x at 1e-100 is 1e-300/3
    t = oracles.truth("squareplus", -1e300, {"b": 4.0})
    assert float(t["f"]) == pytest.approx(1e-300, rel=1e-15)
    t = oracles.truth("tanhshrink", 1e-100)
    assert float(t["f"]) == pytest.approx(1e-300 / 3, rel=1e-15)
    assert float(oracles.truth("tanhshrink", 0.0)["f'"]) == 0.0
    # a saturated derivative, far below f: tanh′(−63.625) = 4e^(−127.25)/(1 + …)²
    d = oracles.truth("tanh", -63.625)["f'"]
    assert float(d) == pytest.approx(float(4 * mp.exp(-127.25)), rel=1e-15)


def test_errors_in_ulps():
    one_ulp = float(np.spacing(1.0))
    e = ulp_audit.errors(np.array([1.0 + 3 * one_ulp]), np.array([1.0]), np.array([0.0]), "float64")
    assert e[0] == 3.0
    # the lo part counts: truth 1 + ½ ulp
    e = ulp_audit.errors(np.array([1.0]), np.array([1.0]), np.array([0.5]), "float64")
    assert e[0] == 0.5
    # overflow: the right infinity is exact, a finite value is infinitely wrong
    e = ulp_audit.errors(
        np.array([np.inf, 1e308, np.nan]), np.full(3, np.inf), np.zeros(3), "float64"
    )
    assert list(e) == [0.0, np.inf, np.inf]
    # a subnormal truth is measured in units of tiny (a flush to 0 is < 1)
    e = ulp_audit.errors(np.array([0.0]), np.array([1e-310]), np.array([0.0]), "float64")
    assert 0 < e[0] < 1


def test_sampled_audit_of_the_catalog_meets_its_budgets():
    rows = ulp_audit.audit(sample=600, seed=3)
    # the whole elementwise catalog and the default member of each family ("rational")
    assert {r.activation for r in rows} == set(ELEMENTWISE) | set(registry.families())
    bad = [r for r in rows if not r.ok]
    assert not bad, "\n".join(
        f"{r.activation} {r.quantity} {r.dtype}: {r.ulps} at {r.x}" for r in bad
    )


@pytest.mark.parametrize("name", ["sigmoid", "gelu", "tanh", "softplus", "elu"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_control_injected_8_ulp_error_is_caught(name, dtype):
    eps = float(np.finfo(dtype).eps)

    def inject(q, x, v):  # 8 ulps of relative error on every value (f and f′)
        return v * (1.0 + 8.0 * eps)

    rows = ulp_audit.audit_activation(name, dtypes=[dtype], sample=400, transform=inject)
    assert rows and all(not r.ok for r in rows), [(r.quantity, r.ulps) for r in rows]
    assert all(r.ulps >= 7.5 for r in rows)


def test_control_error_in_one_tail_only_is_caught():
    # the derivative of softplus wrong by 8 ulps only for x < −30
    def inject(q, x, v):
        if q != "f'":
            return v
        return np.where(x < -30, v * (1 + 8 * 2.0**-52), v)

    rows = ulp_audit.audit_activation("softplus", dtypes=["float64"], transform=inject)
    bad = {r.quantity for r in rows if not r.ok}
    assert bad == {"f'"}
    assert next(r for r in rows if r.quantity == "f'").x < -30


def test_control_broken_record_fails_the_ulp_check():
    import dataclasses

    rec = ja.get("tanh")
    bad = dataclasses.replace(rec, fn=lambda x: jnp.tanh(x) * (1 + 2.0**-49))
    rows = gradcheck.check_activation(bad, checks=["ulp"])
    failed = {r.check for r in rows if not r.ok}
    assert "ulp f float64" in failed
    assert "ulp f' float64" not in failed


def test_card_exceptions_state_their_reasons():
    for name in ELEMENTWISE:
        for b in ja.get(name).card.ulp_budgets:
            assert b.reason and b.ulps >= ulp_audit.DEFAULT_BUDGET
            assert b.dtype in ("float64", "float32")
            assert b.quantity in oracles.quantities(list(ja.get(name).defaults))
            if b.within is not None:
                assert b.within[0] < b.within[1]


def test_report_prints_worst_ulps_per_activation():
    report = gradcheck.check(["sigmoid", "relu"], checks=["ulp"])
    assert report.ok
    text = report.format()
    assert "worst error in ulps" in text
    table = text.split("worst error in ulps")[1].splitlines()
    line = next(ln for ln in table if ln.startswith("sigmoid "))
    cells = [float(c) for c in line.split()[1:5]]
    assert all(0 <= c <= 4 for c in cells) and max(cells) > 0
    assert math.isfinite(max(cells))
