r"""Learnable rational activations: the safe Padé activation unit, f = P(x) / Q(x).

.. math::
  f(x) = \frac{P(x)}{Q(x)} = \frac{\sum_{i=0}^{m} a_i x^i}
         {1 + \left|\sum_{j=1}^{n} b_j x^j\right|}

with numerator degree m and denominator degree n (default (5, 4)). Q ≥ 1 everywhere,
so f has no pole for any coefficients (the "safe" PAU, version "B" of Molina et al.).
Writing B(x) = Σ b_j x^j and sgn for the sign function,

.. math::
  f'(x) = \frac{P'(x) - f(x)\,\operatorname{sgn}(B(x))\,B'(x)}{Q(x)}, \qquad
  \frac{\partial f}{\partial a_i} = \frac{x^i}{Q(x)}, \qquad
  \frac{\partial f}{\partial b_j} = -\frac{f(x)\,\operatorname{sgn}(B(x))\,x^j}{Q(x)}.

**Kinks.** |B| has a kink at every real root of B; x = 0 is always one. There the
one-sided slopes of f are P′(0) ∓ P(0)|b₁| (that is a₁ ∓ a₀|b₁|) and f′(0) is the
minimum-norm subgradient of f, the point of that interval closest to 0, as at every
kink of the catalog. Other real roots of B are almost never floating-point numbers;
where B rounds to exactly 0 the code takes sgn(0) = 0 (the mean of the slopes).

**No overflow.** For |x| ≤ 1 the polynomials are evaluated directly (Horner). For
|x| > 1 they are evaluated in s = 1/x: with P̃(s) = Σ aᵢ s^{m−i}, B̃(s) = Σ b_j s^{n−j}
and D = |s|ⁿ + |B̃(s)|,

.. math::
  f = \sigma^n\, x^{m-n}\, \tilde P / D, \qquad
  f' = \sigma^n\, x^{m-n-1} \bigl(\tilde P_1 - \operatorname{sgn}(\tilde B)
  \tilde B_1 \tilde P / D\bigr) / D

(σ = sign x, P̃₁ = Σ i aᵢ s^{m−i}, B̃₁ = Σ j b_j s^{n−j}), the power of x applied last,
one factor at a time, so that no intermediate exceeds the result: f is ±inf only where
its true value exceeds the dtype's range, and f′ is finite wherever f is.

**Not guaranteed:** monotonicity, boundedness (f grows like x^{m−n}), f(0) = 0. Each
record's card states what its coefficients give, measured on a grid.

A rational activation is a **family** beside the catalog's 35 fixed functions: one
member per (starting activation, degrees, per-unit or per-layer). ``jaxact.get`` resolves
the names ``"rational"`` (degrees (5, 4), started from silu, one set of coefficients per
layer) and ``"rational:START[:M,N][:unit]"``; :func:`rational_activation` builds any
member, :func:`rational_init` gives the starting coefficients.

The default start is silu: of the smooth relu-like activations its (5, 4) fit is the
closest on [−3, 3] (1.2e-6), its B has no real root but 0 (no kink elsewhere) and f
grows like x/2 on both sides. gelu's fit is as good on [−3, 3] (9e-4) but its B has
roots at ±4.44, beyond which f turns to −x/2 (see the table of ``rational_init``).

References:
  Molina, Schramowski & Kersting, "Padé activation units: end-to-end learning of
  flexible activation functions in deep networks", ICLR 2020.
  Boullé, Nakatsukasa & Townsend, "Rational neural networks", NeurIPS 2020.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxact.catalog import activations as _acts
from jaxact.catalog.registry import (
    Activation,
    Card,
    Kink,
    UlpBudget,
    make_elementwise,
    register_family,
)

Array = jax.Array
ArrayLike = jax.typing.ArrayLike

__all__ = [
    "MAX_DEGREE",
    "rational",
    "rational_activation",
    "rational_coefficients",
    "rational_denominator",
    "rational_fit",
    "rational_init",
    "rational_names",
]

MAX_DEGREE = 12
"""The largest degree allowed for P or Q. Beyond it the monomial basis is so
ill-conditioned on [−3, 3] (condition number above 1e9) that the fits and their float32
evaluation lose every digit that learning could use."""

DEFAULT_DEGREES = (5, 4)
DEFAULT_START = "silu"
DEFAULT_INTERVAL = (-3.0, 3.0)
FITS = Path(__file__).parent.parent / "data" / "rational_fits.json"
"""The shipped starting coefficients; rebuilt by ``python -m jaxact.catalog.rational``."""

_FIT_POINTS = 2001

# --------------------------------------------------------------------------------------
# Argument checks
# --------------------------------------------------------------------------------------


def _check_degrees(degrees: Any, arg: str = "degrees") -> tuple[int, int]:
    if not isinstance(degrees, Sequence) or isinstance(degrees, str) or len(degrees) != 2:
        raise TypeError(
            f"`{arg}`: expected a pair of positive ints (m, n), like (5, 4), got "
            f"{type(degrees).__name__} {degrees!r}"
        )
    out = []
    for k, v in zip(("m", "n"), degrees, strict=True):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise TypeError(
                f"`{arg}`: expected a pair of positive ints (m, n), got {k} = "
                f"{type(v).__name__} {v!r}"
            )
        if not 1 <= v <= MAX_DEGREE:
            raise ValueError(
                f"`{arg}`: expected 1 <= {k} <= {MAX_DEGREE} (MAX_DEGREE), got {k} = {v}"
            )
        out.append(int(v))
    return out[0], out[1]


def _check_start(start: Any) -> str:
    if not isinstance(start, str):
        raise TypeError(
            f"`start`: expected the name of a catalog activation, like 'gelu', got "
            f"{type(start).__name__}"
        )
    try:
        rec = _acts.get(start)
    except ValueError as e:
        raise ValueError(str(e).replace("`activation`", "`start`", 1)) from None
    if rec.kind != "elementwise":
        raise ValueError(f"`start`: expected an elementwise activation, got {rec.name!r}")
    return rec.name


def _check_coefficients(arg: str, values: Any, length: int, what: str) -> tuple[float, ...]:
    try:
        a = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise TypeError(f"`{arg}`: expected {length} real numbers ({what}), got {values!r}") from e
    if a.ndim != 1 or a.size != length:
        raise ValueError(f"`{arg}`: expected {length} coefficients ({what}), got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"`{arg}`: expected finite coefficients, got {a.tolist()}")
    return tuple(float(v) for v in a)


def rational_names(degrees: tuple[int, int] = DEFAULT_DEGREES) -> tuple[str, ...]:
    """The coefficient names of degrees (m, n): ``a0 .. am`` then ``b1 .. bn``.

    Args:
      degrees: ``(m, n)``, positive ints up to :data:`MAX_DEGREE`. Default (5, 4).

    Returns:
      A tuple of m + n + 1 names.

    Examples:
      >>> from jaxact.catalog.rational import rational_names
      >>> rational_names((2, 1))
      ('a0', 'a1', 'a2', 'b1')
    """
    m, n = _check_degrees(degrees)
    return (*(f"a{i}" for i in range(m + 1)), *(f"b{j}" for j in range(1, n + 1)))


# --------------------------------------------------------------------------------------
# The formulas, on arrays already broadcast to one shape
# --------------------------------------------------------------------------------------


def _horner(cs: Sequence[Array], t: Array) -> Array:
    """c₀ t^k + c₁ t^(k−1) + ... + c_k (highest power first)."""
    acc = cs[0] * jnp.ones_like(t)
    for c in cs[1:]:
        acc = acc * t + c
    return acc


def _poly(coef: dict[int, Any], t: Array) -> Array:
    """Σ_k coef[k]·t^k by Horner (coefficients by power)."""
    top = max(coef)
    return _horner([coef.get(k, 0.0) for k in range(top, -1, -1)], t)


def _add(d: dict[int, Any], k: int, v: Any) -> None:
    d[k] = d[k] + v if k in d else v


def _combined(parts: list[tuple[dict[int, Any], int, int]], kappa: float) -> dict[int, Any]:
    """Σ s^shift·poly (times κ where the flag is 1) over ``parts`` = [(poly, shift, flag)],
    as one coefficient dict: the leading terms of the pieces cancel in the coefficients,
    not in the values."""
    out: dict[int, Any] = {}
    for poly, shift, sign in parts:
        for k, v in poly.items():
            _add(out, k + shift, v if sign == 0 else kappa * v)
    return out


def _times_pow(r: Array, x: Array, s: Array, e: int) -> Array:
    """r·xᵉ for |x| > 1, one factor at a time (x for e > 0, s = 1/x for e < 0): each
    step moves |r| monotonically toward the result, so no intermediate overflows or
    underflows before the result does."""
    for _ in range(max(e, 0)):
        r = r * x
    for _ in range(max(-e, 0)):
        r = r / x  # not r·s: s = 1/x is subnormal, and read as 0, near the largest x
    return r


def _parts(x: Array, a: Sequence[Array], b: Sequence[Array], order: int) -> dict[str, Any]:
    """What f (order 0), f′ (1) or f″ (2) and ∂f/∂p (0) need, on both branches (|x| ≤ 1
    direct, else in s = 1/x); only those, which keeps the compiled programs small.

    The unselected branch is computed at x = 0.5 or s = 0.5, where every quantity is
    finite, so that autodiff of the hand formulas (mixed partials) stays finite.
    """
    m, n = len(a) - 1, len(b)
    big = jnp.abs(x) > 1
    xd = jnp.where(big, 0.5, x)
    s = jnp.where(big, 1.0 / jnp.where(big, x, 2.0), 0.5)
    tiny = float(jnp.finfo(x.dtype).tiny)
    bt = _horner(b, s)
    v = dict(m=m, n=n, big=big, x=xd, s=s, bt=bt, xs=jnp.where(big, x, 2.0))
    v["sg"] = jnp.where(x < 0, float((-1) ** n), 1.0)
    v["p"] = _horner(a[::-1], xd)  # P(x), direct
    # B(x) = x·(B(x)/x), and sgn B = sgn x · sgn(B/x): B itself underflows for tiny x
    bq = _horner(b[::-1], xd)
    v["b"] = xd * bq
    v["sb"] = jnp.sign(xd) * jnp.sign(bq)
    v["q"] = 1.0 + jnp.abs(v["b"])
    v["pt"] = _horner(a, s)  # P̃(s) = Σ aᵢ s^(m−i)
    v["den"] = jnp.maximum(jnp.abs(s) ** n + jnp.abs(bt), tiny)  # D = |s|ⁿ + |B̃(s)|
    if order >= 1:
        v["dp"] = _horner([i * a[i] for i in range(m, 0, -1)], xd)
        v["db"] = _horner([j * b[j - 1] for j in range(n, 0, -1)], xd)
        v["pt1"] = _horner([i * a[i] for i in range(m + 1)], s)
    if order >= 2:
        v["pt2"] = _horner([i * (i - 1) * a[i] for i in range(m + 1)], s)
        v["bt1"] = _horner([j * b[j - 1] for j in range(1, n + 1)], s)
        v["bt2"] = _horner([j * (j - 1) * b[j - 1] for j in range(1, n + 1)], s)
        v["d2p"] = _horner([i * (i - 1) * a[i] for i in range(m, 1, -1)], xd) if m > 1 else 0 * xd
        v["d2b"] = (
            _horner([j * (j - 1) * b[j - 1] for j in range(n, 1, -1)], xd) if n > 1 else 0 * xd
        )
    return v


def _forward(x: Array, *c: Array, m: int) -> Array:
    v = _parts(x, c[: m + 1], c[m + 1 :], 0)
    direct = v["p"] / v["q"]
    scaled = v["sg"] * _times_pow(v["pt"] / v["den"], v["xs"], v["s"], v["m"] - v["n"])
    return jnp.where(v["big"], scaled, direct)


def _derivative(x: Array, *c: Array, m: int) -> Array:
    a, b = c[: m + 1], c[m + 1 :]
    v = _parts(x, a, b, 1)
    f = v["p"] / v["q"]
    direct = (v["dp"] - f * v["sb"] * v["db"]) / v["q"]
    # Kink of |B| at x = 0: one-sided slopes a₁ ∓ a₀|b₁|; the minimum-norm subgradient
    # is the point of that interval closest to 0. (A subnormal x, read as 0 by XLA on
    # CPU, gets this value too.)
    half = jnp.abs(a[0] * b[0])
    at0 = jnp.clip(0.0, a[1] - half, a[1] + half)
    direct = jnp.where(x == 0, at0, direct)
    # (P̃₁ D − σ B̃₁ P̃) / D² with D = |s|ⁿ + σ B̃, σ = sgn(B̃): = (|s|ⁿ P̃₁ + σ W) / D²,
    # = σ (W + κ sⁿ P̃₁) / D² with κ = σ·sgn(s)ⁿ (σ ≠ 0): one polynomial for each κ
    n, sg_s, sbt = v["n"], v["s"], jnp.sign(v["bt"])
    pt1 = {m - i: i * a[i] for i in range(1, m + 1)}
    w = {}
    for i in range(m + 1):
        for j in range(1, n + 1):
            if i != j:
                _add(w, m + n - i - j, (i - j) * a[i] * b[j - 1])
    kappa = sbt * jnp.where(sg_s < 0, float((-1) ** n), 1.0)
    hp, hm = (_poly(_combined([(w, 0, 0), (pt1, n, 1)], k), sg_s) for k in (1.0, -1.0))
    num = jnp.where(sbt == 0, jnp.abs(sg_s) ** n * v["pt1"], sbt * jnp.where(kappa > 0, hp, hm))
    inner = num / v["den"] / v["den"]
    scaled = v["sg"] * _times_pow(inner, v["xs"], v["s"], v["m"] - v["n"] - 1)
    return jnp.where(v["big"], scaled, direct)


def _second(x: Array, *c: Array, m: int) -> Array:
    """f″ = (P″ − 2 sgn(B) B′ f′ − sgn(B) B″ f) / Q (differentiate Q f = P twice, with
    sgn(B) constant between the roots of B); in 1/x for |x| > 1 like f′."""
    v = _parts(x, c[: m + 1], c[m + 1 :], 2)
    f = v["p"] / v["q"]
    sb = v["sb"]
    d1 = (v["dp"] - f * sb * v["db"]) / v["q"]
    direct = (v["d2p"] - 2.0 * sb * v["db"] * d1 - sb * v["d2b"] * f) / v["q"]
    # Scaled: (P̃₂ − 2σB̃₁F₁ − σB̃₂P̃/D)/D with F₁ f′'s inner factor, σ = sgn(B̃), times
    # D³ and expanded in e = |s|ⁿ = sgn(s)ⁿ sⁿ, D = e + σB̃: s²ⁿP̃₂ + κ sⁿ U + σ²V with
    # κ = σ·sgn(s)ⁿ, U = 2P̃₂B̃ − 2B̃₁P̃₁ − B̃₂P̃ and V = P̃₂B̃² − 2B̃₁W − B̃₂P̃B̃; summed as
    # one polynomial per κ (V's leading terms cancel to (m−n)(m−n−1) a_m b_n²).
    a, b = c[: m + 1], c[m + 1 :]
    n, s_, sbt = len(b), v["s"], jnp.sign(v["bt"])
    pt2 = {m - i: i * (i - 1) * a[i] for i in range(2, m + 1)}
    u: dict[int, Any] = {}
    vv: dict[int, Any] = {}
    for i in range(m + 1):
        for j in range(1, n + 1):
            cu = 2 * i * (i - 1) - 2 * i * j - j * (j - 1)
            if cu:
                _add(u, m - i + n - j, cu * a[i] * b[j - 1])
            for k in range(1, n + 1):
                cf = i * (i - 1) - 2 * i * j + 2 * j * k - j * (j - 1)
                if cf:
                    _add(vv, m - i + 2 * n - j - k, cf * a[i] * b[j - 1] * b[k - 1])
    kappa = sbt * jnp.where(s_ < 0, float((-1) ** n), 1.0)
    parts = [(vv, 0, 0), (u, n, 1), (pt2 or {0: 0.0}, 2 * n, 0)]
    hp, hm = (_poly(_combined(parts, k), s_) for k in (1.0, -1.0))
    e = jnp.abs(s_) ** n
    num = jnp.where(sbt == 0, e * e * v["pt2"], jnp.where(kappa > 0, hp, hm))
    inner = num / v["den"] / v["den"] / v["den"]
    scaled = v["sg"] * _times_pow(inner, v["xs"], v["s"], v["m"] - v["n"] - 2)
    return jnp.where(v["big"], scaled, direct)


def _d_numerator(i: int, m: int) -> Callable[..., Array]:
    def d(x: Array, *c: Array) -> Array:
        v = _parts(x, c[: m + 1], c[m + 1 :], 0)
        direct = v["x"] ** i / v["q"]
        scaled = v["sg"] * _times_pow(1.0 / v["den"], v["xs"], v["s"], i - v["n"])
        return jnp.where(v["big"], scaled, direct)

    return d


def _d_denominator(j: int, m: int) -> Callable[..., Array]:
    def d(x: Array, *c: Array) -> Array:
        v = _parts(x, c[: m + 1], c[m + 1 :], 0)
        f = v["p"] / v["q"]
        direct = -f * v["sb"] * v["x"] ** j / v["q"]
        r = -jnp.sign(v["bt"]) * v["sg"] * (v["pt"] / v["den"]) / v["den"]
        scaled = _times_pow(r, v["xs"], v["s"], v["m"] - 2 * v["n"] + j)
        return jnp.where(v["big"], scaled, direct)

    return d


def _param_tangent(x: Array, c: Sequence[Array], dc: Sequence[Array], m: int) -> Array:
    """Σ ∂f/∂aᵢ·ȧᵢ + Σ ∂f/∂b_j·ḃ_j in one piece: (Ṗ(x) − f·sgn(B)·Ḃ(x)) / Q, where Ṗ
    and Ḃ are the polynomials with the tangent coefficients (in 1/x for |x| > 1:
    σⁿ x^(m−n) (P̃_ȧ − sgn(B̃) P̃ B̃_ḃ / D) / D)."""
    a, b, da, db = c[: m + 1], c[m + 1 :], dc[: m + 1], dc[m + 1 :]
    v = _parts(x, a, b, 0)
    f = v["p"] / v["q"]
    direct = (_horner(da[::-1], v["x"]) - f * v["sb"] * v["x"] * _horner(db[::-1], v["x"])) / v["q"]
    inner = (
        _horner(da, v["s"]) - jnp.sign(v["bt"]) * v["pt"] * _horner(db, v["s"]) / v["den"]
    ) / v["den"]
    scaled = v["sg"] * _times_pow(inner, v["xs"], v["s"], v["m"] - v["n"])
    return jnp.where(v["big"], scaled, direct)


def _oracle(x: Any, **c: Any) -> Any:
    """P(x) / (1 + |Σ b_j x^j|) in mpmath, from coefficients named a0.. and b1.. (any
    degrees): the definition, with none of the scaling of the code."""
    p = sum((v * x ** int(k[1:]) for k, v in c.items() if k[0] == "a"), 0 * x)
    b = sum((v * x ** int(k[1:]) for k, v in c.items() if k[0] == "b"), 0 * x)
    return p / (1 + abs(b))


def _reference(x: Array, *c: Array, m: int) -> Array:
    """The plain formula P(x) / (1 + |B(x)|), with no scaling and no custom rule."""
    a, b = c[: m + 1], c[m + 1 :]
    return _horner(a[::-1], x) / (1.0 + jnp.abs(_horner([*b[::-1], 0.0], x)))


# --------------------------------------------------------------------------------------
# Numpy twins for fitting and for the card
# --------------------------------------------------------------------------------------


def _np_eval(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, ...]:
    """f, f′ and the Jacobian in (a, b) by the direct formulas, in float64 (|x| ≲ 1e3)."""
    p = np.polyval(a[::-1], x)
    dp = np.polyval((np.arange(len(a)) * a)[:0:-1], x) if len(a) > 1 else 0 * x
    bb = np.concatenate([[0.0], b])
    bx = np.polyval(bb[::-1], x)
    dbx = np.polyval((np.arange(len(bb)) * bb)[:0:-1], x)
    q = 1.0 + np.abs(bx)
    f = p / q
    d1 = (dp - f * np.sign(bx) * dbx) / q
    ja = x[:, None] ** np.arange(len(a)) / q[:, None]
    jb = -(f * np.sign(bx) / q)[:, None] * x[:, None] ** np.arange(1, len(b) + 1)
    return f, d1, np.concatenate([ja, jb], axis=1)


def rational_fit(
    start: str,
    *,
    degrees: tuple[int, int] = DEFAULT_DEGREES,
    interval: tuple[float, float] = DEFAULT_INTERVAL,
) -> dict[str, float]:
    r"""Least-squares fit of the safe rational function to a catalog activation.

    Minimizes :math:`\sum_k (f(x_k) - g(x_k))^2` over 2001 equispaced points of
    ``interval``, where g is the activation ``start`` at its default parameters:
    first the linearized problem P(x) − g(x)·B(x) = g(x) (linear least squares, no
    absolute value), then Levenberg–Marquardt on the true residual
    (:func:`scipy.optimize.least_squares`). Least squares, not minimax: the mean error
    over the interval is what a network sees at its start. Deterministic.

    Args:
      start: a catalog elementwise activation (name or alias).
      degrees: ``(m, n)``. Default (5, 4).
      interval: ``(lo, hi)``, finite, lo < hi. Default (−3, 3).

    Returns:
      A dict from coefficient name (``a0 .. am, b1 .. bn``) to float.

    Examples:
      >>> from jaxact.catalog.rational import rational_fit
      >>> c = rational_fit("tanh", degrees=(3, 2))
      >>> sorted(c)
      ['a0', 'a1', 'a2', 'a3', 'b1', 'b2']
    """
    from scipy.optimize import least_squares

    name = _check_start(start)
    m, n = _check_degrees(degrees)
    lo, hi = _check_interval(interval)
    x = np.linspace(lo, hi, _FIT_POINTS)
    with jax.enable_x64(True):
        g = np.asarray(_acts.get(name).fn(jnp.asarray(x)), np.float64)
    powers = x[:, None] ** np.arange(max(m, n) + 1)
    lin = np.concatenate([powers[:, : m + 1], -g[:, None] * powers[:, 1 : n + 1]], axis=1)
    c0 = np.linalg.lstsq(lin, g, rcond=None)[0]

    def res(c: np.ndarray) -> np.ndarray:
        return _np_eval(x, c[: m + 1], c[m + 1 :])[0] - g

    def jac(c: np.ndarray) -> np.ndarray:
        return _np_eval(x, c[: m + 1], c[m + 1 :])[2]

    sol = least_squares(res, c0, jac=jac, method="lm", xtol=1e-15, ftol=1e-15, gtol=1e-15)
    c = sol.x if np.sum(res(sol.x) ** 2) <= np.sum(res(c0) ** 2) else c0
    return dict(zip(rational_names((m, n)), (float(v) for v in c), strict=True))


def _check_interval(interval: Any) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in interval)
    except (TypeError, ValueError):
        raise TypeError(
            f"`interval`: expected a pair (lo, hi) of numbers, got {interval!r}"
        ) from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"`interval`: expected finite lo < hi, got ({lo}, {hi})")
    return lo, hi


def _fit_key(name: str, degrees: tuple[int, int], interval: tuple[float, float]) -> str:
    return f"{name}/{degrees[0]},{degrees[1]}/{interval[0]:g},{interval[1]:g}"


@functools.cache
def _shipped() -> Mapping[str, Any]:
    try:
        return json.loads(FITS.read_text())["fits"]
    except FileNotFoundError:
        return {}


def rational_init(
    start: str = DEFAULT_START,
    *,
    degrees: tuple[int, int] = DEFAULT_DEGREES,
    interval: tuple[float, float] = DEFAULT_INTERVAL,
) -> dict[str, float]:
    """Starting coefficients that make the rational function approximate ``start``.

    The shipped fit (``jaxact/data/rational_fits.json``: every elementwise catalog
    activation at degrees (5, 4), (4, 3) and (3, 2) on [−3, 3]) when there is one,
    else :func:`rational_fit` computed now (the same numbers: the file is its output).

    Args:
      start: a catalog elementwise activation (name or alias). Default ``"silu"``.
      degrees: ``(m, n)``. Default (5, 4).
      interval: the fitted interval. Default (−3, 3).

    Returns:
      A dict from coefficient name (``a0 .. am, b1 .. bn``) to float.

    Raises:
      ValueError, TypeError: an unknown ``start``, bad ``degrees`` or ``interval``.

    Examples:
      >>> import jaxact as ja
      >>> c = ja.rational_init("gelu", degrees=(5, 4))
      >>> len(c), round(c["a1"], 3)
      (10, 0.5)
    """
    name = _check_start(start)
    deg = _check_degrees(degrees)
    iv = _check_interval(interval)
    got = _shipped().get(_fit_key(name, deg, iv))
    if got is not None:
        return dict(zip(rational_names(deg), got["coefficients"], strict=True))
    return rational_fit(name, degrees=deg, interval=iv)


# --------------------------------------------------------------------------------------
# The card, measured from the coefficients
# --------------------------------------------------------------------------------------


def _measure_card(a: np.ndarray, b: np.ndarray, budgets: tuple[UlpBudget, ...]) -> Card:
    """Range, monotonicity, slope and kinks of f for these coefficients, on a grid
    (|x| ≤ 1e4) and from the asymptote ~ (a_m/|b_n|) x^(m−n)."""
    m, n = len(a) - 1, len(b)
    x = np.concatenate([np.linspace(-50, 50, 100_001), np.geomspace(50, 1e4, 2000)])
    x = np.concatenate([-x, x])
    with np.errstate(all="ignore"):
        f, d1, _ = _np_eval(x, a, b)
    lead = a[-1] / abs(b[-1]) if b[-1] != 0 else math.inf * np.sign(a[-1])
    ends = []
    for side in (1.0, -1.0):
        if m > n and lead != 0:
            ends.append(math.copysign(math.inf, lead * side ** (m - n) * side**n))
        elif m == n:
            ends.append(float(lead * side**n))
        else:
            ends.append(0.0)
    lo, hi = min(float(f.min()), *ends), max(float(f.max()), *ends)
    slope = float(np.max(np.abs(d1)))
    if m - n > 1 and lead != 0:
        slope = math.inf
    elif m - n == 1:
        slope = max(slope, abs(lead))
    half = abs(a[0] * b[0])
    left, right = a[1] + half, a[1] - half
    kinks = []
    if half > 0:
        at0 = float(np.clip(0.0, min(left, right), max(left, right)))
        kinks.append(Kink(x=0.0, d1=at0, d2=None, left=float(left), right=float(right)))
    # Other real roots of B (a root within 1e-6 of 0, from b₁ ≈ 0, makes a jump of
    # about 2|a₀ b₁| and is left out). Between floats: f′ there is one of the sides.
    r = np.roots(b[::-1]) if np.any(b[1:] != 0) else np.zeros(0)
    r = np.sort(r[(np.abs(r.imag) <= 1e-9 * np.maximum(1, np.abs(r))) & (np.abs(r) > 1e-6)].real)
    for x0 in r:
        pr = np.polyval(a[::-1], x0)
        dpr = np.polyval((np.arange(len(a)) * a)[:0:-1], x0)
        dbr = abs(np.polyval((np.arange(1, n + 1) * b)[::-1], x0))
        left, right = dpr + pr * dbr, dpr - pr * dbr
        at = float(np.clip(0.0, min(left, right), max(left, right)))
        kinks.append(Kink(x=float(x0), d1=at, d2=None, left=float(left), right=float(right)))
    return Card(
        range=(lo, hi),
        monotonic=bool(np.all(d1 >= 0) and m >= n and lead > 0 and (m - n) % 2 == 1),
        zero_centred=bool(a[0] == 0 and lo < 0 < hi),
        smoothness="C0" if kinks else "C1",
        saturating="none" if m > n else "both",
        max_slope=slope,
        kinks=tuple(kinks),
        ulp_budgets=budgets,
    )


# --------------------------------------------------------------------------------------
# The family: records, names, the public function
# --------------------------------------------------------------------------------------

_NOTES = (
    "A family beside the catalog: one record per (start, degrees, per-unit or per-layer). "
    "Safe PAU (version 'B' of rational-activations): Q = 1 + |Σ b_j x^j| ≥ 1. The card "
    "is measured from the coefficients: monotonicity and boundedness are not guaranteed, "
    "f grows like x^(m−n)."
)


def _member_name(start: str, degrees: tuple[int, int], per_unit: bool) -> str:
    parts = ["rational"]
    if start != DEFAULT_START or degrees != DEFAULT_DEGREES:
        parts.append(start)
    if degrees != DEFAULT_DEGREES:
        parts.append(f"{degrees[0]},{degrees[1]}")
    if per_unit:
        parts.append("unit")
    return ":".join(parts)


def _build(
    name: str, degrees: tuple[int, int], coeffs: tuple[float, ...], per_unit: bool
) -> Activation:
    m, n = degrees
    pnames = rational_names(degrees)
    c = np.asarray(coeffs)
    budgets = _DEFAULT_BUDGETS if name == "rational" else ()
    return make_elementwise(
        name,
        forward=functools.partial(_forward, m=m),
        derivative=functools.partial(_derivative, m=m),
        second_derivative=functools.partial(_second, m=m),
        reference=functools.partial(_reference, m=m),
        params=dict(zip(pnames, coeffs, strict=True)),
        param_derivatives={
            **{f"a{i}": _d_numerator(i, m) for i in range(m + 1)},
            **{f"b{j}": _d_denominator(j, m) for j in range(1, n + 1)},
        },
        learnable=pnames,
        learnable_per_unit=per_unit,
        param_tangent=functools.partial(_param_tangent, m=m),
        card=_measure_card(c[: m + 1], c[m + 1 :], budgets),
        doc=_DOC,
        notes=_NOTES,
        oracle=_oracle,
    )


@functools.cache
def _member(
    start: str, degrees: tuple[int, int], per_unit: bool, coeffs: tuple[float, ...] | None
) -> Activation:
    if coeffs is None:
        coeffs = tuple(rational_init(start, degrees=degrees).values())
        name = _member_name(start, degrees, per_unit)
    else:
        tag = hashlib.sha1(np.asarray(coeffs).tobytes()).hexdigest()[:8]
        name = f"rational:custom-{tag}:{degrees[0]},{degrees[1]}" + (":unit" if per_unit else "")
    return _build(name, degrees, coeffs, per_unit)


def rational_activation(
    start: str = DEFAULT_START,
    *,
    degrees: tuple[int, int] = DEFAULT_DEGREES,
    per_unit: bool = False,
    coefficients: Mapping[str, float] | Sequence[float] | None = None,
) -> Activation:
    """The record of a rational activation: started from ``start``, or from given
    coefficients.

    The record works wherever a catalog record does (``mlp_apply``, ``init_mlp``,
    ``fit``, ``sweep``, the checker); its coefficients are learnable parameters that
    start at the fit :func:`rational_init` (or at ``coefficients``).

    Args:
      start: a catalog elementwise activation to start from. Default ``"silu"``.
      degrees: ``(m, n)``, ints in 1 .. :data:`MAX_DEGREE`. Default (5, 4).
      per_unit: ``True``: one set of coefficients per unit of a layer; default
        ``False``: one per layer, as in the PAU paper.
      coefficients: the starting coefficients instead of the fit: a dict by name
        (``a0 .. am, b1 .. bn``) or m + n + 1 numbers in that order. Default ``None``.

    Returns:
      An :class:`~jaxact.Activation` named ``"rational[:START][:M,N][:unit]"``
      (``"rational:custom-<hash>:M,N"`` for given coefficients).

    Raises:
      ValueError, TypeError: bad ``degrees``, an unknown ``start``, coefficients of the
        wrong length or not finite, a ``per_unit`` that is not a bool.

    Examples:
      >>> import jaxact as ja
      >>> rec = ja.rational_activation("tanh", degrees=(3, 2))
      >>> rec.name, rec.learnable
      ('rational:tanh:3,2', ('a0', 'a1', 'a2', 'a3', 'b1', 'b2'))
    """
    deg = _check_degrees(degrees)
    if not isinstance(per_unit, bool):
        raise TypeError(f"`per_unit`: expected a bool, got {type(per_unit).__name__}")
    if coefficients is None:
        return _member(_check_start(start), deg, per_unit, None)
    names_ = rational_names(deg)
    if isinstance(coefficients, Mapping):
        if set(coefficients) != set(names_):
            raise ValueError(
                f"`coefficients`: expected the names {list(names_)} for degrees {deg}, got "
                f"{sorted(coefficients)}"
            )
        coefficients = [coefficients[k] for k in names_]
    what = f"a0..a{deg[0]} then b1..b{deg[1]}"
    return _member(
        "custom",
        deg,
        per_unit,
        _check_coefficients("coefficients", coefficients, len(names_), what),
    )


def _resolve(name: str) -> Activation:
    """``rational[:START][:M,N][:unit]`` as a record (the resolver of :func:`~jaxact.get`)."""
    start, degrees, per_unit = DEFAULT_START, DEFAULT_DEGREES, False
    for tok in name.split(":")[1:]:
        if tok == "unit":
            per_unit = True
        elif "," in tok:
            try:
                degrees = tuple(int(v) for v in tok.split(","))  # type: ignore[assignment]
            except ValueError:
                raise ValueError(
                    f"`activation`: {name!r}: expected degrees as 'M,N' (like '5,4'), got {tok!r}"
                ) from None
        else:
            start = tok
    try:
        return rational_activation(start, degrees=degrees, per_unit=per_unit)
    except (TypeError, ValueError) as e:
        raise ValueError(f"`activation`: {name!r}: {e}") from None


def rational_coefficients(act_params: Mapping[str, ArrayLike]) -> tuple[Array, Array]:
    """The numerator and denominator coefficients from a layer's ``params[l]["act"]``.

    Args:
      act_params: ``{"a0": (u,), ..., "b1": (u,), ...}`` with u = 1 (per layer) or the
        layer's width (per unit).

    Returns:
      ``(numerator, denominator)``: arrays of shape ``(u, m + 1)`` (a0 first) and
      ``(u, n)`` (b1 first).

    Examples:
      >>> import jax, jaxact as ja
      >>> params = ja.init_mlp(jax.random.key(0), (2, 4, 1), activation="rational")
      >>> [c.shape for c in ja.rational_coefficients(params[0]["act"])]
      [(1, 6), (1, 4)]
    """
    a = sorted((k for k in act_params if k[0] == "a"), key=lambda k: int(k[1:]))
    b = sorted((k for k in act_params if k[0] == "b"), key=lambda k: int(k[1:]))
    if not a or not b or len(a) + len(b) != len(act_params):
        raise ValueError(
            f"`act_params`: expected the coefficients a0.. and b1.. of a rational activation, "
            f"got {sorted(act_params)}"
        )
    stack = lambda ks: jnp.stack([jnp.asarray(act_params[k]) for k in ks], axis=-1)  # noqa: E731
    return stack(a), stack(b)


def is_rational(rec: Any) -> bool:
    """Whether ``rec`` is a record of the rational family."""
    return isinstance(rec, Activation) and rec.name.split(":")[0] == "rational"


def start_of(rec: Any) -> str | None:
    """The catalog activation a rational record was started from (``None`` for given
    coefficients or a record of another kind)."""
    if not is_rational(rec):
        return None
    toks = [t for t in rec.name.split(":")[1:] if t != "unit" and "," not in t]
    start = toks[0] if toks else DEFAULT_START
    return None if start.startswith("custom") else start


def rational_denominator(x: ArrayLike, **coefficients: ArrayLike) -> Array:
    """Q(x) = 1 + |Σ_{j≥1} b_j x^j| from the coefficients ``b1 .. bn`` (the ``a``'s,
    if given, are ignored): how far the denominator is from its floor of 1.

    Args:
      x: any shape.
      coefficients: ``b1=..., b2=...`` (and optionally ``a0=...``), numbers or arrays
        that broadcast against ``x``.

    Returns:
      An array of the broadcast shape, ≥ 1 (+inf where B overflows).

    Examples:
      >>> import jax.numpy as jnp, jaxact as ja
      >>> ja.rational_denominator(jnp.array([0.0, 2.0], jnp.float32), b1=1.0, b2=-1.0)
      Array([1., 3.], dtype=float32)
    """
    x = jnp.asarray(x)
    x = x if jnp.issubdtype(x.dtype, jnp.floating) else x.astype(float)
    bs = sorted((k for k in coefficients if k[0] == "b"), key=lambda k: int(k[1:]))
    if not bs:
        raise ValueError(f"`coefficients`: expected b1, b2, ..., got {sorted(coefficients)}")
    cs = [jnp.asarray(coefficients[k], x.dtype) for k in bs]
    return 1.0 + jnp.abs(_horner([*cs[::-1], 0.0], x))


_COND = (
    "P(x) is a sum of terms that cancel where f is small (f(−6) ≈ −0.02 from terms of "
    "size ~1): the error is relative to the terms, so within |x| ≤ 64 it is counted in "
    "units of at least one ulp of 1 (eps)"
)
_DEFAULT_BUDGETS: tuple[UlpBudget, ...] = (
    *(
        UlpBudget(q, dt, u, _COND, within=(-64.0, 64.0), floor=float(np.finfo(dt).eps))
        for dt in ("float64", "float32")
        for q, u in (("f", 6.0), ("f'", 4.0))
    ),
    *(
        UlpBudget(
            f"d/da{i}",
            dt,
            6.0,
            "xⁱ/Q: the rounding of the power (up to i − 1 products), of Q (Horner in "
            "x or 1/x) and of the quotient add up to 5.1 ulps (measured)",
        )
        for dt in ("float64", "float32")
        for i in range(6)
    ),
    *(
        UlpBudget(
            f"d/db{j}",
            dt,
            128.0,
            "−f·sgn(B)·x^j/Q carries the relative error of f where f is small (x ≈ −6: "
            "up to 104 ulps measured); " + _COND,
            within=(-64.0, 64.0),
            floor=float(np.finfo(dt).eps),
        )
        for dt in ("float64", "float32")
        for j in range(1, 5)
    ),
    *(
        UlpBudget(
            f"d/db{j}", dt, 6.0, "beyond |x| = 64: f, x^j/Q and their product, 4.1 ulps measured"
        )
        for dt in ("float64", "float32")
        for j in range(1, 5)
    ),
)

_DOC = r"""Rational activation (safe Padé activation unit) f = P(x) / (1 + |Σ b_j x^j|).

