r"""Losses on the logits, each a scalar mean over examples, and accuracy.

Each task kind pairs an output function with a loss computed stably from the logits
z (the last layer's pre-activation), never from the probabilities:

==============  ==============  ===========================================================
kind            output          loss (mean over the n examples)
==============  ==============  ===========================================================
``softmax``     softmax         :math:`-\log \operatorname{softmax}(z)_{y}`
``binary``      sigmoid         :math:`-y \log \sigma(z) - (1 - y) \log \sigma(-z)`
``regression``  identity        :math:`\frac{1}{k} \lVert z - y \rVert^2`
==============  ==============  ===========================================================

:func:`~jaxact.make_loss` composes these with the network's forward pass. The
cross-entropies are thin wrappers over :mod:`optax`
(``softmax_cross_entropy_with_integer_labels``, ``softmax_cross_entropy``,
``sigmoid_binary_cross_entropy``) that add shape checks and the mean.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxact import _validate

Array = jax.Array
ArrayLike = jax.typing.ArrayLike

__all__ = [
    "accuracy",
    "loss_for",
    "mse",
    "sigmoid_binary_cross_entropy",
    "softmax_cross_entropy",
]

KINDS = _validate.TASK_KINDS
OUTPUT_OF_KIND = {"softmax": "softmax", "binary": "sigmoid", "regression": "identity"}


def _arr(a: Any, arg: str) -> Array:
    if isinstance(a, jax.Array):
        return a
    return jnp.asarray(_validate.numeric_array(arg, a))


def _float(a: Array, arg: str) -> Array:
    if not jnp.issubdtype(a.dtype, jnp.floating):
        raise TypeError(f"`{arg}`: expected a floating array, got dtype {a.dtype}")
    return a


def _concrete(a: Array) -> np.ndarray | None:
    """``a`` as NumPy if its value is known at trace time, else ``None``."""
    if isinstance(a, jax.core.Tracer):
        return None
    return np.asarray(a)


def _column(y: Array, shape: tuple[int, ...], arg: str, what: str) -> Array:
    """``y`` reshaped to ``shape`` where only (n,) ↔ (n, 1) differ; else an error."""
    if y.shape == shape:
        return y
    if len(shape) == 2 and shape[1] == 1 and y.shape == (shape[0],):
        return y[:, None]
    if len(shape) == 1 and y.shape == (shape[0], 1):
        return y[:, 0]
    raise ValueError(f"`{arg}`: expected {what} of shape {shape}, got shape {tuple(y.shape)}")


def mse(pred: ArrayLike, y: ArrayLike) -> Array:
    r"""Mean squared error.

    .. math:: \ell = \frac{1}{n k} \sum_{i, j} (\hat y_{ij} - y_{ij})^2

    Args:
      pred: predictions, shape ``(n, k)`` (or ``(n,)``), floating.
      y: targets of the same shape; ``(n,)`` is accepted for ``(n, 1)`` predictions and
        vice versa (nothing else is broadcast).

    Returns:
      A scalar in ``pred``'s dtype.

    Examples:
      >>> import jax.numpy as jnp, jaxact as ja
      >>> ja.mse(jnp.array([[1.0], [3.0]], dtype=jnp.float32),
      ...        jnp.array([0.0, 1.0], dtype=jnp.float32))
      Array(2.5, dtype=float32)
    """
    p = _float(_arr(pred, "pred"), "pred")
    if p.ndim not in (1, 2) or p.shape[0] == 0:
        raise ValueError(f"`pred`: expected shape (n, k) or (n,), n >= 1, got {p.shape}")
    t = _column(_arr(y, "y"), p.shape, "y", "targets")
    return jnp.mean(jnp.square(p - t.astype(p.dtype)))


def sigmoid_binary_cross_entropy(logits: ArrayLike, labels: ArrayLike) -> Array:
    r"""Binary cross-entropy from logits, averaged over examples (via optax).

    .. math::
      \ell = \frac1n \sum_i -y_i \log \sigma(z_i) - (1 - y_i) \log \sigma(-z_i),
      \qquad \frac{\partial \ell}{\partial z_i} = \frac{\sigma(z_i) - y_i}{n}

    Args:
      logits: shape ``(n, 1)`` or ``(n,)``, floating.
      labels: 0/1 labels (int, bool or float; floats in [0, 1] act as soft labels),
        shape ``(n,)`` or ``(n, 1)``.

    Returns:
      A scalar in ``logits``' dtype.

    Raises:
      ValueError: shapes that do not match; concrete labels outside [0, 1].

    Examples:
      >>> import jax.numpy as jnp, jaxact as ja
      >>> z = jnp.array([[0.0], [2.0]], dtype=jnp.float32)
      >>> ja.sigmoid_binary_cross_entropy(z, jnp.array([1, 1], dtype=jnp.int32))
      Array(0.41003, dtype=float32)

    References:
      optax.sigmoid_binary_cross_entropy.
    """
    z = _float(_arr(logits, "logits"), "logits")
    if not (z.ndim == 1 or (z.ndim == 2 and z.shape[1] == 1)) or z.shape[0] == 0:
        raise ValueError(f"`logits`: expected shape (n, 1) or (n,), n >= 1, got {z.shape}")
    t = _column(_arr(labels, "labels"), z.shape, "labels", "0/1 labels")
    c = _concrete(t)
    if c is not None and c.size and (np.min(c) < 0 or np.max(c) > 1):
        raise ValueError(
            f"`labels`: expected values in [0, 1], got min {np.min(c)} and max {np.max(c)}"
        )
    return jnp.mean(optax.sigmoid_binary_cross_entropy(z, t.astype(z.dtype)))


def softmax_cross_entropy(logits: ArrayLike, labels: ArrayLike) -> Array:
    r"""Softmax cross-entropy from logits, averaged over examples (via optax).

    .. math::
      \ell = \frac1n \sum_i -\sum_j t_{ij} \log \operatorname{softmax}(z_i)_j,
      \qquad \frac{\partial \ell}{\partial z_i} = \frac{s_i - t_i}{n}

    Args:
      logits: shape ``(n, k)``, floating.
      labels: integer class labels ``(n,)`` in ``[0, k)``, or target distributions
        (one-hot) ``(n, k)``.

    Returns:
      A scalar in ``logits``' dtype.

    Raises:
      ValueError: shapes that do not match; concrete integer labels out of range.
      TypeError: ``(n,)`` labels that are not integers.

    Examples:
      >>> import jax.numpy as jnp, jaxact as ja
      >>> z = jnp.array([[0.0, 0.0], [0.0, jnp.log(3.0)]], dtype=jnp.float32)
      >>> ja.softmax_cross_entropy(z, jnp.array([0, 1], dtype=jnp.int32))
      Array(0.490415, dtype=float32)

    References:
      optax.softmax_cross_entropy_with_integer_labels, optax.softmax_cross_entropy.
    """
    z = _float(_arr(logits, "logits"), "logits")
    if z.ndim != 2 or z.shape[0] == 0:
        raise ValueError(f"`logits`: expected shape (n, k), n >= 1, got {z.shape}")
    n, k = z.shape
    t = _arr(labels, "labels")
    if t.shape == (n,):
        if not jnp.issubdtype(t.dtype, jnp.integer):
            raise TypeError(
                f"`labels`: expected integer class labels of shape ({n},), got dtype {t.dtype}"
            )
        c = _concrete(t)
        if c is not None and (np.min(c) < 0 or np.max(c) >= k):
            raise ValueError(
                f"`labels`: expected class labels in [0, {k}), got min {np.min(c)} and "
                f"max {np.max(c)}"
            )
        return jnp.mean(optax.softmax_cross_entropy_with_integer_labels(z, t))
    if t.shape == (n, k):
        return jnp.mean(optax.softmax_cross_entropy(z, t.astype(z.dtype)))
    raise ValueError(
        f"`labels`: expected integer labels ({n},) or one-hot targets ({n}, {k}), got shape "
        f"{tuple(t.shape)}"
    )


def accuracy(logits: ArrayLike, labels: ArrayLike, kind: str) -> Array:
    r"""Fraction of examples classified correctly.

    ``"softmax"``: :math:`\arg\max_j z_{ij} = y_i` (labels ``(n,)``, or the argmax of
    one-hot ``(n, k)``). ``"binary"``: :math:`[z_i > 0] = y_i`. ``"regression"`` has no
    accuracy: the result is NaN.

    Args:
      logits: ``(n, k)`` for softmax; ``(n, 1)`` or ``(n,)`` for binary.
      labels: as for the matching loss.
      kind: ``"softmax"``, ``"binary"`` or ``"regression"``.

    Returns:
      A scalar in [0, 1] (NaN for regression) in ``logits``' dtype.

    Examples:
      >>> import jax.numpy as jnp, jaxact as ja
      >>> z = jnp.array([[2.0, 1.0], [0.0, 1.0], [3.0, 0.0]], dtype=jnp.float32)
      >>> ja.accuracy(z, jnp.array([0, 1, 1], dtype=jnp.int32), "softmax")
      Array(0.6666667, dtype=float32)
    """
    kind = _validate.choice("kind", kind, KINDS)
    z = _float(_arr(logits, "logits"), "logits")
    if kind == "regression":
        return jnp.full((), jnp.nan, z.dtype)
    t = _arr(labels, "labels")
    if kind == "softmax":
        if z.ndim != 2:
            raise ValueError(f"`logits`: expected shape (n, k), got {z.shape}")
        if t.shape == z.shape:
            t = jnp.argmax(t, axis=-1)
        if t.shape != z.shape[:1]:
            raise ValueError(
                f"`labels`: expected shape {z.shape[:1]} or {z.shape}, got {tuple(t.shape)}"
            )
        hit = jnp.argmax(z, axis=-1).astype(t.dtype) == t
    else:
        if not (z.ndim == 1 or (z.ndim == 2 and z.shape[1] == 1)):
            raise ValueError(f"`logits`: expected shape (n, 1) or (n,), got {z.shape}")
        t = _column(t, z.shape, "labels", "0/1 labels")
        hit = (z > 0) == (t.astype(z.dtype) > 0.5)
    return jnp.mean(hit.astype(z.dtype))


def loss_for(kind: str) -> Callable[[Array, Array], Array]:
    """The loss on logits for a task kind.

    Args:
      kind: ``"softmax"`` (:func:`softmax_cross_entropy`), ``"binary"``
        (:func:`sigmoid_binary_cross_entropy`) or ``"regression"`` (:func:`mse`).

    Returns:
      ``fn(logits, y) -> scalar``.

    Examples:
      >>> import jaxact as ja
      >>> ja.loss_for("binary").__name__
      'sigmoid_binary_cross_entropy'
    """
    kind = _validate.choice("kind", kind, KINDS)
    return {
        "softmax": softmax_cross_entropy,
        "binary": sigmoid_binary_cross_entropy,
        "regression": mse,
    }[kind]
