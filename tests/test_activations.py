"""Tests of the activation catalog, parametrized over the whole registry.

What is checked, per activation:

* the wiring: ``jax.grad``/``jax.jvp`` of the public function return the hand-written
  f′ (and f″), forward and reverse mode, under ``jit``;
* the hand f′ against autodiff of the plain reference formula (a loose check; the
  strict float64 / finite-difference / mpmath checks live in ``jaxact.check.gradcheck``);
* values against jax.nn where it has the function (same defaults), float32 and float64;
* every kink of the card: exact f′ and f″ there, the one-sided limits, the
  minimum-norm policy, and that the dense grid shows no jump the card does not list;
* finite derivatives at ±1e4, ±inf, subnormals wherever f is finite; NaN in, NaN out;
* dtypes: float16/bfloat16 computed in float32 and returned in the input dtype;
* every card claim (range, monotonic, zero-centred, max slope, saturation, smoothness)
  on a dense grid, with the failing direction checked too;
* parameter derivatives against autodiff of the reference, and per-unit parameters;
* vector kinds: hand JVP against ``jax.jvp`` of the reference, the adjoint identity,
  ``axis``, ``where`` masks, all-masked rows;
* the registry: aliases, unknown names, the top-level exports.

Heavy numbers are computed once per activation by one jitted "profile" on a fixed grid
and cached, so the file compiles about one program per activation.
"""

from __future__ import annotations

import functools
import inspect
import math
import re

import hypothesis.strategies as st
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings

import jaxact as ja
from jaxact.catalog import activations as A

NAMES = ja.names()
ELEMENTWISE = [n for n in NAMES if ja.get(n).kind == "elementwise"]
VECTOR = [n for n in NAMES if ja.get(n).kind == "vector"]
WITH_PARAMS = [n for n in ELEMENTWISE if ja.get(n).defaults]
WITH_JAX_NN = [n for n in NAMES if ja.get(n).jax_nn is not None]
EPS64 = float(np.finfo(np.float64).eps)

# Every name of jax.nn, torch.nn.functional and keras.activations that is an
# activation function (Keras 3 and PyTorch 2 catalogs, spelled as each library does).
# gumbel_softmax (random) is not a deterministic activation and is left out.
ANCHOR_NAMES = {
    "jax.nn": [
        "celu", "elu", "gelu", "glu", "hard_sigmoid", "hard_silu", "hard_swish",
        "hard_tanh", "identity", "leaky_relu", "log_sigmoid", "log_softmax", "mish",
        "relu", "relu6", "selu", "sigmoid", "silu", "soft_sign", "softmax", "softplus",
        "sparse_plus", "sparse_sigmoid", "squareplus", "swish", "tanh",
    ],
    "torch": [
        "celu", "elu", "gelu", "glu", "hardshrink", "hardsigmoid", "hardswish",
        "hardtanh", "leaky_relu", "log_softmax", "logsigmoid", "mish", "prelu", "relu",
        "relu6", "rrelu", "selu", "sigmoid", "silu", "softmax", "softmin", "softplus",
        "softshrink", "softsign", "tanh", "tanhshrink", "threshold",
    ],
    "keras": [
        "celu", "elu", "exponential", "gelu", "glu", "hard_shrink", "hard_sigmoid",
        "hard_silu", "hard_swish", "hard_tanh", "leaky_relu", "linear", "log_sigmoid",
        "log_softmax", "mish", "relu", "relu6", "selu", "sigmoid", "silu", "soft_shrink",
        "softmax", "softplus", "softsign", "sparse_plus", "sparse_sigmoid", "sparsemax",
        "squareplus", "swish", "tanh", "tanh_shrink", "threshold",
    ],
}  # fmt: skip


def rec(name: str) -> A.Activation:
    return ja.get(name)


def jax_nn_fn(name: str):
    r = rec(name)
    return functools.partial(getattr(jax.nn, r.jax_nn), **r.jax_nn_kwargs)


def min_norm(a: float, b: float) -> float:
    lo, hi = min(a, b), max(a, b)
    return min(max(0.0, lo), hi)


# --------------------------------------------------------------------------------------
# The grid and the per-activation profile
# --------------------------------------------------------------------------------------

DENSE = np.arange(-12000, 12001) / 1000.0  # step 1e-3, exact at every multiple of 1e-3
TINY = 5e-324
SPECIAL = np.array(
    [-np.inf, np.inf, -1e300, 1e300, -1e4, 1e4, -1e3, 1e3, -1e2, 1e2, -40.0, 40.0,
     TINY, -TINY, 1e-310, -1e-310, 2.2250738585072014e-308, 0.0, -0.0, np.nan],
)  # fmt: skip


def kink_points(name: str) -> np.ndarray:
    ks = [k.x for k in rec(name).card.kinks]
    return np.array([k + d for k in ks for d in (-1e-9, 1e-9, -1e-6, 1e-6)], dtype=np.float64)


@functools.cache
def grid(name: str) -> np.ndarray:
    return np.concatenate([DENSE, SPECIAL, kink_points(name)])


def _pointwise(f):
    """Elementwise derivative of an elementwise function, by reverse mode."""
    return jax.vmap(jax.grad(f))