.. math::
  f(x) = \frac{\sum_{i=0}^{m} a_i x^i}{1 + \left|\sum_{j=1}^{n} b_j x^j\right|}, \qquad
  f'(x) = \frac{P'(x) - f(x)\,\operatorname{sgn}(B(x))\,B'(x)}{Q(x)}

Degrees (5, 4); the default coefficients are the least-squares fit to silu on
[−3, 3] (:func:`~jaxact.rational_init`). At the kink of |B| at 0, f′(0) is the
minimum-norm subgradient of the one-sided slopes a₁ ∓ a₀|b₁|. Evaluated in 1/x
for |x| > 1: no overflow for any finite x, f′ finite wherever f is. Not monotone,
not bounded in general; see :mod:`jaxact.catalog.rational`.

Args:
  x: input array of any shape.
  a0, ..., a5: numerator coefficients; numbers or arrays that broadcast against
    ``x``. Default: the silu fit.
  b1, ..., b4: denominator coefficients, likewise.

Returns:
  An array of the broadcast shape, dtype of ``x``.

Examples:
  >>> import jax, jax.numpy as jnp, jaxact as ja
  >>> ja.rational(jnp.array([-3.0, 1.0, 3.0], dtype=jnp.float32))
  Array([-0.14227882,  0.7310583 ,  2.8577209 ], dtype=float32)
  >>> bool(jnp.isfinite(ja.rational(jnp.float32(3e38))))
  True

