r"""Small learning tasks: toy problems, the source texts' examples, iris, and user files.

Every task is a :class:`Task`: a feature matrix ``x`` of shape ``(n, d)``, targets ``y``
and a ``loss`` that fixes the output layer and the loss (the records of
:func:`~jaxact.get_loss`):

========== ================================= ============================ ===============
loss       ``y``                             output layer                 loss
========== ================================= ============================ ===============
binary     int32 ``(n,)``, values 0/1        1 unit, sigmoid              binary CE
softmax    int32 ``(n,)``, values 0..k−1     k units, softmax             softmax CE
regression float32 ``(n, 1)``                1 unit, identity             mean squared
========== ================================= ============================ ===============

Built-in tasks (:func:`task_names`), each made by :func:`load_task` from its options and
nothing else (random ones draw from ``numpy.random.default_rng(seed)``, so the same
options give the same arrays):

* ``xor`` — the four corners of the unit square, label x₁ XOR x₂; binary. No
  linear model separates them.
* ``piecewise`` — the piecewise-linear function of the source texts (fitted there by
  two hand-set sigmoids), on a grid over [−2, 6]; regression. See
  :func:`piecewise_target`.
* ``wiggle`` — a smooth target with several bumps of different widths on [−2, 6];
  regression. See :func:`wiggle_target`.
* ``sin`` — one period of sin on [−π, π]; regression.
* ``spirals`` — two interleaved spirals; binary.
* ``moons`` — two interleaving half circles; binary.
* ``checkerboard`` — uniform points on [−1, 1]², labelled by the colour of their square
  on a 4 × 4 checkerboard; binary. With one hidden layer of 32 units (Adam 1e-2, 1,000
  full-batch steps) the activations differ here by several points of test accuracy:
  tanh is 4–8 points ahead of relu on boards drawn with seeds 0–2.
* ``flowers`` — the 4-row table of the source texts (features x1, x2, x3, labels
  yes → 1, no → 0); binary. Its features stay integer, as in the table.
* ``iris`` — Fisher's iris data (150 × 4, 50 per species), bundled with the package;
  softmax over setosa, versicolor, virginica (0, 1, 2).
* ``digits`` — the UCI optical recognition of handwritten digits (1,797 images of 8×8
  pixel counts 0..16, 174–183 per digit), bundled with the package; softmax over the
  digits 0..9. Its features are the counts divided by 16, in [0, 1]. Data: E. Alpaydin,
  C. Kaynak (1998), UCI Machine Learning Repository, https://doi.org/10.24432/C50P49,
  licensed CC BY 4.0.

Features are raw values (``digits``: scaled to [0, 1]) unless ``standardize=True`` is
passed (then every column has mean 0 and standard deviation 1, as float32).

:func:`split_task` splits a task into a training and a held-out test part, stratified
by class and fixed by a seed.

A user's own CSV or NPZ file is read by :func:`load_task_file`.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import gzip
import importlib.resources
import io
import math
import numbers
import os
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from jaxact import _validate

__all__ = [
    "Task",
    "load_task",
    "load_task_file",
    "piecewise_target",
    "split_task",
    "task_names",
    "wiggle_target",
]

LossName = Literal["softmax", "binary", "regression"]


@dataclasses.dataclass(frozen=True, eq=False)
class Task:
    """A data set and what to learn from it.

    Attributes:
      name: the task's name (``"iris"``, or the file's stem for a user's file).
      x: features, shape ``(n, d)``; float32 (integer for the ``flowers`` table).
      y: targets: int32 class indices, shape ``(n,)``, for losses ``"softmax"`` and
        ``"binary"`` (0/1); float32, shape ``(n, 1)``, for ``"regression"``.
      loss: ``"softmax"``, ``"binary"`` or ``"regression"`` (the name of a
        :class:`~jaxact.Loss`); ``kind`` is its old name (deprecated).
      n_classes: number of classes (2 for binary), ``None`` for regression.
      description: one line saying what the task is.
      feature_names: one name per column of ``x``.
      class_names: one name per class index (empty for regression).
    """

    name: str
    x: np.ndarray
    y: np.ndarray
    loss: LossName
    n_classes: int | None
    description: str
    feature_names: tuple[str, ...] = ()
    class_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        try:
            _validate.choice("loss", self.loss, _validate.LOSS_NAMES)
        except ValueError as e:
            raise ValueError(f"{e} (`loss` is the field formerly named `kind`)") from None
        x = _validate.features("x", self.x)
        y = np.asarray(self.y)
        n = x.shape[0]
        if self.loss == "regression":
            if y.shape != (n, 1) or not np.issubdtype(y.dtype, np.floating):
                raise ValueError(
                    f"`y`: a regression task expects float targets of shape ({n}, 1), "
                    f"got {y.dtype} {y.shape}"
                )
            if self.n_classes is not None:
                raise ValueError(f"`n_classes`: expected None for regression, got {self.n_classes}")
        else:
            if y.shape != (n,) or not np.issubdtype(y.dtype, np.integer):
                raise ValueError(
                    f"`y`: a {self.loss} task expects integer labels of shape ({n},), "
                    f"got {y.dtype} {y.shape}"
                )
            want = 2 if self.loss == "binary" else self.n_classes
            if not isinstance(self.n_classes, int) or self.n_classes < 2 or self.n_classes != want:
                raise ValueError(
                    f"`n_classes`: expected {'2' if self.loss == 'binary' else 'an int >= 2'} "
                    f"for a {self.loss} task, got {self.n_classes!r}"
                )
            if y.min() < 0 or y.max() >= self.n_classes:
                raise ValueError(
                    f"`y`: labels must lie in 0..{self.n_classes - 1}, "
                    f"got values in {y.min()}..{y.max()}"
                )
        if self.feature_names and len(self.feature_names) != x.shape[1]:
            raise ValueError(
                f"`feature_names`: expected {x.shape[1]} names, got {len(self.feature_names)}"
            )

    @property
    def kind(self) -> str:
        """The old name of :attr:`loss` (deprecated)."""
        warnings.warn("Task.kind is deprecated; use Task.loss", DeprecationWarning, stacklevel=2)
        return self.loss

    @property
    def n(self) -> int:
        """Number of examples."""
        return int(self.x.shape[0])

    @property
    def d(self) -> int:
        """Number of features."""
        return int(self.x.shape[1])

    def sizes(self, hidden: Sequence[int] = (6, 6)) -> tuple[int, ...]:
        """Layer widths of an MLP for this task: ``(d, *hidden, out)``.

        ``out`` is ``n_classes`` for ``"softmax"`` and 1 for ``"binary"`` and
        ``"regression"``.

        Args:
          hidden: widths of the hidden layers; positive ints. Default ``(6, 6)``.

        Returns:
          A tuple of ints of length ``len(hidden) + 2``.

        Examples:
          >>> import jaxact as ja
          >>> ja.load_task("iris").sizes((6, 6))
          (4, 6, 6, 3)
          >>> ja.load_task("xor").sizes((2,))
          (2, 2, 1)
        """
        if isinstance(hidden, numbers.Integral | str) or not isinstance(hidden, Sequence):
            raise TypeError(
                f"`hidden`: expected a sequence of positive ints, got {type(hidden).__name__} "
                f"{hidden!r}"
            )
        widths = tuple(_validate.positive_int("hidden", h) for h in hidden)
        out = self.n_classes if self.loss == "softmax" else 1
        return (self.d, *widths, int(out))


# --------------------------------------------------------------------------------------
# Targets of the 1-D regression tasks
# --------------------------------------------------------------------------------------


def piecewise_target(x: Any) -> np.ndarray:
    r"""The piecewise-linear function of the source texts.

    .. math::
      f(x) = \begin{cases}
        0 & x < 0 \\ 2x & 0 \le x < 2 \\ 6 - x & 2 \le x < 4 \\ 2 & x \ge 4
      \end{cases}

    It is continuous, with kinks at 0, 2 and 4 (a ramp up, a ramp down, two flat
    stretches). The source approximates it by a network with two sigmoid hidden units
    and hand-set weights: 4·σ(2.4x − 2.4) + 2·σ(−2.4x + 7.4) − 2.

    Args:
      x: array-like of any shape.

    Returns:
      A float64 NumPy array of the same shape as ``x``.

    Examples:
      >>> import jaxact as ja
      >>> ja.piecewise_target([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
      array([0., 0., 2., 4., 3., 2., 2.])
    """
    x = np.asarray(x, dtype=np.float64)
    return np.select([x < 0, x < 2, x < 4], [np.zeros_like(x), 2.0 * x, 6.0 - x], 2.0)


def wiggle_target(x: Any) -> np.ndarray:
    r"""A smooth 1-D target with several bumps of different widths.

    .. math::
      f(x) = \sin(2x) + \tfrac12 \sin(5x + 1) + 0.2\,x

    On [−2, 6] it has thirteen local extrema, narrow ones from the second term riding on
    wide ones from the first, and a slow upward trend: a curve that a sum of a few
    sigmoids cannot follow, so it shows how width buys approximation.

    Args:
      x: array-like of any shape.

    Returns:
      A float64 NumPy array of the same shape as ``x``.

    Examples:
      >>> import jaxact as ja
      >>> ja.wiggle_target([0.0, 1.0]).round(4)
      array([0.4207, 0.9696])
    """
    x = np.asarray(x, dtype=np.float64)
    return np.sin(2.0 * x) + 0.5 * np.sin(5.0 * x + 1.0) + 0.2 * x


# --------------------------------------------------------------------------------------
# Argument checks
# --------------------------------------------------------------------------------------


def _nonneg_int(arg: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"`{arg}`: expected a non-negative int, got {type(value).__name__} {value!r}"
        )
    if value < 0:
        raise ValueError(f"`{arg}`: expected a non-negative int, got {value}")
    return int(value)


def _nonneg_float(arg: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"`{arg}`: expected a non-negative number, got {type(value).__name__} {value!r}"
        )
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"`{arg}`: expected a finite number >= 0, got {value}")
    return float(value)


def _min_int(arg: str, value: Any, lo: int) -> int:
    v = _validate.positive_int(arg, value)
    if v < lo:
        raise ValueError(f"`{arg}`: expected an int >= {lo}, got {v}")
    return v


def _bool(arg: str, value: Any) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"`{arg}`: expected True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def _standardized(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    std = x.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return ((x - x.mean(axis=0)) / std).astype(np.float32)


# --------------------------------------------------------------------------------------
# The built-in tasks
# --------------------------------------------------------------------------------------


def _xor(copies: int = 1, noise: float = 0.0, seed: int = 0) -> Task:
    copies = _validate.positive_int("copies", copies)
    noise = _nonneg_float("noise", noise)
    seed = _nonneg_int("seed", seed)
    corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    x = np.tile(corners, (copies, 1))
    y = np.tile(np.array([0, 1, 1, 0], dtype=np.int32), copies)
    if noise > 0:
        x = x + noise * np.random.default_rng(seed).standard_normal(x.shape)
    desc = "XOR of two bits: the four corners of the unit square, label x1 != x2"
    if copies > 1 or noise > 0:
        desc += f" ({copies} copies, Gaussian noise std {noise:g})"
    return Task(
        "xor",
        x.astype(np.float32),
        y,
        "binary",
        2,
        desc,
        feature_names=("x1", "x2"),
        class_names=("0", "1"),
    )


def _grid_regression(
    name: str,
    target: Callable[[np.ndarray], np.ndarray],
    desc: str,
    n: int,
    lo: float,
    hi: float,
    noise: float,
    seed: int,
) -> Task:
    n = _min_int("n", n, 2)
    for arg, v in (("lo", lo), ("hi", hi)):
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
            raise TypeError(f"`{arg}`: expected a finite number, got {type(v).__name__} {v!r}")
    if not lo < hi:
        raise ValueError(f"`lo`, `hi`: expected lo < hi, got lo={lo}, hi={hi}")
    noise = _nonneg_float("noise", noise)
    seed = _nonneg_int("seed", seed)
    x = np.linspace(lo, hi, n).astype(np.float32)[:, None]
    # The target is evaluated at the float32 grid points, so (x, y) agree exactly.
    y = target(x.astype(np.float64))
    if noise > 0:
        y = y + noise * np.random.default_rng(seed).standard_normal(y.shape)
    if noise > 0:
        desc += f", Gaussian noise std {noise:g}"
    return Task(
        name,
        x,
        y.astype(np.float32),
        "regression",
        None,
        f"{desc}; {n} points on [{lo:g}, {hi:g}]",
        feature_names=("x",),
    )


def _piecewise(
    n: int = 81, lo: float = -2.0, hi: float = 6.0, noise: float = 0.0, seed: int = 0
) -> Task:
    return _grid_regression(
        "piecewise",
        piecewise_target,
        "piecewise linear: 0 (x<0), 2x (0<=x<2), 6-x (2<=x<4), 2 (x>=4)",
        n,
        lo,
        hi,
        noise,
        seed,
    )


def _wiggle(
    n: int = 161, lo: float = -2.0, hi: float = 6.0, noise: float = 0.0, seed: int = 0
) -> Task:
    return _grid_regression(
        "wiggle", wiggle_target, "sin(2x) + sin(5x+1)/2 + x/5", n, lo, hi, noise, seed
    )


def _sin(
    n: int = 64, lo: float = -math.pi, hi: float = math.pi, noise: float = 0.0, seed: int = 0
) -> Task:
    return _grid_regression("sin", np.sin, "sin(x)", n, lo, hi, noise, seed)


def _spirals(n: int = 200, noise: float = 0.05, turns: float = 1.5, seed: int = 0) -> Task:
    n = _min_int("n", n, 4)
    noise = _nonneg_float("noise", noise)
    turns = _validate.positive_float("turns", turns)
    seed = _nonneg_int("seed", seed)
    rng = np.random.default_rng(seed)
    m0 = n - n // 2
    counts = (m0, n // 2)
    xs, ys = [], []
    for c, m in enumerate(counts):
        # Radius grows linearly with the angle; the second spiral is the first turned by π.
        t = np.sqrt(rng.uniform(0.0, 1.0, m)) * turns * 2.0 * np.pi
        r = t / (turns * 2.0 * np.pi)
        pts = np.stack([r * np.cos(t + c * np.pi), r * np.sin(t + c * np.pi)], axis=1)
        xs.append(pts + noise * rng.standard_normal(pts.shape))
        ys.append(np.full(m, c, dtype=np.int32))
    return Task(
        "spirals",
        np.concatenate(xs).astype(np.float32),
        np.concatenate(ys),
        "binary",
        2,
        f"two interleaved spirals ({turns:g} turns, radius <= 1), {n} points, "
        f"Gaussian noise std {noise:g}, seed {seed}",
        feature_names=("x1", "x2"),
        class_names=("0", "1"),
    )


def _moons(n: int = 200, noise: float = 0.1, seed: int = 0) -> Task:
    n = _min_int("n", n, 4)
    noise = _nonneg_float("noise", noise)
    seed = _nonneg_int("seed", seed)
    rng = np.random.default_rng(seed)
    m0 = n - n // 2
    t0 = np.linspace(0.0, np.pi, m0)
    t1 = np.linspace(0.0, np.pi, n // 2)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    lower = np.stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    x = np.concatenate([upper, lower])
    x = x + noise * rng.standard_normal(x.shape)
    y = np.concatenate([np.zeros(m0, np.int32), np.ones(n // 2, np.int32)])
    return Task(
        "moons",
        x.astype(np.float32),
        y,
        "binary",
        2,
        f"two interleaving half circles, {n} points, Gaussian noise std {noise:g}, seed {seed}",
        feature_names=("x1", "x2"),
        class_names=("0", "1"),
    )


def _checkerboard(n: int = 600, cells: int = 4, seed: int = 0) -> Task:
    n = _min_int("n", n, 4)
    cells = _min_int("cells", cells, 2)
    seed = _nonneg_int("seed", seed)
    x = np.random.default_rng(seed).uniform(-1.0, 1.0, (n, 2))
    # The square [-1, 1]^2 cut into cells x cells squares, coloured alternately.
    idx = np.minimum(np.floor((x + 1.0) * (cells / 2.0)), cells - 1).astype(np.int64)
    y = ((idx[:, 0] + idx[:, 1]) % 2).astype(np.int32)
    return Task(
        "checkerboard",
        x.astype(np.float32),
        y,
        "binary",
        2,
        f"a {cells} x {cells} checkerboard on [-1, 1]^2, {n} uniform points, label the "
        f"colour of the square, seed {seed}",
        feature_names=("x1", "x2"),
        class_names=("0", "1"),
    )


def _flowers() -> Task:
    x = np.array([[5, 1, 2], [3, 9, 8], [1, 2, 3], [9, 9, 9]], dtype=np.int32)
    y = np.array([1, 0, 1, 0], dtype=np.int32)
    return Task(
        "flowers",
        x,
        y,
        "binary",
        2,
        "the source texts' 4-row flower table: integer features x1, x2, x3; label yes (1) / no (0)",
        feature_names=("x1", "x2", "x3"),
        class_names=("no", "yes"),
    )


_IRIS_SPECIES = ("setosa", "versicolor", "virginica")


def _iris() -> Task:
    text = importlib.resources.files("jaxact").joinpath("data/iris.csv").read_text("utf-8")
    rows = list(csv.reader(text.splitlines()))
    header, body = rows[0], [r for r in rows[1:] if r]
    x = np.array([[float(v) for v in r[:4]] for r in body], dtype=np.float32)
    y = np.array([_IRIS_SPECIES.index(r[4]) for r in body], dtype=np.int32)
    return Task(
        "iris",
        x,
        y,
        "softmax",
        3,
        "Fisher's iris flowers: 150 x 4 measurements in cm, 3 species (50 each)",
        feature_names=tuple(header[:4]),
        class_names=_IRIS_SPECIES,
    )


DIGITS_SHA256 = "6ebb3d2fee246a4e99363262ddf8a00a3c41bee6014c373ed9d9216ba7f651b8"
"""SHA-256 of the bundled ``data/digits.csv.gz`` once decompressed (1,797 CSV rows)."""


def _digits() -> Task:
    # One row per image: 64 pixel counts (rows of the 8x8 image, top to bottom), then
    # the digit. The file is the UCI set's 1,797-image test part, as shipped by
    # scikit-learn (sklearn/datasets/data/digits.csv.gz).
    raw = importlib.resources.files("jaxact").joinpath("data/digits.csv.gz").read_bytes()
    table = np.loadtxt(io.BytesIO(gzip.decompress(raw)), delimiter=",", dtype=np.int64)
    return Task(
        "digits",
        (table[:, :64] / 16.0).astype(np.float32),
        table[:, 64].astype(np.int32),
        "softmax",
        10,
        "UCI optical recognition of handwritten digits: 1797 images of 8 x 8 pixel counts "
        "0..16 scaled to [0, 1], 10 digits (174-183 each); E. Alpaydin, C. Kaynak (1998), "
        "UCI ML Repository, doi:10.24432/C50P49, CC BY 4.0",
        feature_names=tuple(f"r{r}c{c}" for r in range(8) for c in range(8)),
        class_names=tuple(str(d) for d in range(10)),
    )


_TASKS: dict[str, Callable[..., Task]] = {
    "xor": _xor,
    "piecewise": _piecewise,
    "wiggle": _wiggle,
    "sin": _sin,
    "spirals": _spirals,
    "moons": _moons,
    "checkerboard": _checkerboard,
    "flowers": _flowers,
    "iris": _iris,
    "digits": _digits,
}


def task_names() -> list[str]:
    """The names of the built-in tasks, for :func:`load_task`.

    Returns:
      A list of strings.

    Examples:
      >>> import jaxact as ja
      >>> ja.task_names()
      ['xor', 'piecewise', 'wiggle', 'sin', 'spirals', 'moons', 'checkerboard', 'flowers',
       'iris', 'digits']
    """
    return list(_TASKS)


def _options(name: str) -> list[str]:
    import inspect

    return [*inspect.signature(_TASKS[name]).parameters, "standardize"]


def load_task(name: str, *, standardize: bool = False, **options: Any) -> Task:
    """Build a built-in task by name.

    Options (all keyword, all optional; each task accepts only the ones that make sense
    for it — an unknown one raises ``TypeError`` listing the valid ones):

    * ``xor``: ``copies=1`` (repeat the four corners), ``noise=0.0`` (std of Gaussian
      noise added to the features), ``seed=0``.
    * ``piecewise`` / ``wiggle`` / ``sin``: ``n`` grid points (81 / 161 / 64) on
      ``[lo, hi]`` ([−2, 6] / [−2, 6] / [−π, π]); ``noise=0.0`` added to the targets,
      ``seed=0``.
    * ``spirals``: ``n=200``, ``noise=0.05``, ``turns=1.5``, ``seed=0``.
    * ``moons``: ``n=200``, ``noise=0.1``, ``seed=0``.
    * ``checkerboard``: ``n=600``, ``cells=4`` (squares per side), ``seed=0``.
    * ``flowers``, ``iris``, ``digits``: none.

    Args:
      name: one of :func:`task_names`.
      standardize: if True, shift and scale each feature column to mean 0 and
        standard deviation 1 (float32). Default False: raw values, as in the sources.
      **options: the task's options, listed above.

    Returns:
      A :class:`Task`. The same name and options give the same arrays.

    Raises:
      ValueError: unknown name (closest names listed), or an option out of range.
      TypeError: an unknown option, or an option of the wrong type.

    Examples:
      >>> import jaxact as ja
      >>> t = ja.load_task("iris")
      >>> t.x.shape, t.x.dtype, t.y.shape, t.loss, t.n_classes
      ((150, 4), dtype('float32'), (150,), 'softmax', 3)
      >>> ja.load_task("flowers").x
      array([[5, 1, 2],
             [3, 9, 8],
             [1, 2, 3],
             [9, 9, 9]], dtype=int32)
      >>> ja.load_task("piecewise", n=5, lo=0.0, hi=4.0).y[:, 0]
      array([0., 2., 4., 3., 2.], dtype=float32)
    """
    if isinstance(name, str):
        name = name.strip().lower()
    _validate.choice("task", name, _TASKS)
    valid = _options(name)
    for key in options:
        if key not in valid:
            near = _validate.closest(key, valid)
            hint = f"; closest: {', '.join(near)}" if near else ""
            raise TypeError(
                f"`{key}`: not an option of task {name!r}{hint}. Valid options: {', '.join(valid)}"
            )
    standardize = _bool("standardize", standardize)
    task = _TASKS[name](**options)
    if standardize:
        task = dataclasses.replace(
            task, x=_standardized(task.x), description=task.description + "; standardized"
        )
    return task


# --------------------------------------------------------------------------------------
# A held-out split
# --------------------------------------------------------------------------------------


def _test_counts(sizes: np.ndarray, test_fraction: float) -> np.ndarray:
    """Test examples per group: the largest-remainder rounding of ``test_fraction * sizes``.

    Each count is the floor or the ceiling of its group's quota, and they add up to
    ``round(test_fraction * sizes.sum())``.
    """
    quota = test_fraction * sizes.astype(np.float64)
    counts = np.floor(quota).astype(np.int64)
    left = round(test_fraction * int(sizes.sum())) - int(counts.sum())
    # Ties go to the lower group index (a stable sort of the negated remainders).
    order = np.argsort(-(quota - counts), kind="stable")
    counts[order[: max(left, 0)]] += 1
    return counts


def _split_counts(task: Task, f: float) -> tuple[list[np.ndarray], np.ndarray]:
    """The strata of ``task`` (its classes, or all rows) and how many of each to hold out."""
    if task.n_classes is None:  # regression
        groups = [np.arange(task.n)]
        labels = ["the task"]
    else:
        groups = [np.flatnonzero(task.y == c) for c in range(int(task.n_classes or 0))]
        labels = [
            f"class {task.class_names[c]!r}" if task.class_names else f"class {c}"
            for c in range(len(groups))
        ]
    sizes = np.array([g.size for g in groups], dtype=np.int64)
    counts = _test_counts(sizes, f)
    for label, size, k in zip(labels, sizes, counts, strict=True):
        if k < 1 or k > size - 1:
            raise ValueError(
                f"`task`: {label} of {task.name!r} has {size} example{'s' if size != 1 else ''}; "
                f"test_fraction={f:g} puts {k} in the test part and {size - k} in the training "
                f"part, and each part needs at least one. Pass a `test_fraction` nearer 0.5 or "
                f"a larger task"
            )
    return groups, counts


def split_task(task: Task, *, test_fraction: float = 0.25, seed: int = 0) -> tuple[Task, Task]:
    r"""Split a task into a training part and a held-out test part.

    Classification tasks (``"softmax"``, ``"binary"``) are split class by class: class
    :math:`c` with :math:`n_c` examples puts :math:`\lfloor f n_c \rfloor` or
    :math:`\lceil f n_c \rceil` of them (``f = test_fraction``) in the test part, chosen
    by largest remainder so that the test part holds :math:`\operatorname{round}(f n)`
    examples and every class keeps its share within one example. Regression tasks put
    :math:`\operatorname{round}(f n)` examples in the test part. Which examples go where
    is drawn from ``numpy.random.default_rng(seed)`` (one permutation per class, in
    class order): the same task, fraction and seed give the same split. Both parts keep
    the task's row order, name, loss and names; the description says which part it is.

    Args:
      task: a :class:`Task`.
      test_fraction: the share of examples held out, a number in (0, 1). Default 0.25.
      seed: a non-negative int. Default 0.

    Returns:
      ``(train, test)``: two :class:`Task` objects whose rows partition ``task``'s rows,
      with ``n - round(f n)`` and ``round(f n)`` examples.

    Raises:
      ValueError: ``test_fraction`` outside (0, 1), a negative seed, or a class (for
        regression: the task) too small for both parts to get at least one example.
      TypeError: ``task`` not a :class:`Task`, or an argument of the wrong type.

    Examples:
      >>> import numpy as np, jaxact as ja
      >>> train, test = ja.split_task(ja.load_task("iris"), test_fraction=0.2, seed=0)
      >>> train.n, test.n, np.bincount(test.y).tolist()
      (120, 30, [10, 10, 10])
      >>> train, test = ja.split_task(ja.load_task("digits"))
      >>> train.n, test.n, np.bincount(test.y).tolist()
      (1348, 449, [45, 46, 44, 46, 45, 45, 45, 45, 43, 45])
    """
    if not isinstance(task, Task):
        raise TypeError(
            f"`task`: expected a jaxact Task (e.g. ja.load_task('digits')), "
            f"got {type(task).__name__}"
        )
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, numbers.Real):
        raise TypeError(
            f"`test_fraction`: expected a number in (0, 1), got {type(test_fraction).__name__} "
            f"{test_fraction!r}"
        )
    f = float(test_fraction)
    if not 0.0 < f < 1.0:
        raise ValueError(f"`test_fraction`: expected a number in (0, 1), got {test_fraction!r}")
    seed = _nonneg_int("seed", seed)

    groups, counts = _split_counts(task, f)
    rng = np.random.default_rng(seed)
    held = np.zeros(task.n, dtype=bool)
    for g, k in zip(groups, counts, strict=True):
        held[rng.permutation(g)[:k]] = True
    how = "stratified by class, " if task.n_classes is not None else ""
    parts = []
    for mask, part in ((~held, "training"), (held, "test")):
        parts.append(
            dataclasses.replace(
                task,
                x=task.x[mask],
                y=task.y[mask],
                description=f"{task.description}; {part} part ({int(mask.sum())} of {task.n}, "
                f"{how}test_fraction {f:g}, seed {seed})",
            )
        )
    return parts[0], parts[1]


# --------------------------------------------------------------------------------------
# A user's CSV / NPZ file
# --------------------------------------------------------------------------------------

_MAX_CLASSES = 20
_MIN_ROWS = 2


def _missing_column(arg: str, col: str, columns: Sequence[str], path: Path) -> ValueError:
    near = _validate.closest(col, columns)
    hint = f"; closest: {', '.join(near)}" if near else ""
    return ValueError(
        f"`{arg}`: no column {col!r} in {path.name}{hint}. Columns: {', '.join(columns)}"
    )


def _select_columns(
    path: Path, names: list[str], label: str, features: Sequence[str] | None, unit: str
) -> list[str]:
    """The feature columns (or arrays: ``unit``) of a file with columns ``names``, checked."""
    if label not in names:
        raise _missing_column("label", label, names, path)
    feats = list(features) if features is not None else [c for c in names if c != label]
    for c in feats:
        if c not in names:
            raise _missing_column("features", c, names, path)
    if label in feats:
        raise ValueError(f"`features`: the label {unit} {label!r} cannot also be a feature")
    if not feats:
        raise ValueError(f"`features`: {path.name} has no {unit} besides the label {label!r}")
    return feats


def _read_csv(path: Path) -> dict[str, list[str]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            rows = [r for r in csv.reader(f) if any(c.strip() for c in r)]
    except UnicodeDecodeError as e:
        raise ValueError(f"`path`: {path.name} is not a UTF-8 text CSV file ({e.reason})") from e
    except csv.Error as e:
        raise ValueError(f"`path`: {path.name} is not a valid CSV file ({e})") from e
    if not rows:
        raise ValueError(f"`path`: {path.name} is empty; expected a header row and data rows")
    header = [h.strip() for h in rows[0]]
    if len(set(header)) != len(header) or any(not h for h in header):
        raise ValueError(f"`path`: {path.name} needs a header row of distinct, non-empty names")
    columns: dict[str, list[str]] = {h: [] for h in header}
    for i, r in enumerate(rows[1:], start=2):
        if len(r) != len(header):
            raise ValueError(
                f"`path`: {path.name} line {i} has {len(r)} fields, the header has {len(header)}"
            )
        for h, v in zip(header, r, strict=True):
            columns[h].append(v.strip())
    return columns


def _check_rows(path: Path, n: int) -> None:
    if n < _MIN_ROWS:
        raise ValueError(f"`path`: {path.name} has {n} data rows; expected at least {_MIN_ROWS}")


def _csv_numeric(path: Path, col: str, values: list[str]) -> np.ndarray:
    out = np.empty(len(values), dtype=np.float64)
    for i, v in enumerate(values):
        if not v:
            raise ValueError(
                f"`features`: column {col!r} of {path.name} has a missing value (line {i + 2})"
            )
        try:
            out[i] = float(v)
        except ValueError:
            raise ValueError(
                f"`features`: column {col!r} of {path.name} is not numeric "
                f"(line {i + 2}: {v!r}); pick numeric columns with `features`"
            ) from None
    return out


def _is_text(head: bytes) -> bool:
    """Whether ``head``, the first bytes of a file, reads as UTF-8 text."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return all(c >= 32 or c in b"\t\r\n" for c in head)


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    # An NPZ file is a zip archive: it starts with the zip magic "PK\x03\x04" (or
    # "PK\x05\x06" when empty). Anything else (a CSV renamed, a .npy file) is named
    # for what it is before numpy tries to read it.
    with path.open("rb") as f:
        head = f.read(512)
    if not head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        if head.startswith(b"\x93NUMPY"):
            what = "a single .npy array (numpy.save); store arrays with numpy.savez"
        elif not head:
            what = "empty"
        else:
            what = "not an NPZ (zip) file" + (
                "; it looks like text (a CSV file? name it .csv)" if _is_text(head) else ""
            )
        raise ValueError(f"`path`: {path.name} is {what}")
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except ValueError as e:
        raise ValueError(
            f"`path`: {path.name} holds object arrays, which are not loaded; "
            f"store numbers or fixed-width strings ({e})"
        ) from e
    except (OSError, EOFError) as e:
        raise ValueError(f"`path`: {path.name} is not a readable NPZ file ({e})") from e
    if not arrays:
        raise ValueError(f"`path`: {path.name} holds no arrays")
    return arrays


def _labels(
    values: np.ndarray, *, numeric: bool, kind: str | None, label: str, arg: str = "loss"
) -> tuple[np.ndarray, str, int | None, tuple[str, ...]]:
    """Targets from a label column: class indices (sorted classes) or float targets.

    ``kind`` is the loss name asked for (``None``: inferred); ``arg`` names it in messages.
    """
    if numeric:
        v = values.astype(np.float64)
        if not np.all(np.isfinite(v)):
            raise ValueError(f"`label`: column {label!r} has NaN or infinite values")
        distinct = np.unique(v)
        integral = bool(np.all(v == np.round(v)))
        if kind is None:
            classes = integral and len(distinct) <= min(_MAX_CLASSES, max(len(v) - 1, 2))
            kind = ("binary" if len(distinct) == 2 else "softmax") if classes else "regression"
        if kind == "regression":
            return v.astype(np.float32)[:, None], "regression", None, ()
        names = tuple(f"{c:g}" for c in distinct)
        idx = np.searchsorted(distinct, v)
    else:
        if kind == "regression":
            raise ValueError(
                f"`{arg}`: 'regression' needs a numeric label column; {label!r} holds text "
                f"(e.g. {values[0]!r})"
            )
        distinct = np.unique(values)
        names = tuple(str(c) for c in distinct)
        idx = np.searchsorted(distinct, values)
        if kind is None:
            kind = "binary" if len(distinct) == 2 else "softmax"
    k = len(distinct)
    if k < 2:
        raise ValueError(
            f"`label`: column {label!r} has a single value {names[0]!r}; "
            f"a classification task needs at least 2 classes"
        )
    if kind == "binary" and k != 2:
        raise ValueError(
            f"`{arg}`: 'binary' needs exactly 2 classes; column {label!r} has {k}: "
            f"{', '.join(names[:6])}{', ...' if k > 6 else ''}"
        )
    return idx.astype(np.int32), kind, k, names


def _check_file_args(
    path: Any, label: Any, features: Any, loss: Any, kind: Any
) -> tuple[Path, str | None, str]:
    """Check ``load_task_file``'s arguments: the path, the loss name and its keyword."""
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"`path`: expected a file path, got {type(path).__name__}")
    p = Path(path)
    if not isinstance(label, str):
        raise TypeError(f"`label`: expected a column name (str), got {type(label).__name__}")
    if features is not None:
        if isinstance(features, str) or not isinstance(features, Sequence):
            raise TypeError(
                f"`features`: expected a list of column names, got {type(features).__name__}"
            )
        if not all(isinstance(f, str) for f in features):
            raise TypeError("`features`: expected a list of column names (str)")
        if not features:
            raise ValueError("`features`: expected at least one column, got an empty list")
    arg = "loss"
    if kind is not None:
        if loss is not None:
            raise TypeError("`kind`: got both `loss` and its old name `kind`; pass `loss`")
        warnings.warn(
            "load_task_file(kind=...) is deprecated; pass loss=... (the same values)",
            DeprecationWarning,
            stacklevel=3,
        )
        loss, arg = kind, "kind"
    if loss is not None:
        _validate.choice(arg, loss, _validate.LOSS_NAMES)
    return p, loss, arg


def _check_file(p: Path) -> str:
    """The suffix of a readable ``.csv`` or ``.npz`` file; a ValueError otherwise."""
    suffix = p.suffix.lower()
    if suffix not in (".csv", ".npz"):
        raise ValueError(f"`path`: expected a .csv or .npz file, got {str(p)!r}")
    if p.is_dir():
        raise ValueError(f"`path`: {str(p)!r} is a folder; expected a .csv or .npz file")
    if not p.is_file():
        raise ValueError(f"`path`: no such file {str(p)!r}")
    if not os.access(p, os.R_OK):
        raise ValueError(f"`path`: cannot read {str(p)!r} (permission denied)")
    return suffix


def _csv_table(
    p: Path, label: str, features: Sequence[str] | None
) -> tuple[np.ndarray, np.ndarray, bool, tuple[str, ...]]:
    """``(x, labels, numeric, feature_names)`` from a CSV file."""
    cols = _read_csv(p)
    feats = _select_columns(p, list(cols), label, features, "column")
    n = len(cols[label])
    _check_rows(p, n)
    x = np.stack([_csv_numeric(p, c, cols[c]) for c in feats], axis=1)
    raw = np.array(cols[label])
    numeric = True
    try:
        lab = raw.astype(np.float64)
    except ValueError:
        numeric, lab = False, raw
    if not numeric and any(v == "" for v in raw):
        raise ValueError(f"`label`: column {label!r} of {p.name} has empty values")
    return x, lab, numeric, tuple(feats)


def _npz_features(
    p: Path, arrays: dict[str, np.ndarray], feats: Sequence[str], n: int, label: str
) -> tuple[np.ndarray, tuple[str, ...]]:
    """The feature matrix (float64) and its column names from an NPZ file's arrays."""
    blocks, names = [], []
    for c in feats:
        a = arrays[c]
        if not (np.issubdtype(a.dtype, np.number) or a.dtype == np.bool_) or np.issubdtype(
            a.dtype, np.complexfloating
        ):
            raise ValueError(
                f"`features`: array {c!r} of {p.name} is not numeric (dtype {a.dtype}); "
                f"pick numeric arrays with `features`"
            )
        if a.ndim == 1:
            a = a[:, None]
            names.append(c)
        elif a.ndim == 2:
            names.extend(f"{c}[{j}]" for j in range(a.shape[1]))
        else:
            raise ValueError(f"`features`: array {c!r} must be 1-D or 2-D, got shape {a.shape}")
        if a.shape[0] != n:
            raise ValueError(
                f"`features`: array {c!r} has {a.shape[0]} rows, label {label!r} has {n}"
            )
        blocks.append(a.astype(np.float64))
    return np.concatenate(blocks, axis=1), tuple(names)


def _npz_table(
    p: Path, label: str, features: Sequence[str] | None
) -> tuple[np.ndarray, np.ndarray, bool, tuple[str, ...]]:
    """``(x, labels, numeric, feature_names)`` from an NPZ file."""
    arrays = _read_npz(p)
    feats = _select_columns(p, list(arrays), label, features, "array")
    lab = arrays[label]
    if lab.ndim == 2 and lab.shape[1] == 1:
        lab = lab[:, 0]
    if lab.ndim != 1:
        raise ValueError(
            f"`label`: array {label!r} must have shape (n,) or (n, 1), got {lab.shape}"
        )
    n = lab.shape[0]
    _check_rows(p, n)
    x, feature_names = _npz_features(p, arrays, feats, n, label)
    numeric = bool(np.issubdtype(lab.dtype, np.number) or lab.dtype == np.bool_)
    if not numeric and lab.dtype.kind not in "US":
        raise ValueError(f"`label`: array {label!r} has unsupported dtype {lab.dtype}")
    if np.issubdtype(lab.dtype, np.complexfloating):
        raise ValueError(f"`label`: array {label!r} holds complex numbers")
    lab = lab.astype(np.float64) if numeric else lab.astype(str)
    return x, lab, numeric, feature_names


def load_task_file(
    path: str | os.PathLike,
    *,
    label: str,
    features: Sequence[str] | None = None,
    loss: LossName | None = None,
    standardize: bool = False,
    kind: LossName | None = None,
) -> Task:
    """Load a user's data set from a CSV or NPZ file.

    * **CSV**: a header row of column names, then one example per row. Feature columns
      must be numeric; the label column may hold numbers or text.
    * **NPZ** (``numpy.savez``): one array per name. The label array has shape ``(n,)``
      or ``(n, 1)``; each feature array has shape ``(n,)`` (one column) or ``(n, k)``
      (k columns, named ``name[0]`` ... ``name[k-1]``).

    Labels: text labels, and integer-valued numeric labels with at most 20 distinct
    values (and fewer distinct values than rows), are classes, numbered in sorted order
    (``class_names`` keeps the originals); 2 classes make a ``"binary"`` task, more a
    ``"softmax"`` task. Other numeric labels make a ``"regression"`` task. Pass ``loss``
    to decide explicitly.

    Args:
      path: a ``.csv`` or ``.npz`` file.
      label: the name of the label column (CSV) or array (NPZ).
      features: the feature columns / arrays, in order. Default: every other one.
      loss: ``"binary"``, ``"softmax"``, ``"regression"`` or ``None`` (inferred).
      standardize: shift and scale each feature to mean 0, standard deviation 1.
        Default False.
      kind: the old name of ``loss`` (deprecated).

    Returns:
      A :class:`Task` named after the file's stem, with float32 features.

    Raises:
      ValueError: missing file or unsupported suffix, unknown column (closest names
        listed), non-numeric feature column, missing values, fewer than 2 rows, a
        label column that does not fit ``loss``.
      TypeError: arguments of the wrong type.

    Examples:
      >>> import os, tempfile, jaxact as ja
      >>> path = os.path.join(tempfile.mkdtemp(), "flowers.csv")
      >>> with open(path, "w") as f:
      ...     _ = f.write("x1,x2,x3,label\\n5,1,2,yes\\n3,9,8,no\\n1,2,3,yes\\n9,9,9,no\\n")
      >>> t = ja.load_task_file(path, label="label")
      >>> t.loss, t.y, t.class_names
      ('binary', array([1, 0, 1, 0], dtype=int32), ('no', 'yes'))
    """
    p, loss, arg = _check_file_args(path, label, features, loss, kind)
    standardize = _bool("standardize", standardize)
    table = _csv_table if _check_file(p) == ".csv" else _npz_table
    x, lab, numeric, feature_names = table(p, label, features)
    n = x.shape[0]
    bad = ~np.isfinite(x)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise ValueError(
            f"`features`: {p.name} has {int(bad.sum())} missing, NaN or infinite feature "
            f"values (first: row {r + 1}, column {feature_names[c]!r})"
        )
    y, loss, n_classes, class_names = _labels(lab, numeric=numeric, kind=loss, label=label, arg=arg)
    x32 = _standardized(x) if standardize else x.astype(np.float32)
    desc = (
        f"{p.name}: {n} rows, {len(feature_names)} features, label {label!r} "
        f"({loss}{f', {n_classes} classes' if n_classes else ''})"
    )
    if standardize:
        desc += "; standardized"
    return Task(
        p.stem,
        x32,
        y,
        loss,
        n_classes,
        desc,
        feature_names=feature_names,
        class_names=class_names,
    )
