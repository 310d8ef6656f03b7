"""Losses and accuracy against NumPy formulas; shapes, stability, bad input."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxact as ja

RNG = np.random.default_rng(0)
Z = RNG.normal(size=(6, 4)) * 3
LABELS = np.array([0, 3, 1, 1, 2, 0], np.int32)


def _np_log_softmax(z):
    m = z.max(-1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(-1, keepdims=True))


def test_mse():
    p = RNG.normal(size=(5, 2))
    t = RNG.normal(size=(5, 2))
    got = ja.mse(jnp.asarray(p), jnp.asarray(t))
    assert got.shape == () and got.dtype == jnp.float64
    np.testing.assert_allclose(float(got), np.mean((p - t) ** 2), rtol=1e-15)
    col = ja.mse(jnp.asarray(p[:, :1]), jnp.asarray(t[:, 0]))
    np.testing.assert_allclose(float(col), np.mean((p[:, 0] - t[:, 0]) ** 2), rtol=1e-15)


def test_mse_no_silent_broadcast():
    with pytest.raises(ValueError, match=r"`y`.*shape \(5, 2\).*got shape \(5,\)"):
        ja.mse(jnp.zeros((5, 2)), jnp.zeros((5,)))
    with pytest.raises(ValueError, match="`y`"):
        ja.mse(jnp.zeros((5, 1)), jnp.zeros((4, 1)))
    with pytest.raises(TypeError, match="`pred`"):
        ja.mse(jnp.zeros((5, 1), jnp.int32), jnp.zeros((5, 1)))


def test_softmax_ce_integer_and_one_hot():
    got = ja.softmax_cross_entropy(jnp.asarray(Z), jnp.asarray(LABELS))
    ref = -np.mean(_np_log_softmax(Z)[np.arange(6), LABELS])
    np.testing.assert_allclose(float(got), ref, rtol=1e-14)
    onehot = np.eye(4)[LABELS]
    got2 = ja.softmax_cross_entropy(jnp.asarray(Z), jnp.asarray(onehot))
    np.testing.assert_allclose(float(got2), ref, rtol=1e-14)
    # soft targets
    soft = np.full((6, 4), 0.25)
    got3 = ja.softmax_cross_entropy(jnp.asarray(Z), jnp.asarray(soft))
    np.testing.assert_allclose(float(got3), -np.mean((soft * _np_log_softmax(Z)).sum(-1)))


def test_softmax_ce_stable_and_gradient():
    z = jnp.array([[1000.0, 0.0, -1000.0]], jnp.float64)
    loss = ja.softmax_cross_entropy(z, jnp.array([2], jnp.int32))
    np.testing.assert_allclose(float(loss), 2000.0)
    g = jax.grad(ja.softmax_cross_entropy)(jnp.asarray(Z), jnp.asarray(LABELS))
    s = np.exp(_np_log_softmax(Z))
    np.testing.assert_allclose(np.asarray(g), (s - np.eye(4)[LABELS]) / 6, atol=1e-16)


def test_binary_ce():
    z = RNG.normal(size=(6, 1)) * 4
    y = np.array([0, 1, 1, 0, 1, 0])
    ref = np.mean(np.logaddexp(0, z[:, 0]) - y * z[:, 0])
    for logits in (z, z[:, 0]):
        for labels in (y, y[:, None], y.astype(bool), y.astype(np.float64)):
            got = ja.sigmoid_binary_cross_entropy(jnp.asarray(logits), jnp.asarray(labels))
            np.testing.assert_allclose(float(got), ref, rtol=1e-14)
    big = ja.sigmoid_binary_cross_entropy(
        jnp.array([[-800.0], [800.0]], jnp.float64), jnp.array([1, 0], jnp.int32)
    )
    np.testing.assert_allclose(float(big), 800.0)
    g = jax.grad(ja.sigmoid_binary_cross_entropy)(jnp.asarray(z), jnp.asarray(y))
    np.testing.assert_allclose(np.asarray(g)[:, 0], (1 / (1 + np.exp(-z[:, 0])) - y) / 6)


def test_float32_in_float32_out():
    z = jnp.asarray(Z, jnp.float32)
    assert ja.softmax_cross_entropy(z, jnp.asarray(LABELS)).dtype == jnp.float32
    assert ja.sigmoid_binary_cross_entropy(z[:, :1], jnp.asarray(LABELS > 0)).dtype == jnp.float32
    assert ja.mse(z, z).dtype == jnp.float32


def test_cross_entropy_bad_input():
    with pytest.raises(ValueError, match=r"`labels`.*\[0, 4\).*max 4"):
        ja.softmax_cross_entropy(jnp.asarray(Z), jnp.array([0, 1, 2, 3, 4, 0], jnp.int32))
    with pytest.raises(ValueError, match=r"`labels`.*min -1"):
        ja.softmax_cross_entropy(jnp.asarray(Z), jnp.array([0, 1, 2, 3, -1, 0], jnp.int32))
    with pytest.raises(TypeError, match=r"`labels`.*integer"):
        ja.softmax_cross_entropy(jnp.asarray(Z), jnp.asarray(LABELS, jnp.float64))
    with pytest.raises(ValueError, match=r"`labels`.*got shape \(5,\)"):
        ja.softmax_cross_entropy(jnp.asarray(Z), jnp.asarray(LABELS[:5]))
    with pytest.raises(ValueError, match=r"`logits`.*\(n, k\)"):
        ja.softmax_cross_entropy(jnp.asarray(Z[0]), jnp.asarray(LABELS[:1]))
    with pytest.raises(ValueError, match=r"`labels`.*\[0, 1\].*max 2"):
        ja.sigmoid_binary_cross_entropy(jnp.zeros((3, 1)), jnp.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"`logits`.*\(n, 1\)"):
        ja.sigmoid_binary_cross_entropy(jnp.zeros((3, 2)), jnp.array([0, 1, 1]))


def test_losses_jit_with_traced_labels():
    f = jax.jit(ja.softmax_cross_entropy)
    np.testing.assert_allclose(
        float(f(jnp.asarray(Z), jnp.asarray(LABELS))),
        float(ja.softmax_cross_entropy(jnp.asarray(Z), jnp.asarray(LABELS))),
        rtol=1e-14,
    )


def test_accuracy():
    z = jnp.array([[2.0, 1.0], [0.0, 1.0], [3.0, 0.0], [0.0, 5.0]], jnp.float64)
    y = jnp.array([0, 1, 1, 1], jnp.int32)
    assert float(ja.accuracy(z, y, "softmax")) == 0.75
    assert float(ja.accuracy(z, jax.nn.one_hot(y, 2, dtype=jnp.float64), "softmax")) == 0.75
    b = jnp.array([[-1.0], [2.0], [0.5], [-3.0]], jnp.float64)
    assert float(ja.accuracy(b, jnp.array([0, 1, 0, 0], jnp.int32), "binary")) == 0.75
    assert float(ja.accuracy(b[:, 0], jnp.array([[0], [1], [1], [0]]), "binary")) == 1.0
    assert np.isnan(float(ja.accuracy(b, b, "regression")))
    with pytest.raises(ValueError, match=r"`loss`.*closest: binary"):
        ja.accuracy(b, b, "binray")
    # `kind`, the old name of `loss`, still works, with a DeprecationWarning.
    with (
        pytest.warns(DeprecationWarning, match="loss="),
        pytest.raises(ValueError, match=r"`kind`.*closest: binary"),
    ):
        ja.accuracy(b, b, kind="binray")


def test_loss_for_and_make_loss():
    assert ja.loss_for("softmax") is ja.softmax_cross_entropy
    assert ja.loss_for("binary") is ja.sigmoid_binary_cross_entropy
    assert ja.loss_for("regression") is ja.mse
    with pytest.raises(ValueError, match=r"`loss`.*closest: regression"):
        ja.loss_for("regresion")
    with (
        pytest.warns(DeprecationWarning, match="loss="),
        pytest.raises(ValueError, match=r"`kind`.*closest: regression"),
    ):
        ja.loss_for(kind="regresion")
    params = ja.init_mlp(jax.random.key(0), (4, 5, 4), activation="tanh", dtype=jnp.float64)
    x = jnp.asarray(RNG.normal(size=(6, 4)))
    loss_fn = ja.make_loss("softmax", "tanh")
    logits = ja.mlp_apply(params, x, activation="tanh")
    np.testing.assert_array_equal(
        float(loss_fn(params, (x, jnp.asarray(LABELS)))),
        float(ja.softmax_cross_entropy(logits, jnp.asarray(LABELS))),
    )
    with pytest.raises(ValueError, match="`activation`"):
        ja.make_loss("softmax", "tahn")


# --------------------------------------------------------------------------------------
# The loss records: one owner for what depends on the loss
# --------------------------------------------------------------------------------------


def test_loss_records_answer_for_their_loss():
    assert ja.loss_names() == ["softmax", "binary", "regression"]
    soft, binary, reg = (ja.get_loss(n) for n in ja.loss_names())
    assert (soft.output, binary.output, reg.output) == ("softmax", "sigmoid", "identity")
    assert soft.fn is ja.softmax_cross_entropy and binary.fn is ja.sigmoid_binary_cross_entropy
    assert reg.fn is ja.mse
    assert (soft.width(3), binary.width(2), reg.width(None), reg.width(2)) == (3, 1, 1, 2)
    assert (soft.classes, binary.classes, reg.classes) == (True, True, False)
    assert ja.get_loss(soft) is soft
    with pytest.raises(dataclasses.FrozenInstanceError):
        soft.name = "other"
    with pytest.raises(TypeError, match="`loss`"):
        ja.get_loss(3)
    # The output function of each record is the one mlp_apply applies.
    params = ja.init_mlp(jax.random.key(0), (4, 5, 3), activation="tanh", dtype=jnp.float64)
    x = jnp.asarray(RNG.normal(size=(6, 4)))
    z = ja.mlp_apply(params, x, activation="tanh")
    for rec in (soft, binary, reg):
        np.testing.assert_array_equal(
            ja.mlp_apply(params, x, activation="tanh", output=rec.output),
            ja.mlp_apply(params, x, activation="tanh", output=None)
            if rec.output == "identity"
            else ja.get(rec.output).fn(z, **({"axis": -1} if rec.output == "softmax" else {})),
        )


@pytest.mark.parametrize("name", ["softmax", "binary", "regression"])
def test_loss_record_delta_is_the_gradient_of_its_loss(name):
    """The hand-written output delta equals jax.grad of the loss on the logits."""
    rec = ja.get_loss(name)
    k = rec.check_outputs
    z = jnp.asarray(RNG.normal(size=(5, k)))
    y = rec.sample(jax.random.key(1), 5, k)
    auto = jax.grad(lambda zz: rec.fn(zz, y))(z)
    np.testing.assert_allclose(rec.delta(z, y), auto, rtol=1e-13, atol=1e-16)
    # Negative control: a delta off by a factor fails the same comparison.
    assert not np.allclose(1.001 * rec.delta(z, y), auto, rtol=1e-13, atol=1e-16)


def test_old_kind_keyword_is_deprecated():
    z = jnp.array([[2.0, 1.0], [0.0, 1.0]], jnp.float64)
    y = jnp.array([0, 1], jnp.int32)
    with pytest.warns(DeprecationWarning, match=r"accuracy\(kind=...\) is deprecated"):
        old = ja.accuracy(z, y, kind="softmax")
    assert float(old) == float(ja.accuracy(z, y, loss="softmax")) == 1.0
    with pytest.warns(DeprecationWarning, match="make_loss"):
        f = ja.make_loss(kind="softmax", activation="tanh")
    params = ja.init_mlp(jax.random.key(0), (2, 3, 2), activation="tanh", dtype=jnp.float64)
    assert float(f(params, (z, y))) == float(ja.make_loss("softmax", "tanh")(params, (z, y)))
    with pytest.warns(DeprecationWarning, match="grad_norms"):
        g = ja.grad_norms(params, z, y, activation="tanh", kind="softmax")
    np.testing.assert_array_equal(g, ja.grad_norms(params, z, y, activation="tanh", loss="softmax"))
    with pytest.raises(TypeError, match="both `loss` and its old name `kind`"):
        ja.accuracy(z, y, "softmax", kind="softmax")
    with pytest.raises(TypeError, match="`loss`"):
        ja.make_loss(activation="tanh")
    task = ja.load_task("xor")
    with pytest.warns(DeprecationWarning, match="Task.kind"):
        assert task.kind == task.loss == "binary"
