"""The rational family against its peer, rational-activations 0.2.0 (PyTorch), version "B".

Optional: skipped without ``torch`` and ``rational`` (``pip install torch`` then
``pip install --no-deps rational-activations==0.2.0``; the package pins an old torch).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxact as ja

torch = pytest.importorskip("torch")
rational_torch = pytest.importorskip("rational.torch")
config = pytest.importorskip("rational.utils.get_weights")

X = np.concatenate([np.linspace(-5.0, 5.0, 201), [-40.0, -12.5, 0.0, 12.5, 40.0]])


def _peer(coeffs: dict[str, float], dtype):
    """The peer's module with jaxact's coefficients, in ``dtype``."""
    mod = rational_torch.Rational("gelu", degrees=(5, 4), cuda=False, version="B")
    a = [coeffs[f"a{i}"] for i in range(6)]
    b = [coeffs[f"b{j}"] for j in range(1, 5)]
    mod.numerator = torch.nn.Parameter(torch.tensor(a, dtype=dtype))
    mod.denominator = torch.nn.Parameter(torch.tensor(b, dtype=dtype))
    return mod


def _scales(c: dict[str, float], x: np.ndarray) -> dict[str, np.ndarray]:
    """The size of the terms that f, f′ and ∂f/∂p are sums of (Σ|aᵢ||x|ⁱ/Q, ...): one
    rounding of each term is a unit of error, whatever the order of the sums."""
    ax = np.abs(x)[:, None]
    a = np.abs([c[f"a{i}"] for i in range(6)])
    b = np.abs([c[f"b{j}"] for j in range(1, 5)])
    pa = np.sum(a * ax ** np.arange(6), 1)
    pa1 = np.sum(np.arange(1, 6) * a[1:] * ax ** np.arange(5), 1)
    ba = np.sum(b * ax ** np.arange(1, 5), 1)
    ba1 = np.sum(np.arange(1, 5) * b * ax ** np.arange(4), 1)
    with jax.enable_x64(True):
        q = np.asarray(ja.rational_denominator(x, **c))
    grow = 1 + ba / q
    return {
        "f": pa / q * grow,
        "d": (pa1 + pa / q * ba1) / q * grow,
        **{f"a{i}": np.sum(ax[:, 0] ** i / q * grow) for i in range(6)},
        **{f"b{j}": np.sum(pa / q * ax[:, 0] ** j / q * grow) for j in range(1, 5)},
    }


@pytest.mark.parametrize(
    ("dtype", "tdtype"), [("float64", torch.float64), ("float32", torch.float32)]
)
@pytest.mark.parametrize("start", ["gelu", "tanh"])
def test_same_coefficients_same_values_and_gradients(dtype, tdtype, start):
    coeffs = ja.rational_init(start)
    rec = ja.get(f"rational:{start}")
    mod = _peer(coeffs, tdtype)
    xt = torch.tensor(X, dtype=tdtype, requires_grad=True)
    yt = mod(xt)
    yt.sum().backward()
    with jax.enable_x64(True):
        xj = jnp.asarray(X, dtype)
        f = np.asarray(jax.jit(rec.fn)(xj), np.float64)
        d = np.asarray(jax.jit(jax.vmap(jax.grad(rec.fn)))(xj), np.float64)
        pj = {k: jnp.asarray(v, dtype) for k, v in coeffs.items()}
        gp = jax.jit(jax.grad(lambda p: jnp.sum(rec.fn(xj, **p))))(pj)
    eps = float(np.finfo(dtype).eps)
    sc = _scales(coeffs, X)
    assert np.all(np.abs(f - yt.detach().double().numpy()) <= 8 * eps * sc["f"])
    # At the kink x = 0 the peer's autograd takes sgn(0) = 0: f′(0) = a₁, the mean of the
    # one-sided slopes a₁ ∓ a₀|b₁|; jaxact takes the one of smaller magnitude.
    dt = xt.grad.double().numpy()
    at0 = X == 0
    assert np.all(np.abs(d - dt)[~at0] <= 8 * eps * sc["d"][~at0])
    half = abs(coeffs["a0"] * coeffs["b1"])
    np.testing.assert_allclose(np.abs(d[at0] - dt[at0]), half, rtol=1e-3, atol=4 * eps)
    theirs = [*mod.numerator.grad.double().numpy(), *mod.denominator.grad.double().numpy()]
    for k, t in zip(ja.rational_names(), theirs, strict=True):
        assert abs(float(gp[k]) - t) <= 8 * eps * sc[k], k


def test_peer_shipped_starts_against_ours():
    """Both are fits on [−3, 3]; ours minimizes the squared error there, so its RMS error
    is at most the peer's (its worst error need not be)."""
    x = np.linspace(-3, 3, 2001)
    for start, peer_name in [
        ("relu", "relu"),
        ("tanh", "tanh"),
        ("gelu", "gelu"),
        ("silu", "swish"),
    ]:
        num, den = config.get_parameters("B", (5, 4), peer_name)
        theirs = dict(zip(ja.rational_names(), [*num, *den], strict=True))
        rec_t = ja.rational_activation(coefficients=theirs)
        with jax.enable_x64(True):
            g = np.asarray(ja.get(start).fn(x))
            err_t = np.asarray(jax.jit(rec_t.fn)(x)) - g
            err_o = np.asarray(jax.jit(ja.get(f"rational:{start}").fn)(x)) - g
        assert np.sqrt(np.mean(err_o**2)) <= np.sqrt(np.mean(err_t**2)) * (1 + 1e-9), start