@functools.cache
def profile(name: str) -> dict[str, np.ndarray]:
    """f, f′ and f″ on ``grid(name)`` in float64, by every route, in one jitted call."""
    r = rec(name)
    fn, ref = r.fn, r.reference

    def fwd(f):
        return lambda x: jax.jvp(f, (x,), (jnp.ones_like(x),))[1]

    def run(x):
        out = {
            "f": fn(x),
            "d1_hand": r.derivative(x),
            "d1_rev": _pointwise(fn)(x),
            "d1_fwd": fwd(fn)(x),
            "d2_rev": _pointwise(jax.grad(fn))(x),
            "d2_fwd": fwd(fwd(fn))(x),
            "d2_mixed": fwd(_pointwise(fn))(x),
            "ref_d1": _pointwise(ref)(x),
            "ref_d2": _pointwise(jax.grad(ref))(x),
        }
        if r.second_derivative is not None:
            out["d2_hand"] = r.second_derivative(x)
        if r.jax_nn is not None:
            out["jax_d1"] = _pointwise(jax_nn_fn(name))(x)
        return out

    res = jax.jit(run)(jnp.asarray(grid(name), jnp.float64))
    return {k: np.asarray(v) for k, v in res.items()}


def on_grid(name: str, key: str, xs) -> np.ndarray:
    """Values of profile[key] at grid points equal to ``xs``."""
    g, v = grid(name), profile(name)[key]
    out = []
    for x in np.atleast_1d(xs):
        idx = np.flatnonzero(g == x) if not np.isnan(x) else np.flatnonzero(np.isnan(g))
        out.append(v[idx[0]])
    return np.array(out)


def away_from_kinks(name: str, x: np.ndarray, gap: float = 2e-3) -> np.ndarray:
    ok = np.isfinite(x)
    for k in rec(name).card.kinks:
        ok &= np.abs(x - k.x) > gap
    return ok


def close(a, b, rtol, atol=0.0) -> np.ndarray:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    both_nan = np.isnan(a) & np.isnan(b)
    same_inf = np.isinf(a) & (a == b)
    with np.errstate(invalid="ignore"):
        return both_nan | same_inf | (np.abs(a - b) <= atol + rtol * np.abs(b))


def assert_close(a, b, rtol, atol=0.0, x=None, what=""):
    ok = close(a, b, rtol, atol)
    if not ok.all():
        i = np.flatnonzero(~ok)[:5]
        where = f" at x={np.asarray(x)[i]}" if x is not None else ""
        raise AssertionError(
            f"{what}: {int((~ok).sum())} mismatches{where}: got {np.asarray(a)[i]}, "
            f"expected {np.asarray(b)[i]}"
        )


# --------------------------------------------------------------------------------------
# Wiring: the hand derivatives are what autodiff of the public function returns
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_grad_of_fn_is_the_hand_derivative(name):
    p, x = profile(name), grid(name)
    # reverse and forward mode of the public function return the hand f′ (× 1.0)
    assert_close(p["d1_rev"], p["d1_hand"], 4 * EPS64, x=x, what="grad(fn) vs hand f′")
    assert_close(p["d1_fwd"], p["d1_hand"], 4 * EPS64, x=x, what="jvp(fn) vs hand f′")


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_second_order_is_the_hand_second_derivative(name):
    p, x = profile(name), grid(name)
    # all three second-order routes agree ...
    for k in ("d2_fwd", "d2_mixed"):
        assert_close(p[k], p["d2_rev"], 4 * EPS64, x=x, what=f"{k} vs grad(grad(fn))")
    # ... and equal the hand f″ where there is one
    if "d2_hand" in p:
        assert_close(p["d2_rev"], p["d2_hand"], 4 * EPS64, x=x, what="grad∘grad vs hand f″")


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_hand_derivatives_match_autodiff_of_reference(name):
    # A loose independent check (the strict one is jaxact.check.gradcheck): |x| ≤ 8, away
    # from kinks, where the plain formula is accurate enough.
    p, x = profile(name), grid(name)
    m = away_from_kinks(name, x) & (np.abs(x) <= 8)
    assert_close(p["d1_hand"][m], p["ref_d1"][m], 1e-8, 1e-10, x=x[m], what="f′ vs reference")
    assert_close(p["d2_rev"][m], p["ref_d2"][m], 1e-6, 1e-8, x=x[m], what="f″ vs reference")


@pytest.mark.parametrize("name", [n for n in ELEMENTWISE if rec(n).jax_nn])
def test_derivative_matches_jax_nn_away_from_kinks(name):
    p, x = profile(name), grid(name)
    m = away_from_kinks(name, x) & (np.abs(x) <= 12)
    # absolute tolerance: jax.nn's autodiff loses relative accuracy in some tails
    assert_close(p["d1_hand"][m], p["jax_d1"][m], 1e-9, 1e-12, x=x[m], what="f′ vs jax.nn")


def test_mish_derivative_has_relative_accuracy_in_the_tails():
    # a sample of the tail claim (full oracle checks: jaxact.check.gradcheck)
    x = jnp.array([-30.0, -20.0, 20.0, 30.0])
    got = np.asarray(rec("mish").derivative(x))
    e = np.exp(np.array([-30.0, -20.0]))  # mish′(x) ≈ eˣ(1 + x) + O(e^{2x}) for x → −∞
    np.testing.assert_allclose(got[:2], e * (1 + np.array([-30.0, -20.0])), rtol=1e-6)
    w2 = np.exp(-2.0 * np.array([20.0, 30.0]))  # mish′(x) ≈ 1 + (4x − 2)e^{−2x}, x → ∞
    np.testing.assert_allclose(got[2:], 1.0 + (4.0 * np.array([20.0, 30.0]) - 2.0) * w2, rtol=1e-15)


# --------------------------------------------------------------------------------------
# Values against jax.nn
# --------------------------------------------------------------------------------------


XV = np.concatenate([np.arange(-1200, 1201) / 100.0, [-1e4, 1e4, -1e3, 1e3, 0.0, -0.0]])


