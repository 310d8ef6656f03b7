"""The theory wing against independent references: mpmath integrals of the oracles'
formulas, the published closed-form kernels, and the mean-field identities.

Negative controls (a derivative off by 1e-6, a kink left out of the quadrature) must
fail the same comparisons that the library passes.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import mpmath as mp
import numpy as np
import pytest
from jax.scipy.special import erf

import jaxact as ja
from jaxact.check import oracles

RTOL = 1e-12
Q = 1.3

# Activations whose quadrature is checked against mpmath: kinked (relu6, hard_tanh,
# hard_silu, softsign), discontinuous (threshold, hardshrink), a parameter that moves the
# kinks (softshrink with λ = 0.8), smooth ones, and the C¹ ELU.
ORACLE_CASES = [
    ("relu6", {}),
    ("hard_tanh", {}),
    ("hard_silu", {}),
    ("softsign", {}),
    ("threshold", {}),
    ("hardshrink", {}),
    ("softshrink", {"lambd": 0.8}),
    ("elu", {}),
    ("selu", {}),
    ("gelu", {}),
    ("silu", {}),
    ("tanh", {}),
    ("mish", {}),
    ("sigmoid", {}),
]


def mp_moments(name: str, params: dict, q: float) -> tuple[float, float, float]:
    """E[f], E[f²], E[f′²] under N(0, q) by mpmath quadrature of the oracle's formula,
    split at the kinks read from the formula's definition (passed in by the caller)."""
    rec = ja.get(name)
    p = {**rec.defaults, **params}
    f = oracles.ELEMENTWISE[name]

    def fx(x):
        return f(x, **p)

    kinks = [k for k in ja.nonlinearity(name, params=params).kinks]
    s = mp.sqrt(q)
    pts = [-mp.inf, *[mp.mpf(k) / s for k in kinks], mp.inf]
    with mp.workdps(20):
        out = [
            mp.quad(lambda z, g=g: g(s * z) * mp.npdf(z), pts)
            for g in (fx, lambda x: fx(x) ** 2, lambda x: mp.diff(fx, x) ** 2)
        ]
    return tuple(float(v) for v in out)


def rel(a, b, scale=None):
    return abs(float(a) - float(b)) / (abs(float(b)) if scale is None else scale)


@pytest.mark.parametrize(("name", "params"), ORACLE_CASES)
def test_moments_match_mpmath(name, params):
    m = ja.gaussian_moments(name, Q, params=params or None)
    o = mp_moments(name, params, Q)
    scale = math.sqrt(o[1])  # E[f] of an odd f is 0: compare it on the scale of f
    assert rel(m.mean, o[0], scale) <= RTOL, (m.mean, o[0])
    assert rel(m.second, o[1]) <= RTOL, (m.second, o[1])
    assert rel(m.slope2, o[2]) <= RTOL, (m.slope2, o[2])


def test_closed_forms_match_mpmath():
    for name in ("relu", "leaky_relu", "identity", "exponential"):
        m = ja.gaussian_moments(name, Q)
        o = mp_moments(name, {}, Q)
        assert rel(m.second, o[1]) <= RTOL and rel(m.slope2, o[2]) <= RTOL, name
        assert rel(m.mean, o[0], math.sqrt(o[1])) <= RTOL, name


def test_user_pair_and_negative_controls():
    """A user's (f, f′) pair passes; a derivative off by 1e-6 and a dropped kink fail."""
    rec = ja.get("relu6")
    o = mp_moments("relu6", {}, Q)
    good = ja.nonlinearity((rec.fn, rec.derivative), kinks=(0.0, 6.0))
    assert rel(ja.gaussian_moments(good, Q).slope2, o[2]) <= RTOL
    wrong = ja.nonlinearity((rec.fn, lambda x: rec.derivative(x) * (1 + 1e-6)), kinks=(0.0, 6.0))
    assert rel(ja.gaussian_moments(wrong, Q).slope2, o[2]) > 1e3 * RTOL
    dropped = ja.nonlinearity((rec.fn, rec.derivative), kinks=(0.0,))  # the kink at 6 left out
    m = ja.gaussian_moments(dropped, Q)
    assert max(rel(m.second, o[1]), rel(m.slope2, o[2])) > 1e3 * RTOL