References:
  Molina, Schramowski & Kersting, "Padé activation units", ICLR 2020.
"""

_DEFAULT = rational_activation()
rational = _DEFAULT.fn
rational.__module__ = __name__  # the family's default member lives here, not in activations
register_family("rational", _resolve)


def _rebuild(path: Path = FITS) -> None:
    """Recompute the shipped fits (every elementwise catalog activation; (5,4), (4,3),
    (3,2) on [−3, 3]) and write them to ``path``."""
    fits = {}
    x = np.linspace(*DEFAULT_INTERVAL, _FIT_POINTS)
    for name in _acts.names():
        if _acts.get(name).kind != "elementwise":
            continue
        with jax.enable_x64(True):
            g = np.asarray(_acts.get(name).fn(jnp.asarray(x)), np.float64)
        for deg in ((5, 4), (4, 3), (3, 2)):
            c = rational_fit(name, degrees=deg)
            v = np.asarray(list(c.values()))
            err = float(np.max(np.abs(_np_eval(x, v[: deg[0] + 1], v[deg[0] + 1 :])[0] - g)))
            fits[_fit_key(name, deg, DEFAULT_INTERVAL)] = {
                "coefficients": list(c.values()),
                "max_error": err,
            }
            print(f"{name} {deg}: max error {err:.2e} on [-3, 3]")
    doc = {
        "about": "least-squares fits of the safe rational activation to the catalog; "
        "rebuilt by `python -m jaxact.catalog.rational`",
        "fits": fits,
    }
    path.write_text(json.dumps(doc, indent=1) + "\n")


if __name__ == "__main__":
    _rebuild()