@pytest.mark.parametrize("name", [n for n in ELEMENTWISE if rec(n).jax_nn])
def test_values_match_jax_nn(name):
    ours, theirs = rec(name).fn, jax_nn_fn(name)

    @jax.jit
    def both(x32, x64):
        return (ours(x32), theirs(x32)), (ours(x64), theirs(x64))

    res = both(jnp.asarray(XV, jnp.float32), jnp.asarray(XV, jnp.float64))
    for dtype, (a, b) in zip((jnp.float32, jnp.float64), res, strict=True):
        assert a.dtype == b.dtype == dtype
        eps = float(jnp.finfo(dtype).eps)
        tol = 8 * eps * (1 + np.abs(XV))
        assert_close(a, b, 8 * eps, tol, x=XV, what=f"{name} vs jax.nn ({dtype.__name__})")


VEC_CASES = ["softmax 0", "softmax -1", "softmax masked", "log_softmax 0", "log_softmax -1",
             "log_softmax masked", "glu 0", "glu -1"]  # fmt: skip


@functools.partial(jax.jit, static_argnames="dtype")
def _vector_vs_jax_nn(key, dtype):
    x = 3.0 * jax.random.normal(key, (5, 8), dtype)
    mask = jax.random.bernoulli(jax.random.fold_in(key, 1), 0.7, (5, 8)).at[:, 0].set(True)
    out = []
    for name in ("softmax", "log_softmax"):
        f, g = getattr(ja, name), getattr(jax.nn, name)
        out += [(f(x, axis=a), g(x, axis=a)) for a in (0, -1)]
        out.append((f(x, where=mask), g(x, where=mask)))
    out.append((ja.glu(x[:4], axis=0), jax.nn.glu(x[:4], axis=0)))
    out.append((ja.glu(x), jax.nn.glu(x)))
    return out


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
def test_vector_values_match_jax_nn(dtype):
    eps = float(jnp.finfo(dtype).eps)
    res = _vector_vs_jax_nn(jax.random.key(0), dtype)
    for what, (a, b) in zip(VEC_CASES, res, strict=True):
        assert a.dtype == dtype
        assert_close(a, b, 8 * eps, 8 * eps, what=what)


def test_gelu_defaults_and_approximate_flag():
    x = jnp.linspace(-5.0, 5.0, 101, dtype=jnp.float32)
    assert rec("gelu").fn is ja.gelu
    assert inspect.signature(ja.gelu).parameters["approximate"].default is False

    @jax.jit
    def run(x):
        tanh_grad = jax.vmap(jax.grad(lambda v: ja.gelu(v, approximate=True)))(x)
        return (
            (ja.gelu(x, approximate=True), ja.gelu_tanh(x)),
            (ja.gelu(x), jax.nn.gelu(x, approximate=False)),
            (ja.gelu(x, True), jax.nn.gelu(x)),
            (tanh_grad, rec("gelu_tanh").derivative(x)),
        )

    (a, b), (c, d), (e, f), (g, h) = run(x)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(c, d, atol=1e-6)
    np.testing.assert_allclose(e, f, atol=1e-6)
    np.testing.assert_array_equal(g, h)  # the approximate branch uses gelu_tanh's f′
    with pytest.raises(TypeError, match="`approximate`"):
        ja.gelu(x, approximate="tanh")
    with pytest.raises(TypeError, match="`approximate`"):
        jax.jit(ja.gelu)(x, True)  # a traced flag is refused, not silently used


# --------------------------------------------------------------------------------------
# Kinks
# --------------------------------------------------------------------------------------

KINKED = [n for n in ELEMENTWISE if rec(n).card.kinks]


@pytest.mark.parametrize("name", KINKED)
def test_kink_values_are_exact(name):
    r = rec(name)
    scalar = jax.jit(lambda x: (jax.grad(r.fn)(x), jax.grad(jax.grad(r.fn))(x), r.derivative(x)))
    for k in r.card.kinks:
        # scalar (unbatched) grad: exactly the card's values
        d1, d2, hand = (float(v) for v in scalar(jnp.float64(k.x)))
        assert d1 == k.d1 and hand == k.d1, (k, d1, hand)
        if k.d2 is not None:
            assert d2 == k.d2, (k, d2)
        # batched (vmap) inside the profile: the same
        assert on_grid(name, "d1_rev", k.x)[0] == k.d1
        if k.d2 is not None:
            assert on_grid(name, "d2_rev", k.x)[0] == k.d2


@pytest.mark.parametrize("name", KINKED)
def test_kink_one_sided_limits_and_policy(name):
    r = rec(name)
    for k in r.card.kinks:
        left, right = on_grid(name, "d1_hand", [k.x - 1e-9, k.x + 1e-9])
        np.testing.assert_allclose([left, right], [k.left, k.right], atol=1e-6, err_msg=str(k))
        # the minimum-norm subgradient of the one-sided derivatives
        assert k.d1 == pytest.approx(min_norm(k.left, k.right), abs=1e-15)
        # f″: the minimum-norm value of the one-sided limits
        if k.d2 is not None:
            l2, r2 = on_grid(name, "d2_rev", [k.x - 1e-9, k.x + 1e-9])
            assert k.d2 == pytest.approx(min_norm(l2, r2), abs=1e-6), (k, l2, r2)


