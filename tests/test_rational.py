"""The rational family: values, derivatives, overflow, fits, the network, bad input."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import mpmath as mp
import numpy as np
import pytest

import jaxact as ja
from jaxact.catalog import rational as rat
from jaxact.check import gradcheck, ulp_audit

REC = ja.get("rational")
NAMES = rat.rational_names((5, 4))


def _oracle(x: float, coeffs: dict[str, float]) -> float:
    with mp.workprec(200):
        return float(REC.oracle(mp.mpf(x), **{k: mp.mpf(v) for k, v in coeffs.items()}))


def test_family_beside_the_catalog():
    assert "rational" not in ja.names() and len(ja.names()) == 35
    assert ja.families() == ["rational"]
    assert REC.name == "rational" and REC.learnable == NAMES and not REC.learnable_per_unit
    assert ja.get("rational:silu") is REC
    assert ja.get("rational:gelu").name == "rational:gelu"
    assert ja.get("rational:tanh:3,2").learnable == rat.rational_names((3, 2))
    assert ja.get("rational:relu:unit").learnable_per_unit
    assert ja.default_init("rational:relu") == "he_normal"
    assert ja.default_init("rational:tanh") == "glorot_normal"


def test_values_against_mpmath():
    x = np.array([-40.0, -6.0, -1.5, -1.0, -0.25, 0.0, 0.3, 1.0, 2.5, 7.0, 1e3])
    with jax.enable_x64(True):
        got = np.asarray(ja.rational(jnp.asarray(x)))
    want = np.array([_oracle(v, dict(REC.defaults)) for v in x])
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-16)


def test_formula_is_the_peer_version_b():
    """P(x) / (1 + |Σ_{j≥1} b_j x^j|) written out, for a hand-picked (2, 2)."""
    rec = ja.rational_activation(coefficients=[0.5, 1.0, -2.0, 3.0, -0.25], degrees=(2, 2))
    with jax.enable_x64(True):
        x = jnp.array([-2.0, 0.5, 3.0])
        want = (0.5 + x - 2 * x**2) / (1 + jnp.abs(3 * x - 0.25 * x**2))
        np.testing.assert_allclose(rec.fn(x), want, rtol=1e-15)


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
def test_no_overflow_and_finite_slope(dtype):
    with jax.enable_x64(True):
        big = float(jnp.finfo(dtype).max)
        x = jnp.array([-big, -1e30, -1e10, -3.0, 0.0, 3.0, 1e10, 1e30, big], dtype)
        f = jax.jit(ja.rational)(x)
        d = jax.jit(jax.vmap(jax.grad(ja.rational)))(x)
        assert f.dtype == dtype and bool(jnp.all(jnp.isfinite(f)))
        assert bool(jnp.all(jnp.isfinite(d)))
        # f ~ (a5/|b4|)·x beyond the fitted range: the sign and size of the asymptote
        lead = REC.defaults["a5"] / abs(REC.defaults["b4"])
        np.testing.assert_allclose(np.asarray(f[-1], np.float64) / big, lead, rtol=1e-5)
        inf = ja.rational(jnp.array([-jnp.inf, jnp.inf, jnp.nan], dtype))
        assert np.isneginf(inf[0]) and np.isposinf(inf[1]) and np.isnan(inf[2])


def test_low_precision_computes_in_float32():
    x = jnp.array([-2.0, 0.5, 3.0], jnp.bfloat16)
    y = ja.rational(x)
    assert y.dtype == jnp.bfloat16
    np.testing.assert_allclose(
        np.asarray(y, np.float32), np.asarray(ja.rational(x.astype(jnp.float32))), rtol=1e-2
    )


def test_kink_at_zero_is_the_minimum_norm_subgradient():
    c = [0.5, 0.25, 0.0, 1.0]  # a0, a1, a2 | b1: one-sided slopes a1 ∓ a0|b1| = −0.25, 0.75
    rec = ja.rational_activation(coefficients=c, degrees=(2, 1))
    with jax.enable_x64(True):
        assert float(rec.derivative(0.0)) == 0.0
        assert float(jax.grad(rec.fn)(0.0)) == 0.0
        h = 1e-7
        right = (float(rec.fn(h)) - float(rec.fn(0.0))) / h
        left = (float(rec.fn(0.0)) - float(rec.fn(-h))) / h
    assert right == pytest.approx(-0.25, abs=1e-6) and left == pytest.approx(0.75, abs=1e-6)
    (k,) = rec.card.kinks
    assert (k.x, k.d1, k.left, k.right) == (0.0, 0.0, 0.75, -0.25)


def test_checker_passes_and_catches_broken_derivatives():
    checks = ["oracle", "kinks", "params"]  # the rest: python -m jaxact.check rational
    rows = gradcheck.check_activation(REC, checks=checks)
    assert rows and all(r.ok for r in rows), [r for r in rows if not r.ok]
    # negative controls, in one record: f′ off by 1e-6 relative, ∂f/∂b2 of the wrong sign
    pd = dict(REC.param_derivatives)
    pd["b2"] = lambda x, **p: -REC.param_derivatives["b2"](x, **p)
    bad = dataclasses.replace(
        REC,
        derivative=lambda x, **p: 1.000001 * REC.derivative(x, **p),
        param_derivatives=pd,
    )
    failed = {
        r.check for r in gradcheck.check_activation(bad, checks=["autodiff", "params"]) if not r.ok
    }
    assert {"autodiff f'", "param autodiff [b2]", "param fd [b2]"} <= failed
    assert not {"param autodiff [b1]", "param autodiff [a3]", "param fd [b4]"} & failed


def test_ulp_audit_passes_and_catches_an_injected_error():
    rows = ulp_audit.audit_activation(REC, sample=400)
    assert rows and all(r.ok for r in rows), [r for r in rows if not r.ok]

    def off(q, x, v):
        return v * (1 + 64 * np.finfo(np.float32).eps) if q == "d/da3" else v

    rows = ulp_audit.audit_activation(REC, sample=400, transform=off)
    assert {(r.quantity, r.ok) for r in rows if not r.ok} == {("d/da3", False)}


def test_shipped_fit_is_what_the_library_computes():
    """The shipped coefficients are the library's fit. A float64 least-squares fit through
    LAPACK rounds its last digits as the CPU's BLAS kernels do: 1.3e-9 relative between an
    AMD EPYC and an Intel Xeon with AVX-512 (the tolerance leaves room for that)."""
    shipped = ja.rational_init("tanh", degrees=(3, 2))
    now = rat.rational_fit("tanh", degrees=(3, 2))
    np.testing.assert_allclose(list(shipped.values()), list(now.values()), rtol=1e-7, atol=1e-12)
    other = rat.rational_fit("sigmoid", degrees=(3, 2))  # negative control: another fit
    assert not np.allclose(list(shipped.values()), list(other.values()), rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("start", ["relu", "leaky_relu", "tanh", "sigmoid", "gelu", "silu"])
def test_fits_are_close_on_the_interval(start):
    rec = ja.rational_activation(start)
    x = np.linspace(-3, 3, 601)
    with jax.enable_x64(True):
        err = np.max(np.abs(np.asarray(rec.fn(x)) - np.asarray(ja.get(start).fn(x))))
    assert err < 0.04  # relu's corner: 0.034; the smooth ones 1e-3 and below


@pytest.mark.parametrize("name", ["rational", "rational:tanh:3,2:unit"])
def test_manual_grad_equals_jax_grad(name):
    with jax.enable_x64(True):
        params = ja.init_mlp(jax.random.key(0), (3, 5, 4, 2), activation=name, dtype=jnp.float64)
        shape = (5,) if name.endswith("unit") else (1,)
        assert {v.shape for v in params[0]["act"].values()} == {shape}
        x = jax.random.normal(jax.random.key(1), (7, 3), jnp.float64)
        y = jnp.arange(7) % 2
        g = jax.jit(lambda p: ja.manual_grad(p, x, y, activation=name, loss="softmax"))(params)
        a = jax.jit(jax.grad(ja.make_loss("softmax", name)))(params, (x, y))
        for u, v in zip(jax.tree.leaves(g), jax.tree.leaves(a), strict=True):
            np.testing.assert_allclose(u, v, rtol=1e-10, atol=1e-13)


def test_fit_learns_coefficients_reproducibly_with_the_health_diagnostic():
    task = ja.load_task("xor")
    x, y = task.x[:32], task.y[:32]
    kw = dict(
        sizes=(2, 6, 1),
        activation="rational:gelu",
        optimizer="adam",
        learning_rate=1e-2,
        steps=12,
        diagnostics=True,
    )
    r1 = ja.fit(jax.random.key(3), (x, y), **kw)
    r2 = ja.fit(jax.random.key(3), (x, y), **kw)
    for u, v in zip(jax.tree.leaves(r1.params), jax.tree.leaves(r2.params), strict=True):
        assert np.array_equal(np.asarray(u), np.asarray(v))
    start = ja.rational_init("gelu")
    assert float(r1.params[0]["act"]["a2"][0]) != pytest.approx(start["a2"], abs=1e-6)
    h = r1.history
    assert h["min_q"].shape == h["max_abs_f"].shape == (len(h["step"]), 1)
    assert np.all(h["min_q"] >= 1.0) and np.all(np.isfinite(h["max_abs_f"]))


def test_rational_health_refuses_other_activations():
    params = ja.init_mlp(jax.random.key(0), (2, 3, 1), activation="relu")
    with pytest.raises(ValueError, match="`activation`: expected a rational"):
        ja.rational_health(params, jnp.ones((2, 2)), activation="relu")


@pytest.mark.parametrize(
    ("call", "err", "match"),
    [
        (lambda: ja.rational_activation(degrees=(0, 4)), ValueError, "`degrees`: expected 1 <= m"),
        (lambda: ja.rational_activation(degrees=(5, 13)), ValueError, "MAX_DEGREE"),
        (lambda: ja.rational_activation(degrees=(5.0, 4)), TypeError, "`degrees`"),
        (lambda: ja.rational_activation(degrees=(True, 4)), TypeError, "`degrees`"),
        (lambda: ja.rational_activation(degrees=5), TypeError, "`degrees`: expected a pair"),
        (lambda: ja.rational_activation("nope"), ValueError, "`start`: unknown name"),
        (lambda: ja.rational_activation("softmax"), ValueError, "`start`: expected an elementwise"),
        (
            lambda: ja.rational_activation(coefficients=[1.0] * 9),
            ValueError,
            "`coefficients`: expected 10",
        ),
        (
            lambda: ja.rational_activation(coefficients=[1.0] * 9 + [np.nan]),
            ValueError,
            "`coefficients`: expected finite",
        ),
        (lambda: ja.rational_activation(coefficients={"a0": 1.0}), ValueError, "`coefficients`"),
        (lambda: ja.rational_activation(per_unit=1), TypeError, "`per_unit`"),
        (lambda: ja.rational_init("gelu", interval=(3, -3)), ValueError, "`interval`"),
        (lambda: ja.get("rational:nope"), ValueError, "`activation`: 'rational:nope'"),
        (lambda: ja.get("rational:5,x"), ValueError, "degrees as 'M,N'"),
    ],
)
def test_bad_input(call, err, match):
    with pytest.raises(err, match=match):
        call()
