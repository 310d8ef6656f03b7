"""Hand-written backprop vs jax.grad, finite differences and the adjoint identity.

Every elementwise activation in the catalog, every loss/output pair, in float64 (and a
float32 pass against the float64 reference), with negative controls that must fail.
"""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxact as ja

ELEMENTWISE = [n for n in ja.names() if ja.get(n).kind == "elementwise"]
LOSSES = ("softmax", "binary", "regression")
LEARNABLE_LEAKY = dataclasses.replace(ja.get("leaky_relu"), learnable=("negative_slope",))


def _assert_ok(r):
    assert r["max_leaf_error"] <= r["leaf_tol"], (r["worst_leaf"], r["max_leaf_error"])
    assert r["fd_error"] <= r["fd_tol"], (r["fd_error"], r["fd_tol"])
    assert r["adjoint_error"] <= r["adjoint_tol"], r["adjoint_error"]
    assert r["ok"] is True


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_float64_softmax_every_activation(name):
    r = ja.check_manual_grad(name, loss="softmax")
    assert r["leaf_tol"] == 1e-12 and r["dtype"] == "float64"
    _assert_ok(r)


@pytest.mark.slow
@pytest.mark.parametrize("loss", ["binary", "regression"])
def test_float64_other_losses_every_activation(loss):
    failures = []
    for name in ELEMENTWISE:
        r = ja.check_manual_grad(name, loss=loss)
        if not r["ok"]:
            failures.append((name, r["max_leaf_error"], r["fd_error"], r["adjoint_error"]))
    assert not failures


FLOAT32 = [
    ("identity", "regression"),
    ("relu", "softmax"),
    ("prelu", "binary"),
    ("elu", "regression"),
    ("gelu", "softmax"),
    ("swish_beta", "binary"),
    ("sigmoid", "regression"),
    ("tanh", "softmax"),
    ("exponential", "binary"),
]


@pytest.mark.parametrize(("name", "loss"), FLOAT32)
def test_float32_against_float64_reference(name, loss):
    if name not in ja.names():
        pytest.skip(f"{name} is not in the catalog")
    r = ja.check_manual_grad(name, loss=loss, dtype=jnp.float32)
    # 64 eps32 sqrt(max fan-in = 5)
    np.testing.assert_allclose(r["leaf_tol"], 64 * np.finfo(np.float32).eps * np.sqrt(5))
    assert r["dtype"] == "float32"
    _assert_ok(r)


def test_learnable_parameters_and_deep_network():
    rec = ja.get("prelu") if "prelu" in ja.names() else LEARNABLE_LEAKY
    # Widths shared with the default network, so that few new shapes get compiled.
    r = ja.check_manual_grad(rec, loss="softmax", sizes=(3, 5, 4, 5, 4, 0))
    assert len([k for k in r["leaf_errors"] if k.endswith("['act']['negative_slope']")]) == 4
    assert len([k for k in r["leaf_errors"] if k.endswith("['w']")]) == 5
    _assert_ok(r)
    # A learnable variant of leaky_relu built from the catalog record.
    r = ja.check_manual_grad(LEARNABLE_LEAKY, loss="regression")
    assert "[0]['act']['negative_slope']" in r["leaf_errors"]
    _assert_ok(r)


def test_result_fields():
    r = ja.check_manual_grad("tanh", loss="binary", key=jax.random.key(3))
    assert set(r) == {
        "activation",
        "loss",
        "dtype",
        "leaf_errors",
        "max_leaf_error",
        "worst_leaf",
        "leaf_tol",
        "autodiff_leaf_error",
        "fd_error",
        "fd_tol",
        "fd_value",
        "adjoint_error",
        "adjoint_tol",
        "input_scale",
        "ok",
    }
    assert sorted(r["leaf_errors"]) == [
        "[0]['b']",
        "[0]['w']",
        "[1]['b']",
        "[1]['w']",
        "[2]['b']",
        "[2]['w']",
    ]
    assert r["worst_leaf"] in r["leaf_errors"]
    assert all(isinstance(v, float) for v in r["leaf_errors"].values())


# --- negative controls: wrong derivatives must be caught ------------------------------


def _scaled(rec, factor):
    d = rec.derivative
    return dataclasses.replace(rec, derivative=lambda x, **kw: d(x, **kw) * factor)


@pytest.mark.parametrize("name", ["tanh", "gelu", "softplus"])
def test_negative_control_relative_error_1e6(name):
    if name not in ja.names():
        pytest.skip(f"{name} is not in the catalog")
    r = ja.check_manual_grad(_scaled(ja.get(name), 1 + 1e-6), loss="softmax")
    assert r["ok"] is False
    assert r["max_leaf_error"] > 1e3 * r["leaf_tol"]
    assert r["fd_error"] > r["fd_tol"]
    assert r["adjoint_error"] > r["adjoint_tol"]


def test_negative_control_wrong_sign():
    r = ja.check_manual_grad(_scaled(ja.get("sigmoid"), -1.0), loss="regression")
    assert r["ok"] is False and r["max_leaf_error"] > 0.1


def test_negative_control_dropped_parameter_term():
    rec = ja.get("prelu") if "prelu" in ja.names() else LEARNABLE_LEAKY
    p = rec.learnable[0]
    bad = dataclasses.replace(
        rec, param_derivatives={**rec.param_derivatives, p: lambda x, **kw: jnp.zeros_like(x)}
    )
    r = ja.check_manual_grad(bad, loss="softmax")
    assert r["ok"] is False
    assert r["worst_leaf"].endswith(f"['act']['{p}']")
    assert r["max_leaf_error"] == pytest.approx(1.0)