def _jumps(x, y, rel):
    """Indices i where y jumps between x[i] and x[i+1]."""
    dy = np.abs(np.diff(y))
    scale = np.maximum(1.0, np.maximum(np.abs(y[:-1]), np.abs(y[1:])))
    return np.flatnonzero(dy > rel * scale)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_every_jump_is_a_listed_kink(name):
    p, x = profile(name), grid(name)
    n = len(DENSE)
    xd = x[:n]
    kinks = [k.x for k in rec(name).card.kinks]
    found = {}
    for key, rel in (("f", 0.05), ("d1_hand", 0.01), ("d2_rev", 0.05)):
        idx = _jumps(xd, p[key][:n], rel)
        found[key] = {float(xd[i]) for i in idx}
        for i in idx:
            assert any(xd[i] <= kx <= xd[i + 1] for kx in kinks), (
                f"{key} jumps between {xd[i]} and {xd[i + 1]}, not a listed kink"
            )
    card = rec(name).card
    discontinuous_f = bool(found["f"])
    assert discontinuous_f == (card.smoothness == "discontinuous")
    jumps_d1 = [k for k in card.kinks if k.left != k.right]
    if card.smoothness in ("C1", "C2", "Cinf"):
        assert not jumps_d1 and not found["d1_hand"]
    if card.smoothness in ("C0", "discontinuous"):
        assert jumps_d1 and found["d1_hand"]
    if card.smoothness == "C1":
        assert found["d2_rev"], "a C¹ card needs an f″ jump"
    if card.smoothness in ("C2", "Cinf"):
        assert not card.kinks
        assert rec(name).second_derivative is not None, "C² needs a hand-written f″"


# --------------------------------------------------------------------------------------
# Special inputs
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivatives_finite_wherever_f_is_finite(name):
    p, x = profile(name), grid(name)
    fin = np.isfinite(p["f"])
    for key in ("d1_hand", "d1_rev", "d1_fwd", "d2_rev"):
        bad = fin & ~np.isfinite(p[key])
        assert not bad.any(), f"{key} not finite at x={x[bad][:6]}"
    special = np.isin(x, [1e4, -1e4, np.inf, -np.inf, TINY, -TINY, 1e-310, -1e-310])
    assert fin[special].sum() >= 4  # f is finite at most special points


GATED = {"silu", "swish_beta", "gelu", "gelu_tanh", "mish"}  # x·gate(x): −inf·0 = NaN


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_f_is_nan_only_where_documented(name):
    p, x = profile(name), grid(name)
    nan_at = x[np.isnan(p["f"]) & ~np.isnan(x)]
    assert list(nan_at) == ([-np.inf] if name in GATED else []), nan_at


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_nan_in_nan_out(name):
    for key in ("f", "d1_hand", "d1_rev", "d1_fwd"):
        assert np.isnan(on_grid(name, key, np.nan)[0]), key


def test_values_at_infinity():
    f = jax.jit(lambda x: [g(x) for g in (ja.softsign, ja.hard_silu, ja.silu, ja.gelu, ja.mish)])
    soft_sign, hard_silu, *gated = f(jnp.array([-jnp.inf, jnp.inf]))
    np.testing.assert_array_equal(soft_sign, [-1.0, 1.0])  # jax.nn: NaN (inf/inf)
    np.testing.assert_array_equal(hard_silu, [0.0, jnp.inf])  # jax.nn: NaN (−inf·0)
    for y in gated:  # documented: −inf·0 = NaN, as in jax.nn; +inf stays +inf
        assert np.isnan(y[0]) and y[1] == jnp.inf
    for name in GATED:  # their derivatives are 0 and 1 there
        d = jax.jit(jax.vmap(jax.grad(rec(name).fn)))(jnp.array([-jnp.inf, jnp.inf]))
        np.testing.assert_array_equal(d, [0.0, 1.0], err_msg=name)


# --------------------------------------------------------------------------------------
# Dtypes
# --------------------------------------------------------------------------------------

FLOATS = [jnp.float16, jnp.bfloat16, jnp.float32, jnp.float64]
BASE = np.array([[-2.5, -1.0, -0.25, 0.0, 0.5, 1.5, 3.0, 7.0]])
INTS = np.array([[-3, -2, -1, 0, 1, 2, 3, 7]])


@functools.cache
def low_precision_values() -> dict:
    """Every activation on bfloat16/float16 input, and on the same input in float32."""

    @jax.jit
    def run(x, xi):
        out = {}
        for n in NAMES:
            f = rec(n).fn
            for dt in (jnp.bfloat16, jnp.float16):
                xd = x.astype(dt)
                out[n, jnp.dtype(dt).name] = (f(xd), f(xd.astype(jnp.float32)).astype(dt))
            out[n, "int"] = (f(xi), f(xi.astype(jnp.result_type(float))))
        return out

    return run(jnp.asarray(BASE), jnp.asarray(INTS, jnp.int32))


@pytest.mark.parametrize("name", NAMES)
def test_dtypes_are_preserved(name):
    f = rec(name).fn
    for dt in FLOATS:
        spec = jax.ShapeDtypeStruct(BASE.shape, dt)
        assert jax.eval_shape(f, spec).dtype == dt
        if dt in (jnp.bfloat16, jnp.float32):  # the cast back, and no cast
            g = jax.eval_shape(jax.grad(lambda v: jnp.sum(f(v).astype(jnp.float32))), spec)
            assert g.dtype == dt
    assert jax.eval_shape(f, jax.ShapeDtypeStruct(BASE.shape, jnp.int32)).dtype == jnp.result_type(
        float
    )
    vals = low_precision_values()
    for dt in ("bfloat16", "float16"):
        # computed in float32 and rounded once to the input dtype
        y, y32 = vals[name, dt]
        assert y.dtype == jnp.dtype(dt)
        np.testing.assert_array_equal(np.asarray(y, np.float32), np.asarray(y32, np.float32))
    yi, yf = vals[name, "int"]
    assert yi.dtype == jnp.result_type(float)
    np.testing.assert_array_equal(yi, yf)


def test_int_input_default_float_without_x64():
    # under the test config x64 is on; the conversion follows jnp's default float
    assert ja.relu(jnp.arange(3)).dtype == jnp.result_type(float)
    assert ja.relu(3).dtype == jnp.result_type(float)