# --------------------------------------------------------------------------------------
# Two-input expectations against the published kernels
# --------------------------------------------------------------------------------------

CS = np.array([-1.0, -0.7, 0.0, 0.4, 0.9, 0.999, 1.0])


def arccos_kernels(q, c, a=0.0):
    """Cho & Saul's arc-cosine kernels of degree 1 and 0, for a·min(x,0) + max(x,0),
    in the angle form of Neural Tangents' ABRelu (Pedamonti et al.'s leaky variant)."""
    k12 = q * c
    root = np.sqrt(np.maximum(q * q - k12 * k12, 0.0))
    angle = np.arctan2(root, k12)
    factor = (a - 1) ** 2 / (2 * np.pi)
    dot = (a * a + 1) / 2 - factor * angle
    return factor * root + dot * k12, dot


def test_arccos_kernel_relu_and_leaky():
    for a, name, params in ((0.0, "relu", None), (0.2, "leaky_relu", {"negative_slope": 0.2})):
        ref_ff, ref_dd = arccos_kernels(Q, CS, a)
        closed = ja.gaussian_kernels(name, Q, CS, params=params)
        quad = ja.gaussian_kernels(ja.nonlinearity(name, params=params, kinks=(0.0,)), Q, CS)
        for k in (closed, quad):
            np.testing.assert_allclose(k.ff, ref_ff, rtol=RTOL, atol=1e-15)
            np.testing.assert_allclose(k.dfdf, ref_dd, rtol=RTOL)


def test_gelu_kernel():
    """Tsuchida, Pearce et al. (AAAI 2021) GELU kernel, as in Neural Tangents' Gelu."""
    k12 = Q * CS
    d2 = (Q + 1) ** 2 - k12**2
    d = np.sqrt(d2)
    ang = np.arctan2(k12, d)
    ff = k12 / 4 + ((k12**2 + Q * Q * d2) / ((Q + 1) ** 2 * d) + k12 * ang) / (2 * np.pi)
    dd = (1 / d2 + (1 - Q * Q) / (Q + 1) ** 2 + 1) * k12 / d / (2 * np.pi) + 0.25
    dd = dd + ang / (2 * np.pi)
    k = ja.gaussian_kernels("gelu", Q, CS)
    np.testing.assert_allclose(k.ff, ff, rtol=RTOL)
    np.testing.assert_allclose(k.dfdf, dd, rtol=RTOL)


def test_erf_pair_kernel():
    """Williams (1997): E[erf(u₁) erf(u₂)] = (2/π) arcsin(2qc / (1 + 2q))."""
    pair = (erf, lambda x: 2 / math.sqrt(math.pi) * jnp.exp(-x * x))
    k = ja.gaussian_kernels(pair, Q, CS)
    np.testing.assert_allclose(k.ff, 2 / np.pi * np.arcsin(2 * Q * CS / (1 + 2 * Q)), atol=1e-15)
    dd = 4 / np.pi / np.sqrt((1 + 2 * Q) ** 2 - 4 * (Q * CS) ** 2)
    np.testing.assert_allclose(k.dfdf, dd, rtol=RTOL)


def test_kernels_at_c1_are_the_moments():
    for name in ("tanh", "hard_tanh", "elu"):
        k = ja.gaussian_kernels(name, Q, 1.0)
        m = ja.gaussian_moments(name, Q)
        assert rel(k.ff, m.second) <= RTOL and rel(k.dfdf, m.slope2) <= RTOL, name


def test_jit_and_vmap():
    qs = jnp.asarray([0.0, 0.5, 2.0, 30.0])
    batched = jax.vmap(lambda q: ja.gaussian_moments("tanh", q).slope2)(qs)
    looped = jnp.stack([ja.gaussian_moments("tanh", float(q)).slope2 for q in qs])
    np.testing.assert_allclose(batched, looped, rtol=1e-14)
    assert abs(float(batched[0]) - 1.0) <= 1e-15  # the q → 0⁺ limit, f′(0)² = 1
    jitted = jax.jit(lambda q, c: ja.gaussian_kernels("tanh", q, c).ff)
    np.testing.assert_allclose(jitted(1.0, 0.3), ja.gaussian_kernels("tanh", 1.0, 0.3).ff)
    assert float(ja.gaussian_moments("relu", 0.0).slope2) == 0.5  # one-sided limit


