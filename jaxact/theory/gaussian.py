r"""Gaussian expectations of an activation and its derivative, accurate to ~1e-12.

For an elementwise :math:`f` with derivative :math:`f'`, :math:`z \sim N(0, 1)` and
:math:`u_1, u_2` jointly Gaussian with variance :math:`q` and correlation :math:`c`:

.. math::
  m_1 = E[f(\sqrt q z)], \quad m_2 = E[f(\sqrt q z)^2], \quad
  m_2' = E[f'(\sqrt q z)^2], \qquad
  k(c) = E[f(u_1) f(u_2)], \quad k'(c) = E[f'(u_1) f'(u_2)].

Closed forms serve where they exist: the identity, the exponential and the rectifiers
(relu, leaky_relu, prelu, rrelu in eval mode: the arc-cosine kernels of Cho and Saul
2009, :math:`k_1(c) = \frac{q}{2\pi}(\sqrt{1-c^2} + (\pi - \theta) c)`,
:math:`k_0(c) = \frac{\pi - \theta}{2\pi}`, :math:`\theta = \arccos c`, combined as
:math:`(1+a^2) k_1(c) - 2a\,k_1(-c)` for a negative slope :math:`a`). Every other
activation is integrated by composite Gauss-Legendre quadrature in :math:`z`, over
:math:`[-10, 10]` (the Gaussian mass outside is below 1e-22): 16 nodes on each panel
between breakpoints that are (i) a uniform grid of 16 panels, (ii) the activation's
kinks (``card.kinks``, moved with a parameter whose default they equal, as softshrink's
±λ), where f′ or f jumps and a polynomial rule would converge slowly, and (iii) the
points :math:`u = 0, \pm\frac12, \pm1, \pm2, \pm4, \pm8`, so that a large :math:`q`,
which squeezes f's features (tanh's poles at :math:`\pm i\pi/2`) into a narrow range
of :math:`z`, still meets panels of the features' size. The two-input expectations
integrate :math:`z_2` inside :math:`z_1`
(:math:`u_1 = \sqrt q z_1`, :math:`u_2 = \sqrt q (c z_1 + \sqrt{1-c^2} z_2)`), the inner
rule split at the kinks of :math:`u_2` and the outer one at the kinks of :math:`u_1` and
where the inner integral changes fast (within a few :math:`\sqrt{1-c^2}/|c|` of each
kink of :math:`u_2`).

Everything is pure jax: jit- and vmap-able in ``q`` and ``c``. Results have the dtype
of the computation: float64 when ``jax_enable_x64`` is on (the accuracy above), float32
otherwise.

References:
  Cho & Saul, "Kernel methods for deep learning", NeurIPS 2009.
  Poole et al., "Exponential expressivity in deep neural networks through transient
  chaos", NeurIPS 2016.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import numbers
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxact.catalog import activations as _acts

Array = jax.Array

__all__ = [
    "GaussianKernels",
    "GaussianMoments",
    "Nonlinearity",
    "gaussian_kernels",
    "gaussian_moments",
    "nonlinearity",
]

_HALF_WIDTH = 10.0  # the window [-10, 10] in z
_NODES = 16  # Gauss-Legendre nodes per panel
_GRID = np.linspace(-_HALF_WIDTH, _HALF_WIDTH, 17)
_SCALE_POINTS = np.array([0.0, 0.5, -0.5, 1.0, -1.0, 2.0, -2.0, 4.0, -4.0, 8.0, -8.0])
_GL_X, _GL_W = np.polynomial.legendre.leggauss(_NODES)
# Where the inner integral of the two-input rule changes fast: offsets from each kink of
# u₂ (and from u₂ = 0), in units of √(1-c²)/|c|, in z₁.
_NEAR = np.array([-8.0, -3.0, -1.0, 1.0, 3.0, 8.0])

# Parameters with a domain narrower than the finite reals.
_DOMAINS: dict[str, tuple[str, Callable[[float], bool]]] = {
    "lambd": ("≥ 0", lambda v: v >= 0),
    "b": ("≥ 0", lambda v: v >= 0),
    "alpha": ("> 0", lambda v: v > 0),
}


@dataclasses.dataclass(frozen=True, eq=False)
class Nonlinearity:
    """An elementwise f with its derivative, its kinks and its closed form, if any.

    Two records are equal when they compute the same thing (``key``), so jitted theory
    functions compile once per activation and parameters.

    Attributes:
      name: the catalog name, or ``"custom"`` for a user's pair.
      f: ``f(x) -> array``, elementwise.
      df: ``f′(x) -> array``, elementwise.
      kinks: the points where f or f′ jumps (or f″, for a C¹ one), sorted.
      slope: for the rectifiers with a closed form, the negative slope a; else ``None``.
      closed: ``"rectifier"``, ``"identity"``, ``"exponential"`` or ``None``
        (quadrature).
      key: what identifies the computation (name, parameters, kinks; or the functions).
    """

    name: str
    f: Callable[[Array], Array]
    df: Callable[[Array], Array]
    kinks: tuple[float, ...]
    closed: str | None
    slope: float | None
    key: Any

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Nonlinearity) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)


_CLOSED = {"relu": "rectifier", "leaky_relu": "rectifier", "prelu": "rectifier"}
_CLOSED |= {"rrelu": "rectifier", "identity": "identity", "exponential": "exponential"}


def _check_params(rec: _acts.Activation, params: Any) -> dict[str, float]:
    if params is None:
        return dict(rec.defaults)
    if not isinstance(params, Mapping):
        raise TypeError(
            f"`params`: expected a dict of {rec.name}'s parameters, got {type(params).__name__}"
        )
    unknown = sorted(set(params) - set(rec.defaults))
    if unknown:
        valid = ", ".join(rec.defaults) or "none"
        raise ValueError(f"`params`: {rec.name} has no parameter {unknown[0]!r}; valid: {valid}")
    out = dict(rec.defaults)
    for k, v in params.items():
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise TypeError(f"`params[{k!r}]`: expected a real number, got {type(v).__name__}")
        if not math.isfinite(v):
            raise ValueError(f"`params[{k!r}]`: expected a finite number, got {v}")
        if k in _DOMAINS and not _DOMAINS[k][1](float(v)):
            raise ValueError(
                f"`params[{k!r}]`: expected a value {_DOMAINS[k][0]} for {rec.name}, got {v}"
            )
        out[k] = float(v)
    if rec.name == "rrelu" and out["lower"] > out["upper"]:
        raise ValueError(
            f"`params`: rrelu needs lower ≤ upper, got lower={out['lower']}, upper={out['upper']}"
        )
    return out


def _moved_kinks(rec: _acts.Activation, params: Mapping[str, float]) -> tuple[float, ...]:
    """The card's kinks, each moved with a parameter whose default equals its distance
    from 0 (threshold's θ, softshrink's and hardshrink's ±λ)."""
    out = []
    for k in rec.card.kinks:
        x = k.x
        for p, d in rec.defaults.items():
            if d != 0 and abs(x) == abs(d):
                x = math.copysign(abs(params[p]), x) if x else x
                break
        out.append(x)
    return tuple(sorted(out))


def _check_kinks(kinks: Any) -> tuple[float, ...]:
    try:
        ks = tuple(float(k) for k in kinks)
    except TypeError as e:
        raise TypeError(
            f"`kinks`: expected a sequence of numbers, got {type(kinks).__name__}"
        ) from e
    if not all(math.isfinite(k) for k in ks):
        raise ValueError(f"`kinks`: expected finite numbers, got {ks}")
    return tuple(sorted(ks))


def nonlinearity(
    activation: Any, *, params: Mapping[str, float] | None = None, kinks: Any = None
) -> Nonlinearity:
    """The :class:`Nonlinearity` of a catalog activation or of a user's ``(f, f′)`` pair.

    Args:
      activation: a catalog name or alias, an :class:`~jaxact.Activation`, a
        ``(f, f′)`` pair of elementwise callables, or a :class:`Nonlinearity` (returned
        as is when ``params`` and ``kinks`` are ``None``).
      params: the activation's parameters (a dict; missing ones take their
        defaults). Default ``None``: the defaults.
      kinks: the points where f or f′ jumps, overriding the card's (a user's pair has
        none unless given). Default ``None``.

    Returns:
      A :class:`Nonlinearity`.

    Raises:
      ValueError: an unknown name (closest names suggested), a vector activation
        (softmax, glu, ...), an unknown parameter or one outside its domain.
      TypeError: neither a name, a record nor a pair of callables.

    Examples:
      >>> import jaxact as ja
      >>> ja.nonlinearity("softshrink", params={"lambd": 2.0}).kinks
      (-2.0, 2.0)
    """
    if isinstance(activation, Nonlinearity) and params is None and kinks is None:
        return activation
    if isinstance(activation, tuple):
        if len(activation) != 2 or not all(callable(g) for g in activation):
            raise TypeError(
                "`activation`: expected a (f, f′) pair of callables, e.g. "
                "(jnp.tanh, lambda x: 1 - jnp.tanh(x) ** 2)"
            )
        ks = () if kinks is None else _check_kinks(kinks)
        f, df = activation
        return Nonlinearity("custom", f, df, ks, None, None, ("custom", f, df, ks))
    if not isinstance(activation, (str, _acts.Activation)):
        raise TypeError(
            "`activation`: expected a catalog name, an Activation or a (f, f′) pair of "
            f"callables, got {type(activation).__name__}"
        )
    rec = _acts.get(activation)
    if rec.kind != "elementwise":
        raise ValueError(
            f"`activation`: the mean-field theory is for elementwise activations; "
            f"{rec.name!r} is a vector activation (it mixes units)"
        )
    p = _check_params(rec, params)
    ks = _moved_kinks(rec, p) if kinks is None else _check_kinks(kinks)
    closed = _CLOSED.get(rec.name) if kinks is None else None
    slope = None
    if closed == "rectifier":
        slope = (
            0.0
            if rec.name == "relu"
            else (p["lower"] + p["upper"]) / 2
            if rec.name == "rrelu"
            else p["negative_slope"]
        )
    items = tuple(sorted(p.items()))

    def f(x: Array) -> Array:
        return rec.fn(x, **p)

    def df(x: Array) -> Array:
        return rec.derivative(x, **p)

    return Nonlinearity(rec.name, f, df, ks, closed, slope, (rec.name, items, ks, closed))


# --------------------------------------------------------------------------------------
# Quadrature
# --------------------------------------------------------------------------------------


def _phi(z: Array) -> Array:
    return jnp.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def _quad(g: Callable[[Array], Array], breaks: Array) -> Array:
    """∫ g(z) φ(z) dz over [-10, 10], Gauss-Legendre between the sorted ``breaks``."""
    dt = breaks.dtype
    b = jnp.sort(jnp.clip(jnp.concatenate([jnp.asarray(_GRID, dt), breaks]), -10.0, 10.0))
    lo, hi = b[:-1], b[1:]
    half, mid = (hi - lo) / 2, (hi + lo) / 2
    z = mid[:, None] + half[:, None] * jnp.asarray(_GL_X, dt)[None, :]
    w = half[:, None] * jnp.asarray(_GL_W, dt)[None, :] * _phi(z)
    return jnp.sum(w * g(z))


def _breaks(mu: Array, sigma: Array, kinks: tuple[float, ...]) -> Array:
    """The breakpoints in z of u = mu + sigma z: the scale points and the kinks."""
    pts = jnp.asarray(np.concatenate([_SCALE_POINTS, np.asarray(kinks, float)]), sigma.dtype)
    return (pts - mu) / sigma


def _sigma(q: Array) -> Array:
    """√q, floored at √tiny so that q = 0 gives the limit q → 0⁺ (one-sided values)."""
    return jnp.sqrt(jnp.maximum(q, jnp.finfo(q.dtype).tiny))


def _expect(g: Callable[[Array], Array], mu: Array, sigma: Array, kinks: tuple) -> Array:
    """E[g(mu + sigma z)] for one (scalar) mu and sigma, split at g's kinks."""
    return _quad(lambda z: g(mu + sigma * z), _breaks(mu, sigma, kinks))


def as_float(a: Any) -> Array:
    a = jnp.asarray(a)
    return a if jnp.issubdtype(a.dtype, jnp.floating) else a.astype(float)


# --------------------------------------------------------------------------------------
# One input
# --------------------------------------------------------------------------------------


class GaussianMoments(NamedTuple):
    """E[f], E[f²] and E[f′²] under N(0, q), each with the shape of ``q``."""

    mean: Array
    second: Array
    slope2: Array


def _rectifier_moments(a: float, q: Array) -> GaussianMoments:
    return GaussianMoments(
        (1 - a) * jnp.sqrt(q / (2 * math.pi)),
        q * (1 + a * a) / 2,
        jnp.full_like(q, (1 + a * a) / 2),
    )


def moments_one(nl: Nonlinearity, q: Array) -> GaussianMoments:
    if nl.closed == "rectifier":
        return _rectifier_moments(nl.slope, q)  # type: ignore[arg-type]
    if nl.closed == "identity":
        return GaussianMoments(jnp.zeros_like(q), q, jnp.ones_like(q))
    if nl.closed == "exponential":
        return GaussianMoments(jnp.exp(q / 2), jnp.exp(2 * q), jnp.exp(2 * q))
    s = _sigma(q)
    zero = jnp.zeros_like(s)
    return GaussianMoments(
        _expect(nl.f, zero, s, nl.kinks),
        _expect(lambda u: nl.f(u) ** 2, zero, s, nl.kinks),
        _expect(lambda u: nl.df(u) ** 2, zero, s, nl.kinks),
    )


@functools.partial(jax.jit, static_argnums=0)
def _moments(nl: Nonlinearity, q: Array) -> GaussianMoments:
    flat = q.reshape(-1)
    out = jax.vmap(lambda v: moments_one(nl, v))(flat)
    return GaussianMoments(*(a.reshape(q.shape) for a in out))


def check_variance(arg: str, value: Any, *, positive: bool = False) -> None:
    """Raise if a concrete ``value`` has a negative (or, with ``positive``, zero) or
    non-finite entry; traced values pass (they are checked where they are concrete)."""
    if isinstance(value, jax.core.Tracer):
        return
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as e:
        raise TypeError(f"`{arg}`: expected real numbers, got {type(value).__name__}") from e
    if not np.all(np.isfinite(a)):
        raise ValueError(f"`{arg}`: expected finite variances, got {a.ravel()[:4].tolist()}")
    bad = a <= 0 if positive else a < 0
    if np.any(bad):
        raise ValueError(
            f"`{arg}`: expected variances {'> 0' if positive else '≥ 0'}, got "
            f"{a[bad].ravel()[:4].tolist()}"
        )


def gaussian_moments(
    activation: Any, q: Any, *, params: Mapping[str, float] | None = None
) -> GaussianMoments:
    r"""E[f], E[f²] and E[f′²] of an activation under a centred Gaussian of variance q.

    .. math::
      \Big(E[f(\sqrt q z)],\; E[f(\sqrt q z)^2],\; E[f'(\sqrt q z)^2]\Big),
      \qquad z \sim N(0, 1)

    At q = 0 the values are the limits q → 0⁺ (relu's E[f′²] is 1/2 there).

    Args:
      activation: see :func:`nonlinearity`.
      q: the variance, ≥ 0, scalar or array (any shape); jit- and vmap-able.
      params: the activation's parameters. Default ``None``: its defaults.

    Returns:
      A :class:`GaussianMoments` of three arrays with the shape of ``q``.

    Raises:
      ValueError: a negative or non-finite ``q``, a vector activation, parameters out
        of their domain.

    Examples:
      >>> import jax, jaxact as ja
      >>> with jax.enable_x64(True):
      ...     m = ja.gaussian_moments("relu", 2.0)
      ...     t = ja.gaussian_moments("tanh", 1.0)
      >>> print(f"{float(m.second):.6f} {float(m.slope2):.6f} {float(t.slope2):.6f}")
      1.000000 0.500000 0.464403

    References:
      Poole et al., "Exponential expressivity in deep neural networks through transient
      chaos", NeurIPS 2016.
    """
    nl = nonlinearity(activation, params=params)
    check_variance("q", q)
    return _moments(nl, as_float(q))


# --------------------------------------------------------------------------------------
# Two inputs
# --------------------------------------------------------------------------------------


class GaussianKernels(NamedTuple):
    """E[f(u₁) f(u₂)] and E[f′(u₁) f′(u₂)], each with the broadcast shape of q and c."""

    ff: Array
    dfdf: Array


def _k1(q: Array, c: Array) -> Array:
    theta = jnp.arccos(c)
    return q / (2 * math.pi) * (jnp.sqrt(jnp.maximum(1 - c * c, 0.0)) + (math.pi - theta) * c)


def _rectifier_kernels(a: float, q: Array, c: Array) -> GaussianKernels:
    theta = jnp.arccos(c)
    k0, k0m = (math.pi - theta) / (2 * math.pi), theta / (2 * math.pi)
    ff = (1 + a * a) * _k1(q, c) - 2 * a * _k1(q, -c)
    return GaussianKernels(ff, (1 + a * a) * k0 + 2 * a * k0m)


def _expect2(g1: Callable, g2: Callable, kinks: tuple, q: Array, c: Array) -> Array:
    """E[g1(u₁) g2(u₂)], z₂ integrated inside z₁."""
    s = _sigma(q)
    r = jnp.sqrt(jnp.maximum(1 - c * c, 0.0))
    rs = jnp.maximum(s * r, jnp.sqrt(jnp.finfo(q.dtype).tiny))

    def inner(z1: Array) -> Array:
        return _expect(g2, s * c * z1, rs, kinks)

    def outer(z: Array) -> Array:
        return g1(s * z) * jax.vmap(inner)(z.reshape(-1)).reshape(z.shape)

    centres = np.concatenate([[0.0], np.asarray(kinks, float)])
    ac = jnp.maximum(jnp.abs(c), jnp.finfo(q.dtype).eps)
    near = (jnp.asarray(centres, q.dtype)[:, None] / (s * ac)) + jnp.asarray(_NEAR, q.dtype)[
        None, :
    ] * (r / ac) * jnp.where(c < 0, -1.0, 1.0)
    near = jnp.where(jnp.abs(c) > 1e-3, near, 0.0).reshape(-1)
    breaks = jnp.concatenate([_breaks(jnp.zeros_like(s), s, kinks), near])
    return _quad(outer, breaks)


def kernels_one(nl: Nonlinearity, q: Array, c: Array) -> GaussianKernels:
    if nl.closed == "rectifier":
        return _rectifier_kernels(nl.slope, q, c)  # type: ignore[arg-type]
    if nl.closed == "identity":
        return GaussianKernels(q * c, jnp.ones_like(q * c))
    if nl.closed == "exponential":
        e = jnp.exp(q * (1 + c))
        return GaussianKernels(e, e)
    return GaussianKernels(
        _expect2(nl.f, nl.f, nl.kinks, q, c), _expect2(nl.df, nl.df, nl.kinks, q, c)
    )


@functools.partial(jax.jit, static_argnums=0)
def _kernels(nl: Nonlinearity, q: Array, c: Array) -> GaussianKernels:
    q, c = jnp.broadcast_arrays(q, c)
    out = jax.vmap(lambda a, b: kernels_one(nl, a, b))(q.reshape(-1), c.reshape(-1))
    return GaussianKernels(*(a.reshape(q.shape) for a in out))


def check_correlation(arg: str, value: Any) -> None:
    """Raise if a concrete ``value`` is outside [-1, 1] or not finite."""
    if isinstance(value, jax.core.Tracer):
        return
    a = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(a)) or np.any(np.abs(a) > 1):
        raise ValueError(f"`{arg}`: expected correlations in [-1, 1], got {a.ravel()[:4].tolist()}")