# --------------------------------------------------------------------------------------
# The card, verified numerically
# --------------------------------------------------------------------------------------


def _finite(name, key="f"):
    """Grid points where f is a number (not NaN), and the values of ``key`` there."""
    p, x = profile(name), grid(name)
    m = ~np.isnan(x) & ~np.isnan(p["f"])
    return x[m], p[key][m]


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_card_range_holds_and_is_tight(name):
    lo, hi = rec(name).card.range
    _, f = _finite(name)
    tol = 1e-12
    assert np.all(f >= lo - tol) and np.all(f <= hi + tol), (f.min(), f.max())
    fmin, fmax = np.min(f), np.max(f)
    assert (fmin <= -1e3) if lo == -math.inf else fmin == pytest.approx(lo, abs=1e-6)
    assert (fmax >= 1e3) if hi == math.inf else fmax == pytest.approx(hi, abs=1e-6)
    assert rec(name).card.bounded == (math.isfinite(lo) and math.isfinite(hi))


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_card_monotonic(name):
    n = len(DENSE)
    f = profile(name)["f"][:n]
    d = np.diff(f)
    tol = 8 * EPS64 * np.maximum(1.0, np.abs(f[1:]))
    if rec(name).card.monotonic:
        assert np.all(d >= -tol)
    else:
        assert np.any(d < -1e-6), "claimed non-monotonic, but f never decreases"


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_card_zero_centred(name):
    _, f = _finite(name)
    f0 = on_grid(name, "f", 0.0)[0]
    both_signs = (f.min() < 0) and (f.max() > 0)
    assert rec(name).card.zero_centred == (f0 == 0 and both_signs)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_card_max_slope(name):
    x, d = _finite(name, "d1_hand")
    sup = np.max(np.abs(d[np.isfinite(x)]))  # the grid reaches ±1e300 (sup at ±∞)
    ms = rec(name).card.max_slope
    if ms == math.inf:
        assert np.max(np.abs(d)) == np.inf or sup > 1e4
    else:
        assert sup <= ms * (1 + 1e-12), (sup, ms)
        assert sup == pytest.approx(ms, rel=1e-6)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_card_saturation(name):
    card = rec(name).card
    d = on_grid(name, "d1_hand", [-1e4, -1e2, 1e2, 1e4])
    left = abs(d[0]) < 1e-6 and abs(d[0]) <= abs(d[1])
    right = abs(d[3]) < 1e-6 and abs(d[3]) <= abs(d[2])
    want = {"none": (False, False), "left": (True, False), "right": (False, True)}
    assert (left, right) == want.get(card.saturating, (True, True)), d
    # a bounded side is a saturating side, and the converse, throughout the catalog
    lo, hi = card.range
    assert (left, right) == (math.isfinite(lo), math.isfinite(hi))
    if not left:
        assert abs(d[0]) > 1e-3
    if not right:
        assert abs(d[3]) > 1e-3


@pytest.mark.parametrize("name", NAMES)
def test_record_is_complete(name):
    r = rec(name)
    assert r.name == name and r.kind in ("elementwise", "vector")
    doc = r.fn.__doc__ or ""
    for part in ("Args:", "Returns:", "Examples:", ">>>", ".. math::"):
        assert part in doc, f"{name}: docstring lacks {part!r}"
    assert getattr(ja, name) is r.fn
    for a in r.aliases:
        assert getattr(ja, a) is r.fn
        assert ja.get(a) is r
    assert set(r.learnable) <= set(r.defaults)
    assert set(r.param_derivatives) == set(r.defaults)
    if r.kind == "elementwise":
        sig = inspect.signature(r.fn)
        static = ["approximate"] if name == "gelu" else []  # gelu's formula switch
        assert list(sig.parameters)[1:] == list(r.defaults) + static
        for k, v in r.defaults.items():
            assert sig.parameters[k].default == v
    if r.jax_nn is not None:
        assert hasattr(jax.nn, r.jax_nn)
        jsig = inspect.signature(getattr(jax.nn, r.jax_nn))
        # our signature starts like jax.nn's (same names, same order, same defaults)
        ours = inspect.signature(r.fn).parameters
        for k, p in list(jsig.parameters.items())[1:]:
            if k in r.jax_nn_kwargs:
                continue
            assert k in ours, f"{name}: jax.nn has `{k}`"
            if p.default is not inspect.Parameter.empty and p.default is not None:
                assert ours[k].default == p.default, (k, ours[k].default, p.default)


# --------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------

PARAM_CASES = [(n, k) for n in WITH_PARAMS for k in rec(n).defaults]
XP = np.linspace(-6.0, 6.0, 601) + 0.000123  # no point on a kink


def _other_value(name, k):
    v = rec(name).defaults[k]
    return {"threshold": 0.5, "value": -0.25}.get(k, 1.3 * v + 0.1)


@pytest.mark.parametrize(("name", "pname"), PARAM_CASES)
def test_param_derivative(name, pname):
    r = rec(name)

    @jax.jit
    def run(x, pv):
        def along(f):  # ∂f/∂p at each x by reverse mode
            return jax.vmap(jax.grad(lambda xi, q: f(xi, **{pname: q}), argnums=1), (0, None))

        kw = {pname: pv}
        return {
            "grad_fn": along(r.fn)(x, pv),
            "hand": r.param_derivatives[pname](x, **kw),
            "grad_ref": along(r.reference)(x, pv),
            "d1": r.derivative(x, **kw),
            "ref_d1": jax.vmap(jax.grad(lambda xi: r.reference(xi, **kw)))(x),
        }

    for value in (r.defaults[pname], _other_value(name, pname)):
        o = run(jnp.asarray(XP), jnp.float64(value))
        what = f"{pname}={value}"
        assert_close(o["grad_fn"], o["hand"], 4 * EPS64, x=XP, what=f"grad wrt p vs hand, {what}")
        assert_close(o["hand"], o["grad_ref"], 1e-8, 1e-10, x=XP, what=f"∂f/∂p vs ref, {what}")
        # the hand f′ at this parameter value, against the reference
        assert_close(o["d1"], o["ref_d1"], 1e-8, 1e-10, x=XP, what=f"f′ vs ref, {what}")