# --------------------------------------------------------------------------------------
# Mean-field maps
# --------------------------------------------------------------------------------------


def test_fixed_point_and_chi1_identities():
    for name, sw, sb in (("tanh", 1.7, 0.05), ("elu", 1.2, 0.1), ("gelu", 1.5, 0.3)):
        m = ja.mean_field(name, sw, sb, correlations=False)
        mom = ja.gaussian_moments(name, float(m.q_star))
        assert rel(sw * mom.second + sb, m.q_star) <= 1e-10, name
        assert rel(sw * mom.slope2, m.chi1) <= 1e-12, name


def test_relu_closed_form_fixed_point():
    m = ja.mean_field("relu", [1.0, 1.5], 0.2)
    np.testing.assert_allclose(m.q_star, [0.2 / 0.5, 0.2 / 0.25], rtol=1e-10)
    np.testing.assert_allclose(m.xi_c, -1 / np.log([0.5, 0.75]), rtol=1e-10)


def test_chaotic_c_star_is_a_fixed_point():
    sw, sb = 2.5, 0.05
    m = ja.mean_field("tanh", sw, sb)
    assert float(m.chi1) > 1 and 0 < float(m.c_star) < 1
    k = ja.gaussian_kernels("tanh", float(m.q_star), float(m.c_star))
    assert rel((sw * k.ff + sb) / m.q_star, m.c_star) <= 1e-9
    assert rel(m.xi_c, -1 / math.log(sw * float(k.dfdf))) <= 1e-9


def test_edge_of_chaos_is_he_for_relu_and_lecun_for_tanh():
    relu = ja.edge_of_chaos("relu")
    assert relu == ja.MeanFieldInit(2.0, 0.0)  # He: Var w = 2 / n_in
    tanh = ja.edge_of_chaos("tanh")
    assert abs(tanh.sigma_w2 - 1.0) < 1e-6 and tanh.sigma_b2 == 0.0  # LeCun: 1 / n_in
    m = ja.mean_field("tanh", ja.edge_of_chaos("tanh", 0.05).sigma_w2, 0.05)
    assert abs(float(m.chi1) - 1) < 1e-8
    with pytest.raises(ValueError, match=r"`sigma_b2`.*no edge of chaos"):
        ja.edge_of_chaos("relu", 0.05)
    # The weights are those of He's initializer, in distribution.
    w = ja.init_mlp(jax.random.key(0), (400, 300, 1), init=relu)[0]["w"]
    assert abs(float(jnp.var(w)) * 400 / 2 - 1) < 0.02


def test_unbounded_variance_is_inf_not_nan():
    m = ja.mean_field("relu", 3.0, 0.1)
    assert float(m.q_star) == math.inf and not bool(m.bounded)
    assert float(m.chi1) == 1.5  # the limit σ_w² (f′(−∞)² + f′(∞)²)/2
    assert float(ja.critical_sigma_w2("relu", 0.5)) == math.inf
    assert float(ja.q_star("exponential", 2.0, 0.0)) == math.inf


def test_swish_branches():
    pts = ja.fixed_points("silu", 2.0, 0.05)
    assert [p.attracting for p in pts] == [True, False]
    low = float(ja.q_star("silu", 2.0, 0.05, q0=1.0))
    high = float(ja.q_star("silu", 2.0, 0.05, q0=2 * pts[1].q))
    assert rel(low, pts[0].q) <= 1e-9 and high == math.inf


def test_phase_diagram_one_call():
    pd = ja.phase_diagram("tanh", [0.5, 1.5, 3.0], [0.0, 0.05])
    assert pd.field.chi1.shape == (2, 3)
    crit = np.asarray(pd.critical)
    chi = np.asarray(pd.field.chi1)
    for i in range(2):
        assert np.all((chi[i] > 1) == (np.asarray(pd.sigma_w2) > crit[i]))


