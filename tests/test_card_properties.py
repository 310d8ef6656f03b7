"""The cards' claims as properties over random and extreme inputs, in every dtype.

For each elementwise activation and each of float64, float32, bfloat16 and float16,
hypothesis draws batches of inputs of the dtype (subnormals, ±0, the largest finite
values, ±inf and NaN included, plus fixed extreme points in every batch) and checks:

* range: f(x) lies in the card's range, rounded to the dtype (rounding is monotone);
* slope: |f′(x)| ≤ the card's max |f′|, rounded to the dtype (hand f′ and ``jax.grad``);
* monotonicity: f is non-decreasing along the sorted batch where the card says so: in
  float16 and bfloat16 exactly (checked on every value of both), in float32 and float64
  to within twice f's ulp budget (a function within b ulps of a monotone one can step
  down by up to 2b ulps between neighbours; float32 tanh, XLA's, steps down by up to 7
  ulps of its budget of 4, found by a scan of every float32);
* f(±0) = 0 where the card says zero-centred;
* NaN in gives NaN out; f′ is finite wherever f is.

Flush-to-zero: XLA on CPU reads subnormal inputs as ±0, so f′ at a subnormal is f′ at ±0
(the kink value where 0 is a kink); every claim above holds on the values as given.
"""

from __future__ import annotations

import functools

import hypothesis.strategies as st
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings

import jaxact as ja
from jaxact.check import ulp_audit

ELEMENTWISE = [n for n in ja.names() if ja.get(n).kind == "elementwise"]
DTYPES = ("float64", "float32", "bfloat16", "float16")
N = 32  # inputs per example (a fixed size: one compilation per activation and dtype)


def _ulp(v: np.ndarray, dt: str) -> np.ndarray:
    return np.spacing(np.abs(v).astype(jnp.dtype(dt))).astype(np.float64)


def _np_dtype(dt: str):
    return jnp.dtype(dt)


def _extremes(dt: str) -> np.ndarray:
    fi = jnp.finfo(dt)
    tiny, sub, big = float(fi.tiny), float(fi.smallest_subnormal), float(fi.max)
    pos = [sub, tiny, 1.0, big, np.inf]
    return np.array([*pos, *(-v for v in pos), 0.0, -0.0, np.nan])


def _batch(dt: str):
    """Strategy: N values exactly representable in ``dt`` (as float64), extremes first.

    float64 and float32 come from hypothesis's floats of that width; float16 and
    bfloat16 from uniformly drawn bit patterns (every value, NaN and inf included).
    """
    ext = _extremes(dt)
    if dt in ("float64", "float32"):
        width = 64 if dt == "float64" else 32
        vals = st.floats(width=width, allow_nan=True, allow_infinity=True)
    else:
        bits = np.dtype(jnp.dtype(dt))

        def from_bits(k: int) -> float:
            return float(np.array([k], np.uint16).view(bits)[0])

        vals = st.integers(0, 2**16 - 1).map(from_bits)
    small = st.integers(-2048, 2048).map(lambda k: k / 256.0)

    def build(xs):
        x = np.concatenate([ext, np.asarray(xs, np.float64)])[:N]
        return np.asarray(jnp.asarray(x, dt).astype(jnp.float64))

    return st.lists(st.one_of(vals, small), min_size=N, max_size=N).map(build)


def _step_slack(name: str, dt: str, xs: np.ndarray, fs: np.ndarray) -> np.ndarray:
    """How far f may step down from each sorted x to the next: the sum of the two points'
    ulp budgets of f (float32, float64), 0 in float16 and bfloat16."""
    if dt not in ("float32", "float64"):
        return np.zeros(fs.size - 1)
    b, floor, _ = ulp_audit.budgets(ja.get(name), "f", dt, xs)
    with np.errstate(over="ignore", invalid="ignore"):  # ±inf has no ulp: no slack there
        ulp = np.nan_to_num(_ulp(fs[:-1], dt), nan=0.0, posinf=0.0)
    return (b[:-1] + b[1:]) * np.maximum(ulp, np.maximum(floor[:-1], floor[1:]))


