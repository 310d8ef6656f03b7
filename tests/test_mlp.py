"""init_mlp and mlp_apply: layout, determinism, a NumPy oracle, transformations, bad input."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxact as ja


def _np_forward(params, x, act, out=None):
    """Independent NumPy forward pass (float64)."""
    a = np.asarray(x, np.float64)
    for i, layer in enumerate(params):
        z = a @ np.asarray(layer["w"], np.float64) + np.asarray(layer["b"], np.float64)
        if i < len(params) - 1:
            kw = {k: np.asarray(v, np.float64) for k, v in layer.get("act", {}).items()}
            a = act(z, **kw)
        else:
            a = z
    if out == "sigmoid":
        a = 1 / (1 + np.exp(-a))
    elif out == "softmax":
        e = np.exp(a - a.max(-1, keepdims=True))
        a = e / e.sum(-1, keepdims=True)
    return a


NP_ACTS = {
    "relu": lambda z: np.maximum(z, 0),
    "tanh": np.tanh,
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "identity": lambda z: z,
}


@pytest.fixture(scope="module")
def data():
    x = np.asarray(jax.random.normal(jax.random.key(7), (5, 4), jnp.float64))
    return x


# --- init_mlp --------------------------------------------------------------------------


def test_layout_seed002_network():
    params = ja.init_mlp(jax.random.key(0), (4, 6, 6, 3), activation="relu")
    assert [sorted(p) for p in params] == [["b", "w"]] * 3
    assert [(p["w"].shape, p["b"].shape) for p in params] == [
        ((4, 6), (6,)),
        ((6, 6), (6,)),
        ((6, 3), (3,)),
    ]
    assert all(p["w"].dtype == jnp.float32 and p["b"].dtype == jnp.float32 for p in params)
    assert all(not np.any(np.asarray(p["b"])) for p in params)


def test_pairs_equal_widths_and_same_key_bitwise():
    a = ja.init_mlp(jax.random.key(5), (4, 6, 6, 3), activation="tanh", dtype=jnp.float64)
    b = ja.init_mlp(
        jax.random.key(5), [(4, 6), (6, 6), (6, 3)], activation="tanh", dtype=jnp.float64
    )
    c = ja.init_mlp(jax.random.key(6), (4, 6, 6, 3), activation="tanh", dtype=jnp.float64)
    for u, v in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True):
        np.testing.assert_array_equal(np.asarray(u), np.asarray(v))
    assert not np.array_equal(np.asarray(a[0]["w"]), np.asarray(c[0]["w"]))


def test_default_and_explicit_initializer():
    key = jax.random.key(2)
    keys = jax.random.split(key, 2)
    relu = ja.init_mlp(key, (3, 4, 2), activation="relu")
    np.testing.assert_array_equal(
        np.asarray(relu[0]["w"]), np.asarray(ja.he_normal(keys[0], (3, 4), jnp.float32))
    )
    tanh = ja.init_mlp(key, (3, 4, 2), activation="tanh")
    np.testing.assert_array_equal(
        np.asarray(tanh[1]["w"]), np.asarray(ja.glorot_normal(keys[1], (4, 2), jnp.float32))
    )
    lec = ja.init_mlp(key, (3, 4, 2), activation="relu", init="lecun_uniform")
    np.testing.assert_array_equal(
        np.asarray(lec[0]["w"]), np.asarray(ja.lecun_uniform(keys[0], (3, 4), jnp.float32))
    )


@pytest.mark.parametrize("name", ["prelu", "swish_beta"])
def test_learnable_parameters_allocated(name):
    if name not in ja.names():
        pytest.skip(f"{name} is not in the catalog")
    rec = ja.get(name)
    params = ja.init_mlp(jax.random.key(0), (3, 5, 4, 2), activation=name)
    for layer, width in zip(params[:-1], (5, 4), strict=True):
        assert set(layer["act"]) == set(rec.learnable)
        for p in rec.learnable:
            np.testing.assert_array_equal(
                np.asarray(layer["act"][p]), np.full(width, rec.defaults[p], np.float32)
            )
    assert "act" not in params[-1]
    assert all("act" not in p for p in ja.init_mlp(jax.random.key(0), (3, 5, 2), activation="relu"))


def test_init_under_vmap_over_keys():
    keys = jax.random.split(jax.random.key(0), 3)
    batched = jax.vmap(lambda k: ja.init_mlp(k, (2, 3, 1), activation="relu"))(keys)
    single = ja.init_mlp(keys[1], (2, 3, 1), activation="relu")
    for u, v in zip(jax.tree.leaves(batched), jax.tree.leaves(single), strict=True):
        np.testing.assert_array_equal(np.asarray(u[1]), np.asarray(v))


def test_keras_input_dim_mistake_is_named():
    # Seed 002: Dense(6, input_dim=3) then Dense(6, input_dim=3): the second layer gets 6.
    with pytest.raises(
        ValueError,
        match=r"layer 1 is declared with 3 inputs .*\(3, 6\).*layer 0 has 6 outputs",
    ):
        ja.init_mlp(jax.random.key(0), [(3, 6), (3, 6), (6, 3)], activation="relu")


@pytest.mark.parametrize(
    ("sizes", "exc", "pattern"),
    [
        ((4,), ValueError, "at least 2 widths"),
        ((4, 0, 3), ValueError, r"`sizes\[1\]`.*positive"),
        ((4, 6.0, 3), TypeError, r"`sizes\[1\]`"),
        ((4, True, 3), TypeError, r"`sizes\[1\]`"),
        ([(4, 6), 3], TypeError, "mix"),
        ([(4, 6, 1)], ValueError, r"`sizes\[0\]`.*pair"),
        ([], ValueError, "at least 2 widths"),
        ("463", TypeError, "`sizes`"),
        (7, TypeError, "`sizes`"),
    ],
)
def test_bad_sizes(sizes, exc, pattern):
    with pytest.raises(exc, match=pattern):
        ja.init_mlp(jax.random.key(0), sizes)


def test_bad_key_dtype_names():
    with pytest.raises(TypeError, match=r"`key`.*jax.random.key"):
        ja.init_mlp(0, (2, 3, 1))
    with pytest.raises(TypeError, match="`key`"):
        ja.init_mlp(jax.random.split(jax.random.key(0), 2), (2, 3, 1))
    with pytest.raises(TypeError, match="`dtype`"):
        ja.init_mlp(jax.random.key(0), (2, 3, 1), dtype=jnp.int32)
    with pytest.raises(ValueError, match=r"`init`.*closest: glorot_uniform"):
        ja.init_mlp(jax.random.key(0), (2, 3, 1), init="glorot_unifrom")
    with pytest.raises(ValueError, match=r"`activation`.*closest: tanh"):
        ja.init_mlp(jax.random.key(0), (2, 3, 1), activation="tanhh")


def test_legacy_uint32_key_accepted():
    p = ja.init_mlp(jax.random.PRNGKey(0), (2, 3, 1))
    assert p[0]["w"].shape == (2, 3)


# --- mlp_apply -------------------------------------------------------------------------


@pytest.mark.parametrize("act", sorted(NP_ACTS))
@pytest.mark.parametrize("output", [None, "identity", "sigmoid", "softmax"])
def test_forward_matches_numpy(data, act, output):
    params = ja.init_mlp(jax.random.key(1), (4, 6, 5, 3), activation=act, dtype=jnp.float64)
    params[0]["b"] = jnp.linspace(-1, 1, 6, dtype=jnp.float64)
    got = ja.mlp_apply(params, data, activation=act, output=output)
    assert got.shape == (5, 3) and got.dtype == jnp.float64
    np.testing.assert_allclose(
        np.asarray(got), _np_forward(params, data, NP_ACTS[act], output), rtol=1e-13, atol=1e-15
    )


def test_learnable_slope_per_unit(data):
    rec = ja.get("prelu") if "prelu" in ja.names() else None
    if rec is None:
        rec = dataclasses.replace(ja.get("leaky_relu"), learnable=("negative_slope",))
    pname = rec.learnable[0]
    params = ja.init_mlp(jax.random.key(1), (4, 6, 2), activation=rec, dtype=jnp.float64)
    slopes = jnp.linspace(0.0, 0.5, 6, dtype=jnp.float64)
    params[0]["act"][pname] = slopes
    got = ja.mlp_apply(params, data, activation=rec)

    def prelu(z, **kw):
        return np.where(z >= 0, z, kw[pname][None, :] * z)

    np.testing.assert_allclose(np.asarray(got), _np_forward(params, data, prelu), rtol=1e-13)


def test_test_only_learnable_record(data):
    # A learnable variant of leaky_relu built from the catalog record.
    rec = dataclasses.replace(ja.get("leaky_relu"), learnable=("negative_slope",))
    params = ja.init_mlp(jax.random.key(1), (4, 3, 2), activation=rec, dtype=jnp.float64)
    np.testing.assert_array_equal(np.asarray(params[0]["act"]["negative_slope"]), [0.01] * 3)
    params[0]["act"]["negative_slope"] = jnp.array([0.0, 1.0, 0.5], jnp.float64)
    out = ja.mlp_apply(params, data, activation=rec)
    ref = _np_forward(
        params, data, lambda z, negative_slope: np.where(z >= 0, z, negative_slope * z)
    )
    np.testing.assert_allclose(np.asarray(out), ref, rtol=1e-13)


def test_single_example_jit_vmap(data):
    params = ja.init_mlp(jax.random.key(1), (4, 6, 3), activation="tanh", dtype=jnp.float64)
    f = lambda p, x: ja.mlp_apply(p, x, activation="tanh", output="softmax")  # noqa: E731
    batch = f(params, data)
    single = f(params, data[2])
    assert single.shape == (3,)
    np.testing.assert_allclose(np.asarray(single), np.asarray(batch[2]), rtol=1e-14)
    np.testing.assert_allclose(np.asarray(jax.jit(f)(params, data)), np.asarray(batch), rtol=1e-14)
    looped = np.stack([np.asarray(f(params, row)) for row in data])
    np.testing.assert_allclose(
        np.asarray(jax.vmap(f, in_axes=(None, 0))(params, data)), looped, rtol=1e-14
    )
    # vmap over parameter sets (seeds), as a sweep does
    keys = jax.random.split(jax.random.key(0), 2)
    stacked = jax.vmap(lambda k: ja.init_mlp(k, (4, 6, 3), activation="tanh", dtype=jnp.float64))(
        keys
    )
    many = jax.vmap(f, in_axes=(0, None))(stacked, data)
    one = f(ja.init_mlp(keys[1], (4, 6, 3), activation="tanh", dtype=jnp.float64), data)
    np.testing.assert_allclose(np.asarray(many[1]), np.asarray(one), rtol=1e-14)


def test_activation_by_name_record_callable(data):
    params = ja.init_mlp(jax.random.key(1), (4, 6, 3), dtype=jnp.float64)
    a = ja.mlp_apply(params, data, activation="relu")
    b = ja.mlp_apply(params, data, activation=ja.get("relu"))
    c = ja.mlp_apply(params, data, activation=lambda z: jnp.maximum(z, 0.0))
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    np.testing.assert_array_equal(np.asarray(a), np.asarray(c))


def test_integer_features_cast():
    x = np.array([[5, 1, 2], [3, 9, 8], [1, 2, 3], [9, 9, 9]])  # seed 002's table
    params = ja.init_mlp(jax.random.key(0), (3, 6, 6, 1), activation="relu")
    out = ja.mlp_apply(params, x, activation="relu", output="sigmoid")
    assert out.shape == (4, 1) and out.dtype == jnp.float32
    ref = ja.mlp_apply(params, x.astype(np.float32), activation="relu", output="sigmoid")
    np.testing.assert_array_equal(np.asarray(out), np.asarray(ref))


def test_grad_through_apply_strict_promotion(data):
    params = ja.init_mlp(jax.random.key(1), (4, 3, 1), activation="sigmoid", dtype=jnp.float64)
    g = jax.grad(lambda p: jnp.sum(ja.mlp_apply(p, data, activation="sigmoid")))(params)
    assert g[0]["w"].shape == (4, 3) and np.all(np.isfinite(np.asarray(g[0]["w"])))


def test_apply_bad_input(data):
    params = ja.init_mlp(jax.random.key(1), (4, 6, 3), activation="relu")
    with pytest.raises(ValueError, match=r"`x`.*first layer expects 4 features, got 3"):
        ja.mlp_apply(params, data[:, :3], activation="relu")
    with pytest.raises(ValueError, match=r"`x`.*got shape \(2, 5, 4\)"):
        ja.mlp_apply(params, np.zeros((2, 5, 4)), activation="relu")
    with pytest.raises(ValueError, match=r"`output`.*'softmx'.*closest: softmax"):
        ja.mlp_apply(params, data, activation="relu", output="softmx")
    with pytest.raises(ValueError, match=r"`activation`.*closest: relu"):
        ja.mlp_apply(params, data, activation="rleu")
    with pytest.raises(TypeError, match="`activation`"):
        ja.mlp_apply(params, data, activation=None)
    with pytest.raises(TypeError, match="`x`"):
        ja.mlp_apply(params, np.array([["a"] * 4]), activation="relu")
    with pytest.raises(TypeError, match=r"`params\[1\]`"):
        ja.mlp_apply([params[0], {"w": params[1]["w"]}], data, activation="relu")
    with pytest.raises(ValueError, match="layer 1 has 3 inputs but layer 0 has 6 outputs"):
        bad = [params[0], {"w": jnp.zeros((3, 3)), "b": jnp.zeros((3,))}]
        ja.mlp_apply(bad, data, activation="relu")
    with pytest.raises(TypeError, match="`params`"):
        ja.mlp_apply({"w": 1}, data, activation="relu")


def test_act_params_must_belong_to_activation(data):
    rec = dataclasses.replace(ja.get("leaky_relu"), learnable=("negative_slope",))
    params = ja.init_mlp(jax.random.key(1), (4, 3, 2), activation=rec)
    with pytest.raises(ValueError, match=r"`params\[0\]\['act'\]`.*negative_slope.*'tanh'"):
        ja.mlp_apply(params, data, activation="tanh")


def test_width_changing_hidden_activation_rejected(data):
    params = ja.init_mlp(jax.random.key(1), (4, 6, 3))
    with pytest.raises(ValueError, match="keep the layer's shape"):
        ja.mlp_apply(params, data, activation=lambda z: z[:, :3])


# --- mlp_forward: the layer inputs and pre-activations -------------------------------


@pytest.mark.parametrize("act", ["relu", "tanh", "leaky_relu"])
def test_mlp_forward_gives_every_layer_input_and_pre_activation(data, act):
    params = ja.init_mlp(jax.random.key(3), (4, 5, 6, 2), activation=act, dtype=jnp.float64)
    fw = ja.mlp_forward(params, data, activation=act)
    assert [a.shape for a in fw.inputs] == [(5, 4), (5, 5), (5, 6)]
    assert [z.shape for z in fw.pre] == [(5, 5), (5, 6), (5, 2)]
    f = ja.get(act).fn
    for layer, a_in, z in zip(params, fw.inputs, fw.pre, strict=True):
        np.testing.assert_allclose(z, a_in @ layer["w"] + layer["b"][None, :], rtol=1e-14)
    for z, a_next in zip(fw.pre[:-1], fw.inputs[1:], strict=True):
        np.testing.assert_array_equal(a_next, f(z))
    np.testing.assert_array_equal(fw.pre[-1], ja.mlp_apply(params, data, activation=act))
    # f' per unit: the hand derivative, and for a plain callable the JVP with ones.
    np.testing.assert_array_equal(
        fw.activation.slope(fw.pre[0], {}), ja.get(act).derivative(fw.pre[0])
    )
    fw_callable = ja.mlp_forward(params, data, activation=lambda z: f(z))
    np.testing.assert_allclose(
        fw_callable.activation.slope(fw.pre[0], {}), ja.get(act).derivative(fw.pre[0]), rtol=1e-15
    )


def test_mlp_forward_takes_one_example_as_a_batch_of_one(data):
    params = ja.init_mlp(jax.random.key(3), (4, 3, 1), activation="tanh", dtype=jnp.float64)
    fw = ja.mlp_forward(params, data[0], activation="tanh")
    assert fw.inputs[0].shape == (1, 4) and fw.pre[-1].shape == (1, 1)


def test_slope_refuses_a_vector_activation(data):
    params = ja.init_mlp(jax.random.key(3), (4, 4, 1), dtype=jnp.float64)
    fw = ja.mlp_forward(params, data, activation="softmax")
    with pytest.raises(ValueError, match=r"`activation`.*elementwise.*'softmax'"):
        fw.activation.slope(fw.pre[0], {})