def test_kink_value_matters():
    # All first-layer pre-activations exactly 0: relu'(0) = 0 (minimum-norm subgradient).
    params = ja.init_mlp(jax.random.key(0), (3, 5, 3), activation="relu", dtype=jnp.float64)
    x = jnp.zeros((7, 3), jnp.float64)
    y = jnp.array([0, 1, 1, 1, 2, 2, 2], jnp.int32)
    hand = ja.manual_grad(params, x, y, activation="relu", loss="softmax")
    auto = jax.grad(ja.make_loss("softmax", "relu"))(params, (x, y))
    for a, b in zip(jax.tree.leaves(hand), jax.tree.leaves(auto), strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-14, atol=1e-17)
    # No gradient reaches the first layer, exactly, by either route.
    assert not np.any(np.asarray(hand[0]["b"])) and not np.any(np.asarray(auto[0]["b"]))
    # A record claiming relu'(0) = 1 (autodiff of a naive where(x >= 0, x, 0)) differs.
    relu = ja.get("relu")
    wrong = dataclasses.replace(
        relu, derivative=lambda z, **kw: jnp.where(z >= 0, 1.0, 0.0).astype(z.dtype)
    )
    bad = ja.manual_grad(params, x, y, activation=wrong, loss="softmax")
    assert np.any(np.asarray(bad[0]["b"]))


# --- label forms, transformations, errors ---------------------------------------------

X = jnp.asarray(np.random.default_rng(2).normal(size=(7, 3)))


def _p(k, act="tanh"):
    return ja.init_mlp(jax.random.key(1), (3, 5, 4, k), activation=act, dtype=jnp.float64)


def test_one_hot_equals_integer_labels():
    y = jnp.array([0, 2, 1, 1, 0, 2, 1], jnp.int32)
    a = ja.manual_grad(_p(3), X, y, activation="tanh", loss="softmax")
    b = ja.manual_grad(
        _p(3), X, jax.nn.one_hot(y, 3, dtype=jnp.float64), activation="tanh", loss="softmax"
    )
    for u, v in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True):
        np.testing.assert_allclose(np.asarray(u), np.asarray(v), rtol=1e-14, atol=1e-17)
    soft = jnp.full((7, 3), 1 / 3, jnp.float64)
    c = ja.manual_grad(_p(3), X, soft, activation="tanh", loss="softmax")
    d = jax.grad(ja.make_loss("softmax", "tanh"))(_p(3), (X, soft))
    for u, v in zip(jax.tree.leaves(c), jax.tree.leaves(d), strict=True):
        np.testing.assert_allclose(np.asarray(u), np.asarray(v), rtol=1e-12, atol=1e-17)


def test_binary_label_shapes_and_jit():
    y = jnp.array([0, 1, 1, 0, 1, 0, 1], jnp.int32)
    a = ja.manual_grad(_p(1), X, y, activation="tanh", loss="binary")
    b = ja.manual_grad(_p(1), X, y[:, None], activation="tanh", loss="binary")
    f = jax.jit(lambda p, x, t: ja.manual_grad(p, x, t, activation="tanh", loss="binary"))
    c = f(_p(1), X, y)
    for u, v, w in zip(jax.tree.leaves(a), jax.tree.leaves(b), jax.tree.leaves(c), strict=True):
        np.testing.assert_array_equal(np.asarray(u), np.asarray(v))
        np.testing.assert_allclose(np.asarray(u), np.asarray(w), rtol=1e-13, atol=1e-17)
    assert jax.tree.structure(a) == jax.tree.structure(_p(1))


def test_manual_grad_bad_input():
    y = jnp.zeros((7,), jnp.int32)
    with pytest.raises(TypeError, match=r"`activation`.*hand"):
        ja.manual_grad(_p(3), X, y, activation=jnp.tanh, loss="softmax")
    with pytest.raises(ValueError, match=r"`activation`.*elementwise.*'softmax'"):
        ja.manual_grad(_p(3), X, y, activation="softmax", loss="softmax")
    with pytest.raises(ValueError, match=r"`loss`.*closest: softmax"):
        ja.manual_grad(_p(3), X, y, activation="tanh", loss="sofmax")
    with pytest.raises(ValueError, match=r"`x`.*batch"):
        ja.manual_grad(_p(3), X[0], y[:1], activation="tanh", loss="softmax")
    with pytest.raises(ValueError, match=r"`y`.*7 targets"):
        ja.manual_grad(_p(3), X, y[:6], activation="tanh", loss="softmax")
    with pytest.raises(TypeError, match=r"`y`.*integer"):
        ja.manual_grad(_p(3), X, y.astype(jnp.float64), activation="tanh", loss="softmax")
    with pytest.raises(ValueError, match="`y`"):
        ja.manual_grad(_p(3), X, jnp.zeros((7, 1)), activation="tanh", loss="binary")
    with pytest.raises(ValueError, match=r"`y`.*\(7, 3\)"):
        ja.manual_grad(_p(3), X, jnp.zeros((7, 2)), activation="tanh", loss="regression")
    with pytest.raises(ValueError, match="`dtype`"):
        ja.check_manual_grad("tanh", loss="softmax", dtype=jnp.float16)