@functools.cache
def _program(name: str, dt: str):
    rec = ja.get(name)

    def run(x):
        return rec.fn(x), rec.derivative(x), jax.vmap(jax.grad(rec.fn))(x)

    return jax.jit(run)


def _evaluate(name: str, dt: str, x: np.ndarray):
    f, d, g = _program(name, dt)(jnp.asarray(x, dt))
    assert f.dtype == jnp.dtype(dt) and d.dtype == jnp.dtype(dt)
    return (np.asarray(v.astype(jnp.float64)) for v in (f, d, g))


def _rounded(v: float, dt: str) -> float:
    return float(jnp.asarray(v, jnp.float64).astype(dt).astype(jnp.float64))


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("name", ELEMENTWISE)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_card_claims_hold(name, dt, data):
    x = data.draw(_batch(dt))
    card = ja.get(name).card
    f, d, g = _evaluate(name, dt, x)
    nan = np.isnan(x)
    assert np.isnan(f[nan]).all() and np.isnan(d[nan]).all(), "NaN in, NaN out"
    fin = np.isfinite(f)
    assert np.isfinite(d[fin]).all() and np.isfinite(g[fin]).all(), x[fin & ~np.isfinite(d)]
    lo, hi = (_rounded(v, dt) for v in card.range)
    ok = ~np.isnan(f)
    assert (f[ok] >= lo).all() and (f[ok] <= hi).all(), (x[ok & ((f < lo) | (f > hi))], lo, hi)
    bound = _rounded(card.max_slope, dt)
    for v in (d, g):
        bad = ~np.isnan(v) & (np.abs(v) > bound)
        assert not bad.any(), (x[bad], v[bad], bound)
    if card.monotonic:
        order = np.argsort(x[~nan], kind="stable")
        fs = f[~nan][order]
        assert (fs[1:] >= fs[:-1] - _step_slack(name, dt, x[~nan][order], fs)).all(), (
            x[~nan][order],
            fs,
        )
    if card.zero_centred or card.range[0] == 0.0:
        zero = x == 0
        if card.zero_centred:
            assert (f[zero] == 0).all()


@pytest.mark.parametrize("name", ["leaky_relu", "prelu", "rrelu"])
def test_leaky_family_monotone_through_negative_subnormals(name):
    x = np.array([-2.2250738585072014e-308, -1e-310, -5e-324, -0.0, 0.0, 5e-324, 1e-310])
    f = np.asarray(ja.get(name).fn(jnp.asarray(x)))
    assert (f[1:] >= f[:-1]).all(), f
    assert not np.signbit(f[-1]) and np.signbit(f[0]) | (f[0] < 0)


def test_tanh_notes_state_the_float32_monotonicity_exception():
    assert "monotone only to within 7 ulps" in ja.get("tanh").notes


def test_sigmoid_slope_never_exceeds_a_quarter():
    x = jnp.asarray([2e-16, -2e-16, 1e-17, 3e-16, 0.0])
    assert float(jnp.max(jax.vmap(jax.grad(ja.sigmoid))(x))) <= 0.25


@pytest.mark.parametrize("dt", ["float64", "float32"])
def test_softsign_monotone_where_one_plus_x_rounds(dt):
    # x / (1 + |x|) rounds f(2**53 + 2) below f(6.0e15) in float64 (and alike near 2**24
    # in float32); softsign is monotone there.
    top = 2.0**53 if dt == "float64" else 2.0**24
    x = np.sort(np.concatenate([np.linspace(top / 2, 4 * top, 4001), [top + 2, 2 * top + 4]]))
    x = np.concatenate([-x[::-1], x]).astype(jnp.dtype(dt))
    f = np.asarray(ja.softsign(jnp.asarray(x)))
    assert (f[1:] >= f[:-1]).all(), x[1:][f[1:] < f[:-1]]
    quotient = x / (1 + np.abs(x))
    assert not (quotient[1:] >= quotient[:-1]).all()  # the control: the plain quotient is not
