"""Argument checks shared by the public functions.

Each check raises ``ValueError`` or ``TypeError`` whose message names the argument in
back-ticks, states what was expected and what was received, and lists the valid
choices where there are any. Checks run at the Python level, before anything is traced.
"""

from __future__ import annotations

import difflib
import numbers
from collections.abc import Iterable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

LOSS_NAMES: tuple[str, ...] = ("softmax", "binary", "regression")
"""The names of the losses, for the data sets below the network (``jaxact.nn.losses``
owns the records and checks at import that its registry has these names). Each pairs
an output function with its loss on the logits (softmax cross-entropy on integer labels
or one-hot targets, binary cross-entropy on 0/1 labels, mean squared error on real
targets)."""

_DTYPE_KINDS = {
    "U": "text",
    "S": "bytes",
    "O": "Python objects",
    "c": "complex numbers",
    "M": "dates",
    "m": "time spans",
    "V": "raw records",
}


def dtype_text(dtype: Any) -> str:
    """``dtype <U3 (text)``: a dtype as messages quote it, with what it holds in words."""
    dt = np.dtype(dtype)
    what = None if jnp.issubdtype(dt, jnp.floating) else _DTYPE_KINDS.get(dt.kind)
    return f"dtype {dt}" + (f" ({what})" if what else "")


def closest(name: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """The up to ``n`` entries of ``choices`` closest to ``name``."""
    return difflib.get_close_matches(name, list(choices), n=n, cutoff=0.5)


def choice(arg: str, value: Any, choices: Iterable[str]) -> str:
    """Check that ``value`` is one of ``choices``; suggest the closest ones if not."""
    choices = list(choices)
    if not isinstance(value, str):
        raise TypeError(f"`{arg}`: expected one of {choices}, got {type(value).__name__}")
    if value not in choices:
        near = closest(value, choices)
        hint = f"; closest: {', '.join(near)}" if near else ""
        raise ValueError(f"`{arg}`: unknown value {value!r}{hint}. Valid: {', '.join(choices)}")
    return value


def positive_int(arg: str, value: Any) -> int:
    """Check that ``value`` is an int ≥ 1 (bools are rejected)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"`{arg}`: expected a positive int, got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"`{arg}`: expected a positive int, got {value}")
    return int(value)


def positive_float(arg: str, value: Any) -> float:
    """Check that ``value`` is a finite real number > 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{arg}`: expected a positive number, got {type(value).__name__}")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"`{arg}`: expected a finite number > 0, got {value}")
    return float(value)


def float_dtype(arg: str, dtype: Any) -> Any:
    """``dtype`` as a floating :class:`numpy.dtype`; a TypeError names ``arg`` otherwise."""
    try:
        dt = jnp.dtype(dtype)
    except TypeError as e:
        raise TypeError(f"`{arg}`: expected a floating dtype, got {dtype!r}") from e
    if not jnp.issubdtype(dt, jnp.floating):
        raise TypeError(f"`{arg}`: expected a floating dtype, got {dt}")
    return dt


def numeric_array(arg: str, x: Any) -> np.ndarray:
    """``x`` as a NumPy array of numbers or booleans; a ``TypeError`` for anything else.

    A ragged nesting of lists (rows of different lengths) is a ``ValueError``.
    """
    try:
        a = np.asarray(x)
    except ValueError as e:
        raise ValueError(
            f"`{arg}`: expected a rectangular array (rows of equal length), got a ragged "
            f"{type(x).__name__}"
        ) from e
    except Exception as e:
        raise TypeError(f"`{arg}`: expected a numeric array, got {type(x).__name__}") from e
    if a.dtype == object or not (
        np.issubdtype(a.dtype, np.number) or np.issubdtype(a.dtype, np.bool_)
    ):
        raise TypeError(
            f"`{arg}`: expected a numeric array (float, int or bool), got "
            f"{type(x).__name__} of {dtype_text(a.dtype)}"
        )
    return a


def real_array(arg: str, x: Any) -> jax.Array:
    """``x`` as a JAX array of real numbers (float, int or bool); a ``TypeError`` for
    anything else (complex numbers, strings, objects), naming ``arg``."""
    xa = x if isinstance(x, jax.Array) else jnp.asarray(numeric_array(arg, x))
    if not (
        jnp.issubdtype(xa.dtype, jnp.floating)
        or jnp.issubdtype(xa.dtype, jnp.integer)
        or xa.dtype == jnp.bool_
    ):
        raise TypeError(
            f"`{arg}`: expected real numbers (float, int or bool), got {dtype_text(xa.dtype)}"
        )
    return xa


def float_leaf(arg: str, v: Any) -> np.dtype:
    """The dtype of a parameter array ``v``; a ``TypeError`` unless it is floating.

    Integer parameters would cast the inputs to integers (truncating them) and give
    all-zero gradients, so they are refused rather than converted.
    """
    dt = getattr(v, "dtype", None)
    if dt is None:
        try:
            dt = np.asarray(v).dtype
        except ValueError:
            dt = np.dtype(object)
    dt = np.dtype(dt)
    if not jnp.issubdtype(dt, jnp.floating):
        raise TypeError(
            f"`{arg}`: expected a floating array (float32 or float64, as init_mlp makes "
            f"them), got {dtype_text(dt)}; cast it, e.g. jnp.asarray(w, jnp.float32)"
        )
    return dt


def features(arg: str, x: Any, *, width: int | None = None) -> np.ndarray:
    """Check a feature matrix: numeric (integers accepted), 2-D, non-empty, finite.

    Args:
      arg: the argument's name, for messages.
      x: array-like of shape ``(n, d)``.
      width: the expected ``d``, if known (the first layer's width).

    Returns:
      ``x`` as a NumPy array (integer and boolean features kept as they are; the
      caller casts).
    """
    a = numeric_array(arg, x)
    if np.issubdtype(a.dtype, np.complexfloating):
        raise TypeError(f"`{arg}`: expected real numbers, got dtype {a.dtype}")
    if a.ndim != 2:
        raise ValueError(f"`{arg}`: expected a 2-D array (examples, features), got shape {a.shape}")
    if a.shape[0] == 0:
        raise ValueError(f"`{arg}`: expected at least one example, got shape {a.shape}")
    if width is not None and a.shape[1] != width:
        raise ValueError(
            f"`{arg}`: the first layer expects {width} features, got {a.shape[1]} (shape {a.shape})"
        )
    if np.issubdtype(a.dtype, np.floating) and not np.all(np.isfinite(a)):
        bad = int(np.sum(~np.isfinite(a)))
        raise ValueError(f"`{arg}`: expected finite values, got {bad} NaN or infinite entries")
    return a