@pytest.mark.parametrize("name", WITH_PARAMS)
def test_per_unit_parameters_broadcast_and_differentiate(name):
    r = rec(name)
    k = next(iter(r.defaults))
    x = jnp.asarray(np.linspace(-4.0, 4.0, 24).reshape(6, 4) + 0.013)
    p = jnp.asarray([r.defaults[k], _other_value(name, k), r.defaults[k], 0.9 * r.defaults[k]])

    @jax.jit
    def run(x, p):
        cols = jnp.stack([r.fn(x[:, j], **{k: p[j]}) for j in range(4)], axis=1)
        g = jax.grad(lambda q: jnp.sum(r.fn(x, **{k: q})))(p)
        want = jnp.sum(r.param_derivatives[k](x, **{k: p}), axis=0)
        return r.fn(x, **{k: p}), cols, g, want

    y, cols, g, want = run(x, p)
    assert y.shape == (6, 4)
    np.testing.assert_array_equal(y, cols)
    np.testing.assert_allclose(g, want, rtol=1e-13, atol=1e-15)
    with pytest.raises(ValueError, match="broadcast"):
        jax.eval_shape(lambda x: r.fn(x, **{k: jnp.ones(3)}), x)


def test_learnable_entries():
    assert rec("prelu").learnable == ("negative_slope",)
    assert rec("prelu").defaults["negative_slope"] == 0.25
    assert rec("swish_beta").learnable == ("beta",)
    assert rec("swish_beta").defaults["beta"] == 1.0
    assert rec("silu").learnable == ()
    x = jnp.linspace(-3.0, 3.0, 13)
    np.testing.assert_array_equal(*jax.jit(lambda x: (ja.swish_beta(x), ja.silu(x)))(x))


def test_selu_constants_and_rrelu_slope():
    assert A._SELU_ALPHA == 1.6732632423543772848170429916717
    assert A._SELU_SCALE == 1.0507009873554804934193349852946
    assert float(ja.rrelu(jnp.float64(-48.0))) == -11.0


def test_parameter_errors():
    with pytest.raises(TypeError, match="`alpha` of elu"):
        ja.elu(jnp.ones(3), alpha="big")
    with pytest.raises(TypeError, match="elu"):
        ja.elu(jnp.ones(3), alhpa=1.0)
    with pytest.raises(TypeError, match="`x` of relu"):
        ja.relu(jnp.ones(3, jnp.complex64))
    with pytest.raises(TypeError, match="`x` of relu"):
        ja.relu("1.0")


# --------------------------------------------------------------------------------------
# Vector kinds
# --------------------------------------------------------------------------------------


def _xv(shape=(4, 6), seed=0):
    k1, k2 = jax.random.split(jax.random.key(seed))
    x = 2.0 * jax.random.normal(k1, shape, jnp.float64)
    v = jax.random.normal(k2, shape, jnp.float64)
    return x, v


@pytest.mark.parametrize("name", VECTOR)
def test_vector_jvp(name):
    r = rec(name)

    @jax.jit
    def run(x, v, u0, u1):
        out = []
        for axis, u in ((-1, u0), (0, u1)):
            hand = r.derivative(x, v, axis=axis)
            _, via_ref = jax.jvp(lambda z, a=axis: r.reference(z, axis=a), (x,), (v,))
            _, via_fn = jax.jvp(lambda z, a=axis: r.fn(z, axis=a), (x,), (v,))
            _, vjp = jax.vjp(lambda z, a=axis: r.fn(z, axis=a), x)
            (ju,) = vjp(u)
            out.append((hand, via_ref, via_fn, jnp.vdot(u, hand), jnp.vdot(ju, v)))
        return out

    x, v = _xv()
    half = name == "glu"
    u0 = jax.random.normal(jax.random.key(7), (4, 3 if half else 6), jnp.float64)
    u1 = jax.random.normal(jax.random.key(8), (2 if half else 4, 6), jnp.float64)
    for hand, via_ref, via_fn, uJv, JTuv in run(x, v, u0, u1):
        np.testing.assert_allclose(hand, via_ref, rtol=1e-12, atol=1e-13)
        np.testing.assert_array_equal(hand, via_fn)
        # reverse mode transposes the hand JVP: ⟨u, J v⟩ = ⟨Jᵀu, v⟩
        assert float(uJv) == pytest.approx(float(JTuv), rel=1e-12)


MASK = np.array([[True, False, True, True, False], [True] * 5, [False] * 5])  # last: all masked


