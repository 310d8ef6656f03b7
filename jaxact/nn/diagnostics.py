r"""Diagnostics of a network's health: gradient norms, dead and saturated units, statistics.

For hidden layer l with pre-activations :math:`z_l \in \mathbb{R}^{n \times m}` over a
batch of n examples:

* a unit j is **dead** when :math:`f'(z_{l,ij}) = 0` for every example i (a ReLU that
  never fires: no gradient flows through it, so it cannot recover);
* a unit j is **saturated** when :math:`|f'(z_{l,ij})| \le \text{tol}` for every
  example i (a sigmoid or tanh unit pinned to a flat tail; a dead unit counts too);
* the **gradient norm** of layer l is :math:`\lVert \partial \ell / \partial W_l
  \rVert_F`; its decay from the last layer to the first shows vanishing gradients.

Every function is pure and safe under :func:`jax.jit` and :func:`jax.vmap`;
:func:`~jaxact.fit` calls them inside its scanned loop when ``diagnostics=True``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from jaxact.catalog import activations as _acts, rational as _rational
from jaxact.nn import losses as _losses, mlp as _mlp

Array = jax.Array
ArrayLike = jax.typing.ArrayLike
ActivationLike = str | _acts.Activation | Callable[..., Array]

__all__ = [
    "dead_fraction",
    "grad_norms",
    "layer_stats",
    "rational_health",
    "saturated_fraction",
]


def _slopes(fw: _mlp.Forward, params: Any) -> list[Array]:
    """f′(z_l) for each hidden layer, shape (n, m) each."""
    return [
        fw.activation.slope(z, layer.get("act", {}))
        for layer, z in zip(params[:-1], fw.pre[:-1], strict=True)
    ]


def _stack(values: list[Array], dtype: Any) -> Array:
    return jnp.stack(values) if values else jnp.zeros((0,), dtype)


def grad_norms(
    params: Any,
    x: ArrayLike,
    y: ArrayLike,
    *,
    activation: ActivationLike,
    loss: str | _losses.Loss | None = None,
    kind: str | None = None,
) -> Array:
    r"""Per-layer norms of the weight gradient of the mean training loss.

    .. math:: g_l = \lVert \partial \ell / \partial W_l \rVert_F, \quad l = 1..L

    Args:
      params: parameters from :func:`~jaxact.init_mlp` (L layers).
      x: features ``(n, d)``.
      y: targets, as for ``loss``.
      activation: the hidden activation.
      loss: ``"softmax"``, ``"binary"``, ``"regression"`` or a :class:`~jaxact.Loss`.
      kind: the old name of ``loss`` (deprecated).

    Returns:
      ``(L,)`` in the parameters' dtype, first layer first.

    Examples:
      >>> import jax, jax.numpy as jnp, jaxact as ja
      >>> params = ja.init_mlp(jax.random.key(0), (2, 4, 4, 1), activation="tanh")
      >>> x = jnp.array([[1.0, -1.0], [0.5, 2.0]], dtype=jnp.float32)
      >>> y = jnp.array([[1.0], [0.0]], dtype=jnp.float32)
      >>> ja.grad_norms(params, x, y, activation="tanh", loss="regression").shape
      (3,)
    """
    _mlp.mlp_forward(params, x, activation=activation)  # checks params, x and activation
    loss_fn = _mlp.make_loss(_losses.renamed_loss(loss, kind, "grad_norms"), activation)
    g = jax.grad(loss_fn)(params, (x, y))
    return jnp.stack([jnp.sqrt(jnp.sum(jnp.square(layer["w"]))) for layer in g])


def dead_fraction(params: Any, x: ArrayLike, *, activation: ActivationLike) -> Array:
    r"""Per hidden layer, the fraction of units whose derivative is 0 on every example.

    .. math:: \frac1m \#\{ j : f'(z_{l,ij}) = 0 \ \forall i \}

    Uses the activation's hand derivative (relu′(0) = 0, so a unit whose
    pre-activation is never positive is dead).

    Args:
      params: parameters from :func:`~jaxact.init_mlp` (L layers).
      x: features ``(n, d)`` (or one example ``(d,)``).
      activation: an elementwise hidden activation (name, record or elementwise callable).

    Returns:
      ``(L - 1,)`` fractions in [0, 1], in the parameters' dtype.

    Examples:
      >>> import jax, jax.numpy as jnp, jaxact as ja
      >>> params = ja.init_mlp(jax.random.key(0), (1, 4, 1), activation="relu")
      >>> params[0]["b"] = jnp.array([-10.0, -10.0, 0.0, 0.0], dtype=jnp.float32)
      >>> x = jnp.array([[0.5], [-0.5]], dtype=jnp.float32)
      >>> ja.dead_fraction(params, x, activation="relu")
      Array([0.5], dtype=float32)
    """
    fw = _mlp.mlp_forward(params, x, activation=activation)
    dt = fw.pre[-1].dtype
    return _stack([jnp.mean(jnp.all(d == 0, axis=0).astype(dt)) for d in _slopes(fw, params)], dt)


def saturated_fraction(
    params: Any, x: ArrayLike, *, activation: ActivationLike, tol: float = 1e-3
) -> Array:
    r"""Per hidden layer, the fraction of units with :math:`|f'| \le` ``tol`` on every example.

    .. math:: \frac1m \#\{ j : |f'(z_{l,ij})| \le \text{tol} \ \forall i \}

    Args:
      params: parameters from :func:`~jaxact.init_mlp` (L layers).
      x: features ``(n, d)`` (or one example ``(d,)``).
      activation: an elementwise hidden activation.
      tol: the slope below which a unit counts as saturated. Default 1e-3 (a sigmoid
        unit with |z| > 6.9, a tanh unit with |z| > 4.1).

    Returns:
      ``(L - 1,)`` fractions in [0, 1], in the parameters' dtype.

    Examples:
      >>> import jax, jax.numpy as jnp, jaxact as ja
      >>> params = ja.init_mlp(jax.random.key(0), (1, 2, 1), activation="sigmoid")
      >>> params[0]["b"] = jnp.array([20.0, 0.0], dtype=jnp.float32)
      >>> x = jnp.array([[0.5], [-0.5]], dtype=jnp.float32)
      >>> ja.saturated_fraction(params, x, activation="sigmoid")
      Array([0.5], dtype=float32)
    """
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not tol >= 0:
        raise ValueError(f"`tol`: expected a number >= 0, got {tol!r}")
    fw = _mlp.mlp_forward(params, x, activation=activation)
    dt = fw.pre[-1].dtype
    return _stack(
        [jnp.mean(jnp.all(jnp.abs(d) <= tol, axis=0).astype(dt)) for d in _slopes(fw, params)],
        dt,
    )


def layer_stats(params: Any, x: ArrayLike, *, activation: ActivationLike) -> dict[str, Array]:
    r"""Per hidden layer, the mean and variance of pre-activations and activations.

    Means and variances are over examples and units together, so a well-initialized
    network keeps ``act_var`` roughly constant from layer to layer.

    Args:
      params: parameters from :func:`~jaxact.init_mlp` (L layers).
      x: features ``(n, d)`` (or one example ``(d,)``).
      activation: the hidden activation.

    Returns:
      ``{"pre_mean", "pre_var", "act_mean", "act_var"}``, each ``(L - 1,)`` in the
      parameters' dtype.

    Examples:
      >>> import jax, jax.numpy as jnp, jaxact as ja
      >>> params = ja.init_mlp(jax.random.key(0), (2, 3, 3, 1), activation="relu")
      >>> x = jnp.ones((4, 2), dtype=jnp.float32)
      >>> s = ja.layer_stats(params, x, activation="relu")
      >>> sorted(s), s["act_mean"].shape
      (['act_mean', 'act_var', 'pre_mean', 'pre_var'], (2,))
    """
    fw = _mlp.mlp_forward(params, x, activation=activation)
    dt = fw.pre[-1].dtype
    hidden_pre, hidden_act = fw.pre[:-1], fw.inputs[1:]
    return {
        "pre_mean": _stack([jnp.mean(z) for z in hidden_pre], dt),
        "pre_var": _stack([jnp.var(z) for z in hidden_pre], dt),
        "act_mean": _stack([jnp.mean(a) for a in hidden_act], dt),
        "act_var": _stack([jnp.var(a) for a in hidden_act], dt),
    }


def rational_health(params: Any, x: ArrayLike, *, activation: ActivationLike) -> dict[str, Array]:
    r"""Per hidden layer, the smallest denominator and the largest output of a rational
    activation over the batch.

    .. math::
      q_l = \min_{i,j} Q(z_{l,ij}) \ge 1, \qquad r_l = \max_{i,j} |f(z_{l,ij})|

    Q = 1 + |Σ b_j z^j| never falls below 1; ``min_q`` near 1 shows the denominator
    inactive (f acting as a polynomial, which grows fast), a rising ``max_abs_f`` shows
    a shape or a pre-activation drifting toward overflow before the loss does.

    Args:
      params: parameters from :func:`~jaxact.init_mlp` (L layers) with a rational
        activation's coefficients in ``params[l]["act"]``.
      x: features ``(n, d)``.
      activation: a rational activation (``"rational"``, ``"rational:gelu"``, a record
        from :func:`~jaxact.rational_activation`).

    Returns:
      ``{"min_q": (L - 1,), "max_abs_f": (L - 1,)}`` in the parameters' dtype.

    Raises:
      ValueError: ``activation`` is not a rational activation.

    Examples:
      >>> import jax, jax.numpy as jnp, jaxact as ja
      >>> params = ja.init_mlp(jax.random.key(0), (2, 4, 4, 1), activation="rational")
      >>> h = ja.rational_health(params, jnp.ones((3, 2)), activation="rational")
      >>> h["min_q"].shape, bool(jnp.all(h["min_q"] >= 1))
      ((2,), True)
    """
    act = _mlp.resolve_activation(activation)
    if not _rational.is_rational(act.rec):
        got = act.rec.name if act.rec is not None else repr(activation)
        raise ValueError(f"`activation`: expected a rational activation, got {got}")
    fw = _mlp.mlp_forward(params, x, activation=activation)
    dt = fw.pre[-1].dtype
    qs, fs = [], []
    for layer, z, a in zip(params[:-1], fw.pre[:-1], fw.inputs[1:], strict=True):
        kw = {k: v[None, :] for k, v in layer["act"].items()}
        qs.append(jnp.min(_rational.rational_denominator(z, **kw)))
        fs.append(jnp.max(jnp.abs(a)))
    return {"min_q": _stack(qs, dt), "max_abs_f": _stack(fs, dt)}
