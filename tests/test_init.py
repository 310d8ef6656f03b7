"""Initializers: variances, supports, determinism, lookup and the per-activation default."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxact as ja

SHAPE = (300, 200)
# (name, target variance for SHAPE, uniform?)
CASES = [
    ("glorot_normal", 2.0 / (300 + 200), False),
    ("glorot_uniform", 2.0 / (300 + 200), True),
    ("he_normal", 2.0 / 300, False),
    ("he_uniform", 2.0 / 300, True),
    ("lecun_normal", 1.0 / 300, False),
    ("lecun_uniform", 1.0 / 300, True),
]


@pytest.mark.parametrize(("name", "var", "uniform"), CASES)
def test_variance_support_dtype(name, var, uniform):
    fn = getattr(ja, name)
    w = np.asarray(fn(jax.random.key(1), SHAPE, jnp.float64))
    assert w.shape == SHAPE and w.dtype == np.float64
    # 60000 draws: the sample variance is within ~1% of the target (fixed key).
    assert abs(w.var() / var - 1) < 0.03
    assert abs(w.mean()) < 4 * math.sqrt(var / w.size)
    if uniform:
        a = math.sqrt(3 * var)
        assert np.abs(w).max() <= a
        assert np.abs(w).max() > 0.99 * a
    else:
        # truncated at two standard deviations of the underlying (unscaled) normal
        sigma = math.sqrt(var) / 0.87962566103423978
        assert np.abs(w).max() <= 2 * sigma * (1 + 1e-12)
        assert np.abs(w).max() > 1.9 * sigma


@pytest.mark.parametrize("name", [c[0] for c in CASES])
def test_same_key_same_values_and_float32(name):
    fn = ja.initializer(name)
    a = fn(jax.random.key(3), (4, 5), jnp.float32)
    b = fn(jax.random.key(3), (4, 5), jnp.float32)
    c = fn(jax.random.key(4), (4, 5), jnp.float32)
    assert a.dtype == jnp.float32
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert not np.array_equal(np.asarray(a), np.asarray(c))


def test_default_dtype_and_jit_vmap():
    w = ja.he_normal(jax.random.key(0), (3, 2))
    assert w.dtype == jnp.float32
    keys = jax.random.split(jax.random.key(0), 3)
    batched = jax.jit(jax.vmap(lambda k: ja.he_normal(k, (3, 2), jnp.float32)))(keys)
    for i in range(3):
        np.testing.assert_array_equal(
            np.asarray(batched[i]), np.asarray(ja.he_normal(keys[i], (3, 2), jnp.float32))
        )


def test_lookup_aliases_and_case():
    assert ja.initializer("he") is ja.he_normal
    assert ja.initializer("Kaiming-Uniform") is ja.he_uniform
    assert ja.initializer("xavier_uniform") is ja.glorot_uniform
    assert ja.initializer("glorot") is ja.glorot_normal
    assert ja.initializer("lecun") is ja.lecun_normal
    f = lambda key, shape, dtype: jnp.zeros(shape, dtype)  # noqa: E731
    assert ja.initializer(f) is f
    assert ja.init_names() == [c[0] for c in CASES]


def test_unknown_initializer_suggests_closest():
    with pytest.raises(ValueError, match=r"`init`.*'he_normall'.*closest: he_normal"):
        ja.initializer("he_normall")
    with pytest.raises(TypeError, match="`init`"):
        ja.initializer(3)


def test_bad_shape():
    with pytest.raises(ValueError, match="`shape`"):
        ja.glorot_normal(jax.random.key(0), (3,), jnp.float32)
    with pytest.raises(ValueError, match="`shape`"):
        ja.glorot_normal(jax.random.key(0), (3, 0), jnp.float32)
    with pytest.raises(TypeError, match="`shape`"):
        ja.glorot_normal(jax.random.key(0), 3, jnp.float32)


def test_default_init_per_activation():
    assert ja.default_init("relu") == "he_normal"
    assert ja.default_init("leaky_relu") == "he_normal"
    assert ja.default_init("sigmoid") == "glorot_normal"
    assert ja.default_init("tanh") == "glorot_normal"
    assert ja.default_init("identity") == "glorot_normal"
    assert ja.default_init("linear") == "glorot_normal"
    assert ja.default_init(ja.get("relu")) == "he_normal"
    assert ja.default_init(None) == "glorot_normal"
    assert ja.default_init(lambda z: z) == "glorot_normal"
    with pytest.raises(ValueError, match="closest: relu"):
        ja.default_init("relux")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("selu", "lecun_normal"),
        ("elu", "he_normal"),
        ("gelu", "he_normal"),
        ("silu", "he_normal"),
        ("prelu", "he_normal"),
        ("softplus", "he_normal"),
        ("hard_tanh", "glorot_normal"),
        ("softsign", "glorot_normal"),
        ("exponential", "glorot_normal"),
    ],
)
def test_default_init_catalog(name, expected):
    if name not in ja.names():
        pytest.skip(f"{name} is not in the catalog")
    assert ja.default_init(name) == expected


def test_default_init_covers_catalog():
    for name in ja.names():
        assert ja.default_init(name) in ja.init_names()