# --------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: ja.gaussian_moments("softmax", 1.0), "`activation`.*vector"),
        (lambda: ja.gaussian_moments("glu", 1.0), "`activation`.*vector"),
        (lambda: ja.gaussian_moments("tanh", -1.0), "`q`.*≥ 0"),
        (lambda: ja.gaussian_moments("tanh", float("nan")), "`q`.*finite"),
        (lambda: ja.gaussian_kernels("tanh", 1.0, 1.5), "`c`.*\\[-1, 1\\]"),
        (lambda: ja.gaussian_moments("softshrink", 1.0, params={"lambd": -1.0}), "lambd"),
        (lambda: ja.gaussian_moments("elu", 1.0, params={"beta": 1.0}), "`params`"),
        (lambda: ja.mean_field("tanh", 0.0, 0.1), "`sigma_w2`.*> 0"),
        (lambda: ja.mean_field("tanh", 1.0, -0.1), "`sigma_b2`"),
        (lambda: ja.mean_field("tanh", float("inf"), 0.1), "`sigma_w2`.*finite"),
        (lambda: ja.MeanFieldInit(-1.0), "`sigma_w2`"),
        (lambda: ja.nonlinearity(np.tanh), "`activation`"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


# --------------------------------------------------------------------------------------
# Initialization in init_mlp, fit and sweep
# --------------------------------------------------------------------------------------


def test_biases_drawn_with_sigma_b2_and_zero_by_default():
    p = ja.init_mlp(jax.random.key(1), (3, 2000, 1), init=ja.MeanFieldInit(1.0, 0.25))
    assert abs(float(jnp.var(p[0]["b"])) / 0.25 - 1) < 0.1
    p0 = ja.init_mlp(jax.random.key(1), (3, 20, 1), activation="tanh")
    assert not np.any(np.asarray(p0[0]["b"]))


def test_sweep_over_sigma_w2_matches_fit():
    task = ja.load_task("xor")
    common = dict(activation="tanh", optimizer="adam", steps=4, hidden=(5, 5))
    res = ja.sweep(
        task,
        activations=["tanh"],
        seeds=[0, 1],
        steps=4,
        hidden=(5, 5),
        grid={"sigma_w2": [1.0, 3.0], "sigma_b2": [0.1]},
        log_every=2,
        progress=False,
    )
    fit = ja.fit(jax.random.key(1), task, init=ja.MeanFieldInit(3.0, 0.1), log_every=2, **common)
    loss = np.asarray(res.loss)  # (activation, sigma_w2, sigma_b2, seed, step)
    assert loss.shape[:4] == (1, 2, 1, 2)
    np.testing.assert_array_equal(loss[0, 1, 0, 1], np.asarray(fit.history["loss"]))
    assert not np.array_equal(loss[0, 0, 0, 1], loss[0, 1, 0, 1])


def test_show_gives_the_edge_of_chaos(capsys, tmp_path):
    from jaxact import cli

    assert cli.main(["show", "relu"]) == 0
    out = capsys.readouterr().out
    assert "sigma_b2 = 0: sigma_w2 = 2 " in out
    assert "sigma_b2 = 0.05: no edge of chaos" in out
    assert cli.main(["show", "softmax"]) == 0
    assert "vector activation" in capsys.readouterr().out


def test_the_shipped_edge_of_chaos_table_is_what_the_theory_computes():
    """`jaxact show` reads the table; it holds every elementwise entry, as computed."""
    elementwise = {n for n in ja.names() if ja.get(n).kind == "elementwise"}
    assert {n for n in elementwise if ja.edge_of_chaos_table(n) is not None} == elementwise
    assert ja.edge_of_chaos_table("softmax") is None
    for name in ("tanh", "elu", "relu"):
        table, computed = ja.edge_of_chaos_table(name), ja.edge_of_chaos_card(name)
        assert [e.sigma_b2 for e in table] == [e.sigma_b2 for e in computed]
        np.testing.assert_allclose(np.array(table), np.array(computed), rtol=1e-9)