@pytest.mark.parametrize("name", [n for n in VECTOR if n != "glu"])
def test_vector_where_masks(name):
    r = rec(name)
    x, v = _xv((3, 5))
    mask = jnp.asarray(MASK)

    @jax.jit
    def run(x, v):
        return {
            "y": r.fn(x, where=mask),
            "sub": r.fn(x[0, jnp.array([0, 2, 3])]),
            "row1": r.fn(x[1]),
            "jv": r.derivative(x, v, where=mask),
            "g": jax.grad(lambda z: jnp.sum(jnp.where(mask, r.fn(z, where=mask), 0.0) * v))(x),
            "ref": r.reference(x[:2], where=mask[:2]),
        }

    o = {k: np.asarray(val) for k, val in run(x, v).items()}
    fill = -np.inf if name == "log_softmax" else 0.0
    assert np.all(o["y"][~MASK] == fill)
    assert not np.isnan(o["y"]).any()
    # unmasked entries equal the function of the sub-vector
    np.testing.assert_allclose(o["y"][0, [0, 2, 3]], o["sub"], rtol=1e-14)
    np.testing.assert_allclose(o["y"][1], o["row1"], rtol=1e-14)
    # derivatives: masked inputs have no influence; all finite (the all-masked row too)
    for k in ("jv", "g"):
        assert np.all(np.isfinite(o[k])) and np.all(o[k][~MASK] == 0), k
    # the reference agrees with the masked forward on the rows that have an entry
    np.testing.assert_allclose(o["y"][:2], o["ref"], rtol=1e-12, atol=1e-300)
    if name != "log_softmax":
        np.testing.assert_array_equal(o["y"][2], 0.0)


@functools.cache
def _vector_props():
    x, _ = _xv((7, 9), seed=3)

    @jax.jit
    def run(x):
        out = {}
        for name in VECTOR:
            f = rec(name).fn
            if name != "glu":
                out[name, "rows"] = (f(10.0 * x, axis=0), f(10.0 * x + 100.0, axis=0))
            out[name, "axis"] = (f(x[:6, :6], axis=0), f(x[:6, :6].T, axis=-1).T)
            z = jnp.concatenate([x[:, :4], jnp.zeros((1, 4)), 30.0 * x[:, :4]])
            out[name, "card"] = (f(z), f(jnp.zeros(4)))
            if name != "glu":
                out[name, "jac"] = (jax.vmap(jax.jacfwd(f))(z), jax.jacfwd(f)(jnp.zeros(2)))
        return out

    return run(x)


@pytest.mark.parametrize("name", ["softmax", "softmin", "sparsemax", "log_softmax"])
def test_rows_are_distributions(name):
    y, y_shift = _vector_props()[name, "rows"]
    p = jnp.exp(y) if name == "log_softmax" else y
    np.testing.assert_allclose(jnp.sum(p, axis=0), 1.0, rtol=1e-13)
    assert np.all(np.asarray(p) >= 0)
    np.testing.assert_allclose(y_shift, y, rtol=1e-10, atol=1e-13)  # shift invariance


@pytest.mark.parametrize("name", VECTOR)
def test_vector_axis(name):
    a, b = _vector_props()[name, "axis"]
    np.testing.assert_allclose(a, b, rtol=1e-15)
    f = rec(name).fn
    x = jnp.ones((4, 6))
    with pytest.raises(ValueError, match="`axis`"):
        f(x, axis=2)
    with pytest.raises(TypeError, match="`axis`"):
        f(x, axis=1.0)


@pytest.mark.parametrize("name", VECTOR)
def test_vector_card(name):
    card = rec(name).card
    y, f0 = (np.asarray(v) for v in _vector_props()[name, "card"])
    lo, hi = card.range
    assert np.all(y >= lo) and np.all(y <= hi)
    assert card.kinks == ()
    if math.isfinite(card.max_slope):
        jac, jac0 = _vector_props()[name, "jac"]
        norms = np.linalg.norm(np.asarray(jac), ord=2, axis=(1, 2))
        assert norms.max() <= card.max_slope * (1 + 1e-12)
        # attained at two equal entries
        assert np.linalg.norm(np.asarray(jac0), 2) == pytest.approx(card.max_slope, rel=1e-12)
    both = bool(np.any(y < 0) and np.any(y > 0))
    assert card.zero_centred == bool(np.all(f0 == 0) and both)


@pytest.mark.parametrize("name", VECTOR)
def test_vector_nan_in_nan_out(name):
    r = rec(name)
    x = jnp.array([[jnp.nan, 0.0, 1.0, 2.0], [0.0, 1.0, 2.0, 3.0]])
    y, jv = jax.jit(lambda x: (r.fn(x), r.derivative(x, jnp.ones_like(x))))(x)
    assert np.isnan(np.asarray(y[0])).any() and np.isnan(np.asarray(jv[0])).any()
    assert np.isfinite(np.asarray(y[1])).all() and np.isfinite(np.asarray(jv[1])).all()


def test_sparsemax_known_values_and_support_kink():
    f = jax.jit(lambda x, v: (ja.sparsemax(x), rec("sparsemax").derivative(x, v)))
    e0 = jnp.array([1.0, 0.0, 0.0])
    p, _ = f(jnp.array([0.0, 0.5, 0.75]), e0)
    np.testing.assert_allclose(p, [0.0, 0.375, 0.625])
    p, _ = f(jnp.array([0.0, 0.5, 2.0]), e0)
    np.testing.assert_array_equal(p, [0.0, 0.0, 1.0])
    # at a support boundary, z = [0.25, 0.5, 1.0] has τ = 0.25 = z₀ and p₀ = 0 exactly:
    # entry 0 is left out of J (with it in, J e₀ would be [2/3, −1/3, −1/3])
    p, jv = f(jnp.array([0.25, 0.5, 1.0]), e0)
    np.testing.assert_array_equal(p, [0.0, 0.25, 0.75])
    np.testing.assert_array_equal(jv, [0.0, 0.0, 0.0])


