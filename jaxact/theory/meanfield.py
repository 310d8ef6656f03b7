r"""Mean-field signal propagation: q*, χ₁, the c-map, ξ_q, ξ_c, the edge of chaos.

A wide layer with weights of variance :math:`\sigma_w^2 / n` and biases of variance
:math:`\sigma_b^2` maps the pre-activation variance and the correlation of two inputs by

.. math::
  \mathcal V(q) = \sigma_w^2 E[f(\sqrt q z)^2] + \sigma_b^2, \qquad
  \mathcal C(c) = \frac{\sigma_w^2 E[f(u_1) f(u_2)] + \sigma_b^2}{q^*},

with :math:`u_{1,2}` of variance :math:`q^*` and correlation :math:`c`. The variance
settles at a fixed point :math:`q^* = \mathcal V(q^*)`; the slope

.. math::
  \chi_1 = \sigma_w^2 E[f'(\sqrt{q^*} z)^2] = \mathcal C'(1)

separates order (:math:`\chi_1 < 1`: c → c* = 1, gradients vanish) from chaos
(:math:`\chi_1 > 1`: c → c* < 1, gradients explode). Perturbations of q and c decay
like :math:`e^{-l/\xi}` with

.. math::
  \xi_q = -1 / \ln \mathcal V'(q^*), \qquad
  \xi_c = -1 / \ln \chi_{c^*}, \quad \chi_{c^*} = \sigma_w^2 E[f'(u_1) f'(u_2)]
  \big|_{c = c^*},

and ξ_c diverges on the edge of chaos :math:`\chi_1 = 1`, where networks stay trainable
to the greatest depth (depth ≲ 6 ξ_c in Schoenholz et al.).

**Which fixed point.** :func:`q_star` iterates the variance map from ``q0`` (default 1,
the pre-activation variance of standardized inputs under σ_w² = 1): the fixed point a
network actually reaches. Where the map has several attracting fixed points (swish and
other non-odd smooth ones at small σ_b², where q* = 0 and a large q* both attract),
:func:`fixed_points` lists every fixed point with its slope; the result of
:func:`q_star` is the one whose basin holds ``q0``.

**No finite fixed point.** Where the variance grows without bound (relu at σ_w² > 2, or
at σ_w² = 2 with σ_b² > 0; every unbounded activation for a σ_w² large enough), q* is
``inf``; χ₁ is then its limit σ_w²·(f′(−∞)² + f′(+∞)²)/2, and ξ_q, c*, ξ_c, which are
not defined, are ``nan`` with ``bounded`` ``False`` saying why.

References:
  Poole et al., "Exponential expressivity in deep neural networks through transient
  chaos", NeurIPS 2016.
  Schoenholz et al., "Deep information propagation", ICLR 2017.
  Hayou et al., "On the impact of the activation function on deep neural networks
  training", ICML 2019 (no edge of chaos for ReLU-like functions at σ_b² > 0).
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import math
from collections.abc import Mapping
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxact.catalog import activations as _acts
from jaxact.nn import init as _init
from jaxact.theory import gaussian as _g

Array = jax.Array

__all__ = [
    "EdgeOfChaos",
    "FixedPoint",
    "MeanField",
    "PhaseDiagram",
    "critical_sigma_w2",
    "edge_of_chaos",
    "edge_of_chaos_card",
    "edge_of_chaos_table",
    "fixed_points",
    "mean_field",
    "phase_diagram",
    "q_star",
]

#: Beyond this variance the map is taken to grow without bound (q* = inf).
Q_CAP = 1e8
_Q_EDGE = 1e6  # q* beyond this just below the crossing: the variance runs away there
_FIXED_STEPS = 40  # plain iterations of the variance map
_NEWTON_STEPS = 30  # guarded Newton steps after them
_C_STEPS = 10  # guarded Newton steps on the c-map
_BISECT = 60  # bisection steps on log σ_w² for the critical point


def _second(nl: _g.Nonlinearity, q: Array) -> Array:
    return _g.moments_one(nl, q).second


def _vmap_q(nl: _g.Nonlinearity, sw: Array, sb: Array, q: Array) -> Array:
    return sw * _second(nl, q) + sb


def _q_star_one(nl: _g.Nonlinearity, sw: Array, sb: Array, q0: Array) -> Array:
    """q* from q0: fixed-point steps, then guarded Newton; ``inf`` if it runs away."""

    def fixed(_: int, q: Array) -> Array:
        return jnp.minimum(_vmap_q(nl, sw, sb, q), 10 * Q_CAP)

    q = jax.lax.fori_loop(0, _FIXED_STEPS, fixed, q0)

    def newton(_: int, q: Array) -> Array:
        v, d = jax.jvp(lambda t: _vmap_q(nl, sw, sb, t), (q,), (jnp.ones_like(q),))
        qn = q - (v - q) / (d - 1)
        ok = (d < 1) & jnp.isfinite(qn) & (qn >= 0) & (q < Q_CAP)
        return jnp.where(ok, qn, jnp.minimum(jnp.where(jnp.isfinite(v), v, 10 * Q_CAP), 10 * Q_CAP))

    q = jax.lax.fori_loop(0, _NEWTON_STEPS, newton, q)
    v = _vmap_q(nl, sw, sb, q)
    converged = jnp.abs(v - q) <= 1e-9 * jnp.maximum(q, 1.0)
    runaway = (q >= Q_CAP) | (~converged & (v > q))
    return jnp.where(runaway, jnp.inf, q)


def _slope2_at(nl: _g.Nonlinearity, q: Array) -> Array:
    """E[f′(√q z)²], and its limit (f′(−∞)² + f′(+∞)²)/2 at q = inf."""
    far = jnp.asarray([-1e15, 1e15], q.dtype)
    limit = jnp.mean(nl.df(far) ** 2)
    finite = jnp.isfinite(q)
    s = _g.moments_one(nl, jnp.where(finite, q, 1.0)).slope2
    return jnp.where(finite, s, limit)


def _slope_of_map(nl: _g.Nonlinearity, sw: Array, sb: Array, q: Array, chi1: Array) -> Array:
    """𝒱′(q); at q = 0 (a fixed point only where f(0) = 0) its limit, χ₁ there."""
    _, dv = jax.jvp(lambda t: _vmap_q(nl, sw, sb, t), (q,), (jnp.ones_like(q),))
    return jnp.where(q > 0, dv, chi1)


def _c_map(nl: _g.Nonlinearity, sw: Array, sb: Array, q: Array, c: Array) -> tuple[Array, Array]:
    k = _g.kernels_one(nl, q, c)
    return (sw * k.ff + sb) / q, sw * k.dfdf


def _c_star_one(nl: _g.Nonlinearity, sw: Array, sb: Array, q: Array, chi1: Array) -> Array:
    """The attracting fixed point of the c-map: 1 in order, below 1 in chaos."""

    def newton(_: int, c: Array) -> Array:
        cm, chi = _c_map(nl, sw, sb, q, c)
        cn = c - (cm - c) / (chi - 1)
        ok = (chi < 1) & jnp.isfinite(cn) & (jnp.abs(cn) < 1)
        return jnp.clip(jnp.where(ok, cn, cm), -1.0, 1.0)

    c = jax.lax.fori_loop(0, _C_STEPS, newton, jnp.zeros_like(q))
    return jnp.where(chi1 <= 1, 1.0, c)


class MeanField(NamedTuple):
    """The mean-field quantities, each with the broadcast shape of σ_w² and σ_b².

    Attributes:
      q_star: the fixed point of the variance map (``inf``: none, it grows unbounded).
      chi1: χ₁ = σ_w² E[f′(√q* z)²].
      xi_q: the depth scale of the variance, −1/ln 𝒱′(q*) (``nan`` where q* = inf).
      c_star: the attracting fixed point of the c-map (``nan`` where q* = inf, or
        where ``correlations`` is off).
      xi_c: the depth scale of correlations, −1/ln χ_{c*} (``inf`` on the edge of
        chaos; ``nan`` as c*).
      bounded: ``True`` where q* is finite.
    """

    q_star: Array
    chi1: Array
    xi_q: Array
    c_star: Array
    xi_c: Array
    bounded: Array


def _mean_field_one(
    nl: _g.Nonlinearity, sw: Array, sb: Array, q0: Array, correlations: bool
) -> MeanField:
    q = _q_star_one(nl, sw, sb, q0)
    bounded = jnp.isfinite(q)
    qs = jnp.where(bounded, q, 1.0)
    chi1 = sw * _slope2_at(nl, q)
    dv = _slope_of_map(nl, sw, sb, qs, chi1)
    xi_q = jnp.where(bounded, 1 / jnp.abs(jnp.log(dv)), jnp.nan)
    if correlations:
        c = _c_star_one(nl, sw, sb, jnp.maximum(qs, jnp.finfo(qs.dtype).tiny), chi1)
        chi_c = jnp.where(c >= 1, chi1, _c_map(nl, sw, sb, qs, c)[1])
        c = jnp.where(bounded, c, jnp.nan)
        xi_c = jnp.where(bounded, 1 / jnp.abs(jnp.log(chi_c)), jnp.nan)
    else:
        c = jnp.full_like(q, jnp.nan)
        xi_c = jnp.where(bounded & (chi1 <= 1), 1 / jnp.abs(jnp.log(chi1)), jnp.nan)
    return MeanField(q, chi1, xi_q, c, xi_c, bounded)


@functools.partial(jax.jit, static_argnums=(0, 4))
def _mean_field(
    nl: _g.Nonlinearity, sw: Array, sb: Array, q0: Array, correlations: bool
) -> MeanField:
    sw, sb, q0 = jnp.broadcast_arrays(sw, sb, q0)
    out = jax.vmap(lambda a, b, c: _mean_field_one(nl, a, b, c, correlations))(
        sw.reshape(-1), sb.reshape(-1), q0.reshape(-1)
    )
    return MeanField(*(a.reshape(sw.shape) for a in out))


def _checked(activation: Any, params: Any, sigma_w2: Any, sigma_b2: Any, q0: Any) -> tuple:
    nl = _g.nonlinearity(activation, params=params)
    _g.check_variance("sigma_w2", sigma_w2, positive=True)
    _g.check_variance("sigma_b2", sigma_b2)
    _g.check_variance("q0", q0)
    return nl, _g.as_float(sigma_w2), _g.as_float(sigma_b2), _g.as_float(q0)


def mean_field(
    activation: Any,
    sigma_w2: Any,
    sigma_b2: Any = 0.0,
    *,
    q0: Any = 1.0,
    correlations: bool = True,
    params: Mapping[str, float] | None = None,
) -> MeanField:
    r"""Every mean-field quantity of an activation at (σ_w², σ_b²): q*, χ₁, ξ_q, c*, ξ_c.

    .. math::
      q^* = \sigma_w^2 E[f(\sqrt{q^*} z)^2] + \sigma_b^2, \quad
      \chi_1 = \sigma_w^2 E[f'(\sqrt{q^*} z)^2], \quad
      \xi_c = -1 / \ln \chi_{c^*}

    Args:
      activation: a catalog name, an :class:`~jaxact.Activation`, a ``(f, f′)`` pair or
        a :class:`~jaxact.Nonlinearity`.
      sigma_w2: weight variance σ_w² > 0 (times fan-in), any shape; broadcast with
        ``sigma_b2`` and ``q0``. jit- and vmap-able.
      sigma_b2: bias variance σ_b² ≥ 0. Default 0.
      q0: the input's pre-activation variance, where the iteration of the variance map
        starts (it picks the branch where several fixed points attract). Default 1.
      correlations: also compute c* and ξ_c in the chaotic phase (two-dimensional
        integrals, the costly part); without it, c* is ``nan`` and ξ_c is given in the
        ordered phase only (c* = 1 there, ξ_c = −1/ln χ₁). Default ``True``.
      params: the activation's parameters. Default ``None``: its defaults.

    Returns:
      A :class:`MeanField` of arrays with the broadcast shape.

    Raises:
      ValueError: σ_w² ≤ 0, σ_b² < 0 or non-finite values; a vector activation.

    Examples:
      >>> import jax, jaxact as ja
      >>> with jax.enable_x64(True):
      ...     m = ja.mean_field("tanh", 2.5, 0.05)
      >>> print(f"q*={float(m.q_star):.4f} chi1={float(m.chi1):.4f} "
      ...       f"c*={float(m.c_star):.4f} xi_c={float(m.xi_c):.2f}")
      q*=1.0640 chi1=1.1335 c*=0.4468 xi_c=11.80

    References:
      Poole et al., NeurIPS 2016; Schoenholz et al., ICLR 2017.
    """
    nl, sw, sb, q0a = _checked(activation, params, sigma_w2, sigma_b2, q0)
    return _mean_field(nl, sw, sb, q0a, bool(correlations))


def q_star(
    activation: Any,
    sigma_w2: Any,
    sigma_b2: Any = 0.0,
    *,
    q0: Any = 1.0,
    params: Mapping[str, float] | None = None,
) -> Array:
    """The fixed point q* of the variance map reached from ``q0`` (``inf``: none).

    Args:
      activation, sigma_w2, sigma_b2, q0, params: as in :func:`mean_field`.

    Returns:
      q*, with the broadcast shape of the arguments.

    Examples:
      >>> import jax, jaxact as ja
      >>> with jax.enable_x64(True):
      ...     print(ja.q_star("relu", [1.0, 3.0], 0.5).tolist())
      [1.0, inf]
    """
    m = mean_field(activation, sigma_w2, sigma_b2, q0=q0, correlations=False, params=params)
    return m.q_star


class FixedPoint(NamedTuple):
    """One fixed point q of the variance map, its slope 𝒱′(q) and whether it attracts."""

    q: float
    slope: float
    attracting: bool


def fixed_points(
    activation: Any,
    sigma_w2: float,
    sigma_b2: float = 0.0,
    *,
    params: Mapping[str, float] | None = None,
) -> list[FixedPoint]:
    r"""Every finite fixed point of the variance map, attracting or not.

    Found as the sign changes of 𝒱(q) − q on a logarithmic grid of q in [1e-8, 1e8]
    (and q = 0, a fixed point when σ_b² = 0 and f(0) = 0), refined by bisection to
    float64 precision. A fixed point attracts when 𝒱′(q) < 1.

    Args:
      activation: as in :func:`mean_field`.
      sigma_w2: σ_w² > 0, a number.
      sigma_b2: σ_b² ≥ 0, a number. Default 0.
      params: the activation's parameters.

    Returns:
      A list of :class:`FixedPoint`, by increasing q.

    Examples:
      >>> import jax, jaxact as ja
      >>> with jax.enable_x64(True):
      ...     pts = ja.fixed_points("silu", 2.0, 0.05)
      >>> [(round(p.q, 4), p.attracting) for p in pts]
      [(0.108, True), (2742.2831, False)]

      Above the repelling one the variance grows without bound: iterated from q0 > 2742,
      silu's q* is ``inf`` at these variances, from q0 = 1 it is 0.108.
    """
    nl = _g.nonlinearity(activation, params=params)
    _g.check_variance("sigma_w2", sigma_w2, positive=True)
    _g.check_variance("sigma_b2", sigma_b2)
    with jax.enable_x64(True):
        return _fixed_points(nl, float(sigma_w2), float(sigma_b2))


def _fixed_points(nl: _g.Nonlinearity, sw: float, sb: float) -> list[FixedPoint]:
    grid = jnp.concatenate([jnp.zeros(1), jnp.logspace(-8, 8, 801)])
    vq = jax.jit(jax.vmap(lambda q: _vmap_q(nl, jnp.float64(sw), jnp.float64(sb), q)))
    dvq = jax.jit(jax.vmap(jax.grad(lambda q: _vmap_q(nl, jnp.float64(sw), jnp.float64(sb), q))))
    resid = np.asarray(vq(grid)) - np.asarray(grid)
    lo, hi = [], []
    for i in range(len(grid) - 1):
        if resid[i] == 0 or ((resid[i] > 0) != (resid[i + 1] > 0) and resid[i + 1] != 0):
            lo.append(grid[i])
            hi.append(grid[i + 1] if resid[i] != 0 else grid[i])
    if not lo:
        return []
    a, b = jnp.asarray(lo), jnp.asarray(hi)
    sa = jnp.sign(vq(a) - a)
    for _ in range(80):
        m = (a + b) / 2
        sm = jnp.sign(vq(m) - m)
        a, b = jnp.where(sm == sa, m, a), jnp.where(sm == sa, b, m)
    roots = np.asarray((a + b) / 2)
    r = jnp.asarray(roots)
    chi0 = jnp.float64(sw) * jnp.mean(nl.df(jnp.asarray([-1e-300, 1e-300])) ** 2)
    slopes = np.asarray(jnp.where(r > 0, dvq(r), chi0))
    return [FixedPoint(float(r), float(s), bool(s < 1)) for r, s in zip(roots, slopes, strict=True)]


@functools.partial(jax.jit, static_argnums=0)
def _critical(nl: _g.Nonlinearity, sb: Array, q0: Array) -> Array:
    def chi(lsw: Array, b: Array) -> tuple[Array, Array]:
        m = _mean_field_one(nl, jnp.exp(lsw), b, q0, False)
        return m.chi1, m.q_star

    def one(b: Array) -> Array:
        lo, hi = jnp.log(jnp.asarray(1e-3, b.dtype)), jnp.log(jnp.asarray(1e4, b.dtype))

        def step(_: int, ab: tuple[Array, Array]) -> tuple[Array, Array]:
            a, c = ab
            m = (a + c) / 2
            up = chi(m, b)[0] > 1
            return jnp.where(up, a, m), jnp.where(up, m, c)

        a, c = jax.lax.fori_loop(0, _BISECT, step, (lo, hi))
        chi_lo, q_lo = chi(a, b)
        chi_hi, _ = chi(c, b)
        # An edge of chaos needs a variance that stays finite on it: where q* runs away
        # as σ_w² nears the crossing (relu at σ_b² > 0), there is none.
        # χ₁ must also pass 1 continuously: a jump is the variance leaving its fixed
        # point for infinity (a saddle-node, as swish's at small σ_b²), not an edge.
        found = (chi_lo <= 1) & (chi_hi >= 1) & (q_lo < _Q_EDGE) & (c < hi)
        found = found & (chi_hi - chi_lo < 1e-6)
        return jnp.where(found, jnp.exp((a + c) / 2), jnp.inf)

    return jax.vmap(one)(sb.reshape(-1)).reshape(sb.shape)


def critical_sigma_w2(
    activation: Any,
    sigma_b2: Any = 0.0,
    *,
    q0: Any = 1.0,
    params: Mapping[str, float] | None = None,
) -> Array:
    r"""The edge of chaos: the σ_w² where χ₁ = 1, for each σ_b² (the whole curve).

    Found by bisection on log σ_w² in [1e-3, 1e4] (χ₁ grows with σ_w²). Where χ₁
    crosses 1 only where the variance has no finite fixed point (relu and leaky_relu
    at σ_b² > 0, whose q* diverges as σ_w² → 2), there is no edge of chaos and the
    result is ``inf``.

    Args:
      activation, q0, params: as in :func:`mean_field`.
      sigma_b2: σ_b² ≥ 0, any shape. Default 0.

    Returns:
      σ_w² on the edge of chaos, with the shape of ``sigma_b2`` (``inf``: none).

    Examples:
      >>> import jax, jaxact as ja
      >>> with jax.enable_x64(True):
      ...     print([round(v, 6) for v in ja.critical_sigma_w2("tanh", [0.0, 0.05]).tolist()])
      ...     print(ja.critical_sigma_w2("relu", [0.0, 0.05]).tolist())
      [1.0, 1.760955]
      [2.0, inf]

    References:
      Schoenholz et al., ICLR 2017 (Fig. 1); Hayou et al., ICML 2019.
    """
    nl = _g.nonlinearity(activation, params=params)
    _g.check_variance("sigma_b2", sigma_b2)
    _g.check_variance("q0", q0)
    return _critical(nl, _g.as_float(sigma_b2), _g.as_float(q0))


class PhaseDiagram(NamedTuple):
    """A (σ_b², σ_w²) grid of mean-field quantities and the edge of chaos over it.

    Attributes:
      sigma_w2: ``(n,)`` the σ_w² axis.
      sigma_b2: ``(m,)`` the σ_b² axis.
      field: a :class:`MeanField` of ``(m, n)`` arrays.
      critical: ``(m,)`` σ_w² on the edge of chaos per σ_b² (``inf``: none).
    """

    sigma_w2: Array
    sigma_b2: Array
    field: MeanField
    critical: Array


def phase_diagram(
    activation: Any,
    sigma_w2: Any,
    sigma_b2: Any,
    *,
    q0: Any = 1.0,
    correlations: bool = False,
    params: Mapping[str, float] | None = None,
) -> PhaseDiagram:
    """The phase diagram over a σ_w² × σ_b² grid in one call, with its χ₁ = 1 curve.

    Args:
      activation, q0, params: as in :func:`mean_field`.
      sigma_w2: ``(n,)`` σ_w² values > 0.
      sigma_b2: ``(m,)`` σ_b² values ≥ 0.
      correlations: compute c* and ξ_c in the chaotic phase too (costly). Default
        ``False``: ξ_c in the ordered phase only.

    Returns:
      A :class:`PhaseDiagram`.

    Examples:
      >>> import jax, jaxact as ja
      >>> with jax.enable_x64(True):
      ...     pd = ja.phase_diagram("tanh", [0.5, 1.0, 2.0], [0.0, 0.1])
      >>> (pd.field.chi1 > 1).tolist()
      [[False, False, True], [False, False, True]]
    """
    sw = np.asarray(sigma_w2, dtype=float).reshape(-1)
    sb = np.asarray(sigma_b2, dtype=float).reshape(-1)
    field = mean_field(
        activation, sw[None, :], sb[:, None], q0=q0, correlations=correlations, params=params
    )
    crit = critical_sigma_w2(activation, sb, q0=q0, params=params)
    return PhaseDiagram(jnp.asarray(sw), jnp.asarray(sb), field, crit)


def edge_of_chaos(
    activation: Any,
    sigma_b2: float = 0.0,
    *,
    params: Mapping[str, float] | None = None,
) -> _init.MeanFieldInit:
    r"""The initializer that puts an activation on its edge of chaos (χ₁ = 1) at σ_b².

    Weights are drawn :math:`N(0, \sigma_w^{2*}/n_\text{in})` with
    :math:`\sigma_w^{2*}` = :func:`critical_sigma_w2` and biases :math:`N(0,
    \sigma_b^2)`. For relu at σ_b² = 0 it is He (σ_w² = 2), for tanh at σ_b² = 0
    LeCun (σ_w² = 1).

    Args:
      activation: as in :func:`mean_field`.
      sigma_b2: the bias variance σ_b² ≥ 0 (a number). Default 0.
      params: the activation's parameters.

    Returns:
      A :class:`~jaxact.MeanFieldInit`, for ``init_mlp``, ``fit`` and ``sweep``'s
      ``init``.

    Raises:
      ValueError: no edge of chaos at this σ_b² (relu at σ_b² > 0), bad arguments.

    Examples:
      >>> import jaxact as ja
      >>> ja.edge_of_chaos("relu")
      MeanFieldInit(sigma_w2=2.0, sigma_b2=0.0)
      >>> round(ja.edge_of_chaos("tanh", 0.05).sigma_w2, 4)
      1.761
    """
    nl = _g.nonlinearity(activation, params=params)
    if isinstance(sigma_b2, jax.core.Tracer) or np.ndim(sigma_b2) != 0:
        raise TypeError("`sigma_b2`: expected a number")
    _g.check_variance("sigma_b2", sigma_b2)
    with jax.enable_x64(True):
        sw = float(critical_sigma_w2(nl, float(sigma_b2)))
    if not np.isfinite(sw):
        raise ValueError(
            f"`sigma_b2`: {nl.name} has no edge of chaos at σ_b² = {sigma_b2} (χ₁ reaches 1 "
            "only where the variance grows without bound); use sigma_b2=0"
        )
    return _init.MeanFieldInit(round(sw, 12), float(sigma_b2))


class EdgeOfChaos(NamedTuple):
    """An activation's edge of chaos at one σ_b², as the card and ``jaxact show`` give it.

    Attributes:
      sigma_b2: the bias variance.
      sigma_w2: σ_w² on the edge (χ₁ = 1), or ``inf``: none at this σ_b².
      q_star: q* there (``nan`` where there is no edge).
      xi_c_below, xi_c_above: ξ_c at 0.9 and 1.1 times that σ_w² (on the edge itself
        ξ_c is infinite); ``nan`` where there is no edge.
    """

    sigma_b2: float
    sigma_w2: float
    q_star: float
    xi_c_below: float
    xi_c_above: float


def edge_of_chaos_card(
    activation: Any,
    sigma_b2: Any = (0.0, 0.05),
    *,
    params: Mapping[str, float] | None = None,
) -> list[EdgeOfChaos]:
    """The edge of chaos of an activation at each σ_b², computed (not tabulated).

    Args:
      activation: as in :func:`mean_field`.
      sigma_b2: the bias variances. Default ``(0.0, 0.05)``.
      params: the activation's parameters.

    Returns:
      One :class:`EdgeOfChaos` per σ_b².

    Examples:
      >>> import jaxact as ja
      >>> [(e.sigma_b2, e.sigma_w2) for e in ja.edge_of_chaos_card("relu")]
      [(0.0, 2.0), (0.05, inf)]
    """
    nl = _g.nonlinearity(activation, params=params)
    sbs = [float(v) for v in np.asarray(sigma_b2, dtype=float).reshape(-1)]
    with jax.enable_x64(True):
        crit = np.asarray(critical_sigma_w2(nl, sbs))
        out = []
        for sb, sw in zip(sbs, crit, strict=True):
            if not np.isfinite(sw):
                out.append(EdgeOfChaos(sb, math.inf, math.nan, math.nan, math.nan))
                continue
            m = mean_field(nl, [sw, 0.9 * sw, 1.1 * sw], sb)
            qs, xi = np.asarray(m.q_star), np.asarray(m.xi_c)
            out.append(EdgeOfChaos(sb, round(float(sw), 12), float(qs[0]), xi[1], xi[2]))
    return [e._replace(xi_c_below=float(e.xi_c_below), xi_c_above=float(e.xi_c_above)) for e in out]


CARD_TABLE = "data/edge_of_chaos.json"
"""The catalog's edges of chaos at the default parameters and σ_b² ∈ {0, 0.05}, as
:func:`edge_of_chaos_card` computes them; rebuilt by ``python -m jaxact.theory``."""


def edge_of_chaos_table(name: str) -> list[EdgeOfChaos] | None:
    """The shipped :func:`edge_of_chaos_card` of catalog activation ``name`` at its default
    parameters (``jaxact show`` reads it: computing it takes seconds), or ``None`` when the
    table does not hold ``name``.

    Args:
      name: a canonical catalog name.

    Returns:
      One :class:`EdgeOfChaos` per σ_b² in ``(0.0, 0.05)``, or ``None``.

    Examples:
      >>> import jaxact as ja
      >>> [(e.sigma_b2, e.sigma_w2) for e in ja.edge_of_chaos_table("relu")]
      [(0.0, 2.0), (0.05, inf)]
    """
    rows = _card_table().get(name)
    return None if rows is None else [EdgeOfChaos(*map(float, r)) for r in rows]


@functools.cache
def _card_table() -> dict[str, list[list[float]]]:
    text = importlib.resources.files("jaxact").joinpath(CARD_TABLE).read_text("utf-8")
    return json.loads(text)


def rebuild_card_table(path: str | None = None) -> dict[str, list[list[float]]]:
    """Compute :func:`edge_of_chaos_card` for every elementwise catalog activation and
    write the table to ``path`` (default: the shipped file). Returns the table."""
    table = {
        n: [list(e) for e in edge_of_chaos_card(n)]
        for n in _acts.names()
        if _acts.get(n).kind == "elementwise"
    }
    target = path or str(importlib.resources.files("jaxact").joinpath(CARD_TABLE))
    with open(target, "w", encoding="utf-8") as f:
        json.dump(table, f, indent=1, sort_keys=True)
        f.write("\n")
    _card_table.cache_clear()
    return table
