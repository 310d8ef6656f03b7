r"""Losses on the logits, each a scalar mean over examples, accuracy, and the loss records.

Each loss pairs an output function with a loss computed stably from the logits
z (the last layer's pre-activation), never from the probabilities:

==============  ==============  ===========================================================
loss            output          loss (mean over the n examples)
==============  ==============  ===========================================================
``softmax``     softmax         :math:`-\log \operatorname{softmax}(z)_{y}`
``binary``      sigmoid         :math:`-y \log \sigma(z) - (1 - y) \log \sigma(-z)`
``regression``  identity        :math:`\frac{1}{k} \lVert z - y \rVert^2`
==============  ==============  ===========================================================

:func:`~jaxact.make_loss` composes these with the network's forward pass. The
cross-entropies are thin wrappers over :mod:`optax`
(``softmax_cross_entropy_with_integer_labels``, ``softmax_cross_entropy``,
``sigmoid_binary_cross_entropy``) that add shape checks and the mean.

This module owns the concept: one frozen :class:`Loss` record per loss, looked up by
name with :func:`get_loss`, answers everything that depends on it (the output function,
the loss on the logits, the hand-written output delta of manual backpropagation, the
accuracy, the label checks, the output width). Callers ask the record; nothing else
compares the name. It imports the catalog (for the softmax and sigmoid) and optax.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxact import _validate
from jaxact.catalog import activations as _acts

Array = jax.Array
ArrayLike = jax.typing.ArrayLike

__all__ = [
    "Loss",
    "accuracy",
    "get_loss",
    "loss_for",
    "loss_names",
    "mse",
    "sigmoid_binary_cross_entropy",
    "softmax_cross_entropy",
]


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


# --------------------------------------------------------------------------------------
# Per-loss answers: the hand-written output delta, the accuracy, the target checks
# --------------------------------------------------------------------------------------


def _softmax_delta(z: Array, y: Array) -> Array:
    n = z.shape[0]
    s = _acts.get("softmax").fn(z, axis=-1)
    if y.ndim == 1:
        t = jax.nn.one_hot(y, z.shape[-1], dtype=z.dtype)
        return (s - t) / n
    t = y.astype(z.dtype)
    # ℓ = −Σ_j t_j log s_j  ⇒  ∂ℓ/∂z = s Σ_j t_j − t.
    return (s * jnp.sum(t, axis=-1, keepdims=True) - t) / n


def _binary_delta(z: Array, y: Array) -> Array:
    t = y.astype(z.dtype).reshape(z.shape)
    return (_acts.get("sigmoid").fn(z) - t) / z.shape[0]


def _mse_delta(z: Array, y: Array) -> Array:
    t = y.astype(z.dtype).reshape(z.shape)
    return 2.0 * (z - t) / z.size


def _softmax_hits(z: Array, t: Array) -> Array:
    if z.ndim != 2:
        raise ValueError(f"`logits`: expected shape (n, k), got {z.shape}")
    if t.shape == z.shape:
        t = jnp.argmax(t, axis=-1)
    if t.shape != z.shape[:1]:
        raise ValueError(
            f"`labels`: expected shape {z.shape[:1]} or {z.shape}, got {tuple(t.shape)}"
        )
    return jnp.argmax(z, axis=-1).astype(t.dtype) == t


def _binary_hits(z: Array, t: Array) -> Array:
    if not (z.ndim == 1 or (z.ndim == 2 and z.shape[1] == 1)):
        raise ValueError(f"`logits`: expected shape (n, 1) or (n,), got {z.shape}")
    t = _column(t, z.shape, "labels", "0/1 labels")
    return (z > 0) == (t.astype(z.dtype) > 0.5)


def _softmax_targets(ya: Array, n: int, k: int, dtype: Any) -> Array:
    c = _concrete(ya)
    if ya.ndim == 1:
        if not jnp.issubdtype(ya.dtype, jnp.integer):
            raise TypeError(
                f"`y`: expected integer class labels of shape ({n},) or one-hot targets of "
                f"shape ({n}, {k}), got dtype {ya.dtype} and shape {tuple(ya.shape)}"
            )
        if c is not None and (np.min(c) < 0 or np.max(c) >= k):
            raise ValueError(
                f"`y`: expected class labels in [0, {k}) for a network with {k} outputs, "
                f"got min {np.min(c)} and max {np.max(c)}"
            )
        return ya
    if ya.shape != (n, k):
        raise ValueError(
            f"`y`: expected integer labels ({n},) or one-hot targets ({n}, {k}), got shape "
            f"{tuple(ya.shape)}"
        )
    return ya.astype(dtype)


def _real_targets(name: str, ya: Array, n: int, k: int, dtype: Any) -> Array:
    if ya.shape not in ((n,), (n, k)) or (name == "binary" and k != 1):
        want = f"({n},) or ({n}, 1)" if name == "binary" else f"({n}, {k})"
        raise ValueError(
            f"`y`: expected targets of shape {want} for a network with {k} outputs and loss "
            f"{name!r}, got shape {tuple(ya.shape)}"
        )
    return ya.astype(dtype)


def _binary_targets(ya: Array, n: int, k: int, dtype: Any) -> Array:
    out = _real_targets("binary", ya, n, k, dtype)
    c = _concrete(ya)
    if c is not None and (np.min(c) < 0 or np.max(c) > 1):
        raise ValueError(
            f"`y`: expected 0/1 labels (values in [0, 1]) for loss 'binary', got min "
            f"{np.min(c)} and max {np.max(c)}"
        )
    return out


def _mse_targets(ya: Array, n: int, k: int, dtype: Any) -> Array:
    return _real_targets("regression", ya, n, k, dtype)


def _class_labels(key: Array, n: int, k: int) -> Array:
    return jax.random.randint(key, (n,), 0, k, dtype=jnp.int32)


def _binary_labels(key: Array, n: int, k: int) -> Array:
    return jax.random.bernoulli(key, 0.5, (n,)).astype(jnp.int32)


def _real_samples(key: Array, n: int, k: int) -> Array:
    return jax.random.normal(key, (n, k), jnp.float64)


# --------------------------------------------------------------------------------------
# The record and the registry
# --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class Loss:
    """A loss: its output function, its loss on the logits and what depends on it.

    One record per loss, in the registry of :func:`get_loss`; every function that
    depends on the loss (:func:`~jaxact.make_loss`, :func:`~jaxact.manual_grad`,
    :func:`accuracy`, the training core) asks the record.

    Attributes:
      name: ``"softmax"``, ``"binary"`` or ``"regression"``.
      output: the catalog name of the output function g applied to the logits for
        predictions (``"softmax"``, ``"sigmoid"``, ``"identity"``).
      fn: the loss on the logits, ``fn(logits, y) -> scalar`` (a mean over examples).
      delta: the hand-written output delta ∂ℓ/∂z of the mean loss,
        ``delta(z (n, k), y) -> (n, k)``, used by manual backpropagation.
      hits: ``hits(z, labels) -> (n,)`` booleans, example classified correctly
        (``None``: no accuracy, as for regression).
      targets: ``targets(y, n, k, dtype) -> y`` checks targets for a network with k
        outputs (messages name ``y``) and casts real-valued ones to ``dtype``.
      sample: ``sample(key, n, k) -> y``: random targets of the right form (for
        checks).
      classes: whether the targets are class labels (integers) rather than reals.
      n_classes: the fixed number of classes (2 for binary), or ``None``.
      min_outputs: the fewest network outputs the loss accepts.
      check_outputs: the output width of :func:`~jaxact.check_manual_grad`'s network.
    """

    name: str
    output: str
    fn: Callable[[ArrayLike, ArrayLike], Array]
    delta: Callable[[Array, Array], Array]
    hits: Callable[[Array, Array], Array] | None
    targets: Callable[[Array, int, int, Any], Array]
    sample: Callable[[Array, int, int], Array]
    classes: bool
    n_classes: int | None
    min_outputs: int
    check_outputs: int

    def width(self, n_classes: int | None) -> int:
        """The network's output width for ``n_classes`` classes (targets for regression).

        Args:
          n_classes: the number of classes (``None``: one real target).

        Returns:
          An int: ``n_classes`` for softmax, 1 for binary, 1 or ``n_classes`` for
          regression.

        Examples:
          >>> import jaxact as ja
          >>> ja.get_loss("softmax").width(3), ja.get_loss("binary").width(2)
          (3, 1)
        """
        if self.n_classes is not None:
            return 1
        return 1 if n_classes is None else int(n_classes)


_LOSSES: dict[str, Loss] = {
    rec.name: rec
    for rec in (
        Loss(
            "softmax", "softmax", softmax_cross_entropy, _softmax_delta, _softmax_hits,
            _softmax_targets, _class_labels, classes=True, n_classes=None, min_outputs=2,
            check_outputs=3,
        ),
        Loss(
            "binary", "sigmoid", sigmoid_binary_cross_entropy, _binary_delta, _binary_hits,
            _binary_targets, _binary_labels, classes=True, n_classes=2, min_outputs=1,
            check_outputs=1,
        ),
        Loss(
            "regression", "identity", mse, _mse_delta, None, _mse_targets, _real_samples,
            classes=False, n_classes=None, min_outputs=1, check_outputs=2,
        ),
    )
}  # fmt: skip
if tuple(_LOSSES) != _validate.LOSS_NAMES:
    raise ImportError(f"the loss registry {tuple(_LOSSES)} and _validate.LOSS_NAMES differ")


def loss_names() -> list[str]:
    """The names of the losses, in the registry's order.

    Returns:
      A list of str.

    Examples:
      >>> import jaxact as ja
      >>> ja.loss_names()
      ['softmax', 'binary', 'regression']
    """
    return list(_LOSSES)


def get_loss(loss: str | Loss, arg: str = "loss") -> Loss:
    """The :class:`Loss` record of a name (a record is returned as it is).

    Args:
      loss: ``"softmax"``, ``"binary"``, ``"regression"`` or a :class:`Loss`.
      arg: the argument's name in error messages. Default ``"loss"``.

    Returns:
      The :class:`Loss` record.

    Raises:
      ValueError: an unknown name (the closest ones are suggested).
      TypeError: neither a str nor a :class:`Loss`.

    Examples:
      >>> import jaxact as ja
      >>> ja.get_loss("binary").output
      'sigmoid'
    """
    if isinstance(loss, Loss):
        return loss
    return _LOSSES[_validate.choice(arg, loss, _LOSSES)]


def renamed_loss(loss: Any, kind: Any, where: str) -> Loss:
    """The record of ``loss``, or of the deprecated keyword ``kind`` with a warning.

    Args:
      loss: the value of ``loss`` (``None`` when not given).
      kind: the value of the deprecated ``kind`` (``None`` when not given).
      where: the function's name, for messages.

    Returns:
      The :class:`Loss` record.

    Raises:
      TypeError: both or neither given.
    """
    if kind is None:
        if loss is None:
            raise TypeError(f"`loss`: {where}() needs a loss ('softmax', 'binary', 'regression')")
        return get_loss(loss)
    if loss is not None:
        raise TypeError(f"`kind`: {where}() got both `loss` and its old name `kind`; pass `loss`")
    warnings.warn(
        f"{where}(kind=...) is deprecated; pass loss=... (the same values)",
        DeprecationWarning,
        stacklevel=3,
    )
    return get_loss(kind, "kind")


def accuracy(
    logits: ArrayLike, labels: ArrayLike, loss: str | Loss | None = None, *, kind: str | None = None
) -> Array:
    r"""Fraction of examples classified correctly.

    ``"softmax"``: :math:`\arg\max_j z_{ij} = y_i` (labels ``(n,)``, or the argmax of
    one-hot ``(n, k)``). ``"binary"``: :math:`[z_i > 0] = y_i`. ``"regression"`` has no
    accuracy: the result is NaN.

    Args:
      logits: ``(n, k)`` for softmax; ``(n, 1)`` or ``(n,)`` for binary.
      labels: as for the matching loss.
      loss: ``"softmax"``, ``"binary"``, ``"regression"`` or a :class:`Loss`.
      kind: the old name of ``loss`` (deprecated).

    Returns:
      A scalar in [0, 1] (NaN for regression) in ``logits``' dtype.

    Examples:
      >>> import jax.numpy as jnp, jaxact as ja
      >>> z = jnp.array([[2.0, 1.0], [0.0, 1.0], [3.0, 0.0]], dtype=jnp.float32)
      >>> ja.accuracy(z, jnp.array([0, 1, 1], dtype=jnp.int32), "softmax")
      Array(0.6666667, dtype=float32)
    """
    rec = renamed_loss(loss, kind, "accuracy")
    z = _float(_arr(logits, "logits"), "logits")
    if rec.hits is None:
        return jnp.full((), jnp.nan, z.dtype)
    hit = rec.hits(z, _arr(labels, "labels"))
    return jnp.mean(hit.astype(z.dtype))


def loss_for(
    loss: str | Loss | None = None, *, kind: str | None = None
) -> Callable[[Array, Array], Array]:
    """The loss on logits of a loss name.

    Args:
      loss: ``"softmax"`` (:func:`softmax_cross_entropy`), ``"binary"``
        (:func:`sigmoid_binary_cross_entropy`), ``"regression"`` (:func:`mse`) or a
        :class:`Loss`.
      kind: the old name of ``loss`` (deprecated).

    Returns:
      ``fn(logits, y) -> scalar``.

    Examples:
      >>> import jaxact as ja
      >>> ja.loss_for("binary").__name__
      'sigmoid_binary_cross_entropy'
    """
    return renamed_loss(loss, kind, "loss_for").fn


def prepare_targets(loss: Loss, y: Any, n: int, k: int, dtype: Any) -> Array:
    """Check targets ``y`` for ``n`` examples and a network with ``k`` outputs.

    Common checks (real numbers, one target per example, finite) and then the loss's
    own (:attr:`Loss.targets`); messages name ``y``.

    Args:
      loss: the :class:`Loss` record.
      y: the targets, array-like.
      n: the number of examples.
      k: the network's output width.
      dtype: the floating dtype real-valued targets are cast to.

    Returns:
      ``y`` as a JAX array (class labels kept as integers).
    """
    ya = _validate.real_array("y", y)
    if ya.shape[:1] != (n,):
        raise ValueError(
            f"`y`: expected {n} targets (one per row of `x`), got shape {tuple(ya.shape)}"
        )
    c = _concrete(ya)
    if c is not None and jnp.issubdtype(c.dtype, jnp.floating) and not np.all(np.isfinite(c)):
        bad = int(np.sum(~np.isfinite(c)))
        raise ValueError(f"`y`: expected finite values, got {bad} NaN or infinite entries")
    return loss.targets(ya, n, k, dtype)