def test_glu_shape_and_errors():
    x = jnp.arange(12.0).reshape(3, 4)
    assert jax.eval_shape(ja.glu, x).shape == (3, 2)
    assert jax.eval_shape(lambda z: ja.glu(z, axis=0), x[:2]).shape == (1, 4)
    with pytest.raises(ValueError, match="even"):
        ja.glu(jnp.ones((3, 3)))
    with pytest.raises(TypeError):
        ja.glu(x, where=jnp.ones((3, 4), bool))
    with pytest.raises(TypeError, match="`where`"):
        ja.softmax(x, where=jnp.ones((3, 4)))
    with pytest.raises(ValueError, match="`where`"):
        ja.softmax(x, where=jnp.ones((2, 4), bool))
    with pytest.raises(ValueError, match="at least 1 axis"):
        ja.softmax(jnp.float64(1.0))


# --------------------------------------------------------------------------------------
# Transformations
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["gelu", "prelu"])
def test_jit_vmap_and_eager_agree(name):
    f = rec(name).fn
    x = jnp.linspace(-5.0, 5.0, 33).reshape(3, 11)
    y = f(x)
    # fused (jit) and op-by-op (eager) code may round differently by an ulp
    np.testing.assert_allclose(jax.jit(f)(x), y, rtol=4 * EPS64, atol=1e-300)
    np.testing.assert_allclose(jax.vmap(f)(x), y, rtol=4 * EPS64, atol=1e-300)
    g = jax.grad(lambda z: jnp.sum(f(z)))(x)
    gj = jax.jit(jax.grad(lambda z: jnp.sum(f(z))))(x)
    np.testing.assert_allclose(gj, g, rtol=4 * EPS64, atol=1e-300)


def test_no_recompile_on_second_call():
    f = jax.jit(jax.grad(lambda z: jnp.sum(ja.silu(z))))
    x = jnp.linspace(-1.0, 1.0, 8)
    f(x)
    n = f._cache_size()
    f(x + 1.0)
    assert f._cache_size() == n


# --------------------------------------------------------------------------------------
# Properties (hypothesis)
# --------------------------------------------------------------------------------------

MONOTONE = [n for n in ELEMENTWISE if rec(n).card.monotonic]
finite = st.floats(-50.0, 50.0, allow_nan=False)


@functools.cache
def _all_monotone():
    return jax.jit(lambda x: [rec(n).fn(jnp.sort(x)) for n in MONOTONE])


@settings(max_examples=30, deadline=None)
@given(st.lists(finite, min_size=16, max_size=16))
def test_monotone_activations_preserve_order(xs):
    for name, y in zip(MONOTONE, _all_monotone()(jnp.asarray(xs, jnp.float64)), strict=True):
        y = np.asarray(y)
        tol = 8 * EPS64 * np.maximum(1.0, np.abs(y[1:]))
        assert np.all(np.diff(y) >= -tol), name


@functools.cache
def _shifted():
    return jax.jit(
        lambda x, c: [(rec(n).fn(x + c), rec(n).fn(x)) for n in ("softmax", "sparsemax")]
    )


@settings(max_examples=25, deadline=None)
@given(st.lists(finite, min_size=8, max_size=8), st.floats(-100.0, 100.0))
def test_softmax_family_shift_invariance(xs, c):
    for a, b in _shifted()(jnp.asarray(xs, jnp.float64), jnp.float64(c)):
        np.testing.assert_allclose(a, b, atol=1e-12)


def test_negative_controls_are_caught():
    # The comparisons used above flag a derivative wired 1e-6 off, and a kink value
    # that is not the minimum-norm subgradient.
    r = rec("elu")
    wrong = A.with_rule(A._elu_f, lambda x, a: A._elu_d(x, a) * (1 + 1e-6), (lambda x, a: x,))
    x = jnp.linspace(-3.0, 3.0, 61)
    got = jax.vmap(jax.grad(lambda v: wrong(v, jnp.float64(1.0))))(x)
    assert not close(got, r.derivative(x), 4 * EPS64).all()
    with pytest.raises(AssertionError, match="mismatches"):
        assert_close(got, r.derivative(x), 4 * EPS64, x=x, what="control")
    assert min_norm(0.0, 1.0) == 0.0 and min_norm(-0.5, 0.0) == 0.0 and min_norm(1.5, 1.0) == 1.0
    assert min_norm(0.01, 1.0) != 1.0  # leaky_relu′(0) = 1 (jax.nn's value) breaks the policy


# --------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------


def test_catalog_covers_the_anchor_libraries():
    missing = {
        lib: [n for n in names if n not in NAMES and n not in ja.aliases()]
        for lib, names in ANCHOR_NAMES.items()
    }
    assert missing == {"jax.nn": [], "torch": [], "keras": []}


def test_names_and_aliases():
    assert len(NAMES) == len(set(NAMES)) >= 35
    al = ja.aliases()
    assert al["swish"] == "silu" and al["hard_swish"] == "hard_silu" and al["linear"] == "identity"
    assert al["logistic"] == "sigmoid" and al["soft_sign"] == "softsign"
    assert not set(al) & set(NAMES)
    assert set(al.values()) <= set(NAMES)
    assert ja.get("Swish") is ja.get("silu")
    assert ja.get("HARD-SWISH") is ja.get("hard_silu")
    assert ja.get(" leaky-relu ") is ja.get("leaky_relu")
    assert ja.get(ja.get("relu")) is ja.get("relu")


def test_unknown_name_lists_closest():
    with pytest.raises(ValueError, match=r"unknown name 'relu7'; closest: .*relu6"):
        ja.get("relu7")
    with pytest.raises(ValueError, match=re.escape("Valid names: identity, relu")):
        ja.get("nonsense-activation")
    with pytest.raises(TypeError, match="`activation`"):
        ja.get(3)


def test_double_registration_is_refused():
    with pytest.raises(ValueError, match="registered twice"):
        A.register(rec("relu"))