def gaussian_kernels(
    activation: Any, q: Any, c: Any, *, params: Mapping[str, float] | None = None
) -> GaussianKernels:
    r"""The two-input expectations E[f(u₁) f(u₂)] and E[f′(u₁) f′(u₂)].

    .. math::
      (u_1, u_2) \sim N\!\left(0, q \begin{pmatrix} 1 & c \\ c & 1 \end{pmatrix}\right)

    Args:
      activation: see :func:`nonlinearity`.
      q: the common variance, ≥ 0 (any shape, broadcast with ``c``).
      c: the correlation, in [-1, 1] (any shape).
      params: the activation's parameters. Default ``None``: its defaults.

    Returns:
      A :class:`GaussianKernels` of two arrays with the broadcast shape of ``q`` and
      ``c``. At c = 1 they equal E[f²] and E[f′²] of :func:`gaussian_moments`.

    Raises:
      ValueError: a negative or non-finite ``q``, ``c`` outside [-1, 1], a vector
        activation, parameters out of their domain.

    Examples:
      >>> import jax, jaxact as ja
      >>> with jax.enable_x64(True):
      ...     k = ja.gaussian_kernels("relu", 1.0, 0.0)
      ...     t = ja.gaussian_kernels("tanh", 1.0, 0.5)
      >>> print(f"{float(k.ff):.6f} {float(k.dfdf):.4f} {float(t.ff):.6f}")
      0.159155 0.2500 0.186324

    References:
      Cho & Saul, "Kernel methods for deep learning", NeurIPS 2009 (the arc-cosine
      kernels); Poole et al., NeurIPS 2016.
    """
    nl = nonlinearity(activation, params=params)
    check_variance("q", q)
    check_correlation("c", c)
    return _kernels(nl, as_float(q), as_float(c))
