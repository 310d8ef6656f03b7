"""Diagnostics: constructed dead/saturated units, NumPy statistics, gradient norms."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxact as ja

X = jnp.asarray(np.random.default_rng(1).normal(size=(8, 2)))


def _params(act="relu"):
    return ja.init_mlp(jax.random.key(0), (2, 4, 3, 1), activation=act, dtype=jnp.float64)


def test_dead_fraction_constructed():
    params = _params()
    # Layer 0: units 0 and 1 get a bias of -100 (never fire); units 2, 3 a bias of +100.
    params[0]["b"] = jnp.array([-100.0, -100.0, 100.0, 100.0], jnp.float64)
    # Layer 1 reads only the dead units (weights from the live ones are 0), so its
    # pre-activation is its bias: unit 0 sits at the kink (relu'(0) = 0), units 1, 2 fire.
    w1 = np.asarray(params[1]["w"]).copy()
    w1[2:, :] = 0.0
    params[1]["w"] = jnp.asarray(w1)
    params[1]["b"] = jnp.array([0.0, 50.0, 50.0], jnp.float64)
    dead = ja.dead_fraction(params, X, activation="relu")
    np.testing.assert_array_equal(np.asarray(dead), [0.5, 1 / 3])
    # Through a callable the derivative comes from forward-mode autodiff, and autodiff of
    # jnp.maximum gives 1/2 at the tie z = 0: the unit at the kink is not counted as dead.
    dead_c = ja.dead_fraction(params, X, activation=lambda z: jnp.maximum(z, 0.0))
    np.testing.assert_array_equal(np.asarray(dead_c), [0.5, 0.0])
    # leaky_relu never has a zero derivative
    np.testing.assert_array_equal(
        np.asarray(ja.dead_fraction(params, X, activation="leaky_relu")), [0.0, 0.0]
    )


def test_saturated_fraction_constructed():
    params = _params("tanh")
    params[0]["b"] = jnp.array([30.0, -30.0, 0.0, 0.0], jnp.float64)
    params[0]["w"] = params[0]["w"].at[:, 2:].set(0.1)
    sat = ja.saturated_fraction(params, X, activation="tanh")
    assert float(sat[0]) == 0.5
    assert float(ja.saturated_fraction(params, X, activation="tanh", tol=0.0)[0]) == 0.0
    # Everything counts as saturated for a tolerance above the maximum slope.
    np.testing.assert_array_equal(
        np.asarray(ja.saturated_fraction(params, X, activation="tanh", tol=1.0)), [1.0, 1.0]
    )
    with pytest.raises(ValueError, match="`tol`"):
        ja.saturated_fraction(params, X, activation="tanh", tol=-1.0)


def test_layer_stats_against_numpy():
    params = _params("tanh")
    stats = ja.layer_stats(params, X, activation="tanh")
    a = np.asarray(X)
    for i, layer in enumerate(params[:-1]):
        z = a @ np.asarray(layer["w"]) + np.asarray(layer["b"])
        a = np.tanh(z)
        np.testing.assert_allclose(float(stats["pre_mean"][i]), z.mean(), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(float(stats["pre_var"][i]), z.var(), rtol=1e-12)
        np.testing.assert_allclose(float(stats["act_mean"][i]), a.mean(), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(float(stats["act_var"][i]), a.var(), rtol=1e-12)


def test_grad_norms_against_manual_grad():
    params = _params("sigmoid")
    y = jnp.asarray(np.sin(np.asarray(X[:, :1])))
    norms = ja.grad_norms(params, X, y, activation="sigmoid", loss="regression")
    g = ja.manual_grad(params, X, y, activation="sigmoid", loss="regression")
    np.testing.assert_allclose(
        np.asarray(norms), [np.linalg.norm(np.asarray(layer["w"])) for layer in g], rtol=1e-12
    )
    assert norms.shape == (3,)


def test_no_hidden_layer_and_transformations():
    params = ja.init_mlp(jax.random.key(0), (2, 1), dtype=jnp.float64)
    assert ja.dead_fraction(params, X, activation="relu").shape == (0,)
    assert ja.layer_stats(params, X, activation="relu")["act_var"].shape == (0,)
    deep = _params()
    f = jax.jit(lambda p, x: ja.dead_fraction(p, x, activation="relu"))
    np.testing.assert_array_equal(
        np.asarray(f(deep, X)), np.asarray(ja.dead_fraction(deep, X, activation="relu"))
    )
    keys = jax.random.split(jax.random.key(0), 3)
    stacked = jax.vmap(lambda k: ja.init_mlp(k, (2, 4, 3, 1), activation="relu"))(keys)
    many = jax.vmap(lambda p: ja.saturated_fraction(p, X, activation="relu"))(stacked)
    assert many.shape == (3, 2)


def test_vector_activation_rejected():
    params = _params()
    with pytest.raises(ValueError, match="elementwise"):
        ja.dead_fraction(params, X, activation="softmax")
