r"""The derivative checker: every hand-written derivative against independent references.

Each activation's hand-written f′ (and f″, and ∂f/∂p for each parameter; for the
vector kinds the JVP J(x)·u) is compared, in **float64**, with

1. **autodiff** of the plain reference formula (``jax.grad`` / ``jax.jvp`` of
   ``rec.reference``, which has no custom rule), away from kinks, |x| ≤ 40:
   ``|a − r| ≤ 1e-11·|r| + 64·eps64·max(1, |x|)²``;
2. **finite differences**: 5-point central differences of ``rec.fn`` with
   h = 2⁻¹⁰ and the noise floor ``|a − n| ≤ 1e-9·|n| + 128·eps64·max(1, |f|)/h``;
   f″ by differencing the hand f′; points within 3h of a kink are skipped (the guard
   band);
3. a high-precision **oracle**: an independent mpmath formula per activation, written
   in this module and evaluated at 50 digits, its derivatives by ``mpmath.diffs``;
   f, f′ and f″ at tens of points with |x| ≤ 40, including both sides of each kink:
   ``|a − t| ≤ rel·|t| + 8·eps64·|x·t′|`` with rel = 1e-12 for |x| ≤ 5 and 1e-14
   beyond, plus the smallest normal float (for results that underflow). An
   activation without an oracle fails ("no oracle");
4. the **transformations**: ``jax.grad(rec.fn)`` equals ``rec.derivative`` (the
   ``custom_jvp`` wiring); ``jvp``, ``vjp`` and ``grad`` agree, and so do the four
   second-order compositions; eager equals ``jit``; ``vmap`` equals a Python loop;
   for vector kinds the adjoint identity ⟨w, J u⟩ = ⟨Jᵀw, u⟩ holds;
5. the card's **kink table**: the hand f′, ``grad``, ``jvp`` and ``vjp`` at each kink
   equal ``kink.d1`` exactly (and f″ equals ``kink.d2``); ``d1`` is the minimum-norm
   subgradient of [left, right] (``d2`` likewise, where f′ is continuous); one-sided
   differences that never touch f(kink) confirm ``kink.left`` and ``kink.right``;
6. a **grid** of hard inputs — ±10ᵏ (k = −300..4), ±2ᵏ (k = −1074..14), ±0.0,
   subnormals, ±20..±40, the exp-overflow points ±88.7 (float32) and ±709.8
   (float64), ±inf, NaN — in float64 and float32: f′ (hand and ``grad``) and f″ are
   finite wherever f is; NaN in gives NaN out for f and f′;
7. **float32**: the float32 hand f′ (and ``grad``) against the float64 hand f′ at the
   same inputs, never against FD: ``|a₃₂ − a₆₄| ≤ 64·eps32·(|a₆₄| + |x·f″|)`` plus
   a floor of 2¹⁰ times the smallest normal float32;
8. **parameters**: ∂f/∂p against ``jax.grad`` of the reference with respect to p and
   against 5-point differences in p; ``grad`` of ``rec.fn`` with respect to p; and f′,
   ∂f/∂p at a shifted value of p (so a formula right only at the default is caught);
9. **vector kinds**: the hand JVP along fixed-seed directions against ``jax.jvp`` of
   the reference and directional differences, second order against differences of
   the hand JVP, along ``axis`` 0 and 1 as well as −1, and with a ``where`` mask.
10. the **ulp audit** (:mod:`jaxact.check.ulp_audit`): f, f′ and ∂f/∂p of every elementwise
    activation in float64 and float32 against shipped mpmath truths
    (:mod:`jaxact.check.oracles`) over both signs of every binade from the smallest subnormal
    to the largest finite value, in ulps; 4 ulps unless the card states an exception
    with its reason. The report ends with the worst ulps per activation.
    ``python -m jaxact.check --make-references`` (or ``jaxact check --make-references``)
    recomputes the truths.

All inputs come from fixed seeds; nothing is random between runs.

Why this is stricter than ``jax.test_util.check_grads`` and
``torch.autograd.gradcheck``: both compare autodiff with finite differences only, at
tolerances sized for the noise of finite differences, so a derivative wrong by 1e-6 —
a dropped small term, a wrong tail — passes (``check_grads`` accepts, in float64, a
sigmoid′ multiplied by 1 + 1e-6 at x = 0.3, 2 and −1.5). Here autodiff of an
independent formula is held to 1e-11; the oracle is exact to 50 digits and probes the
tails, where a formula right in the middle cancels, underflows or overflows; and the
value *at* a kink, where finite differences have no answer and autodiff of a naive
formula returns an arbitrary one-sided slope, is checked exactly against the documented
minimum-norm policy.

Tolerances that differ from a flat bound, and why (measured):

* Oracle: the term 8·eps64·|x·t′| is the error of evaluating t exactly at an input
  8 ulps away (mixed forward-backward stability). It matters only where the function
  itself is ill-conditioned: x·Φ(x) at x = −30 has condition number ≈ x² = 900, so
  even ``x/2·erfc(−x/√2)``, whose argument is rounded once, is off by 1.1e-13
  relative (``x·jax.scipy.special.ndtr(x)`` by 5.7e-14). The same reasoning gives the float32 term
  64·eps32·|x·f″|, which is also the floor where f′ crosses zero (silu′, gelu′).
* Autodiff: the reference is a plain formula, and its derivatives cancel where its
  terms are large, so the atol grows as max(1, |x|)²: grad∘grad of the textbook
  gelu_tanh formula, whose 1 + tanh(u) with u ∝ x³ cancels, is off by 4.5e-13
  (≈ 2000 ulps) at x = ±7.3 while the hand f″ agrees with mpmath to 2e-15 relative;
  mish's by 5.6e-14 at x = 19.5.
* Float32: XLA on CPU flushes subnormal intermediates to zero, so a float32 result
  within ~2¹⁰ of the underflow threshold can come out 0 (silu′(−88) gives 0 for
  −5.3e-37; gelu_tanh′(−10.13) gives 0 for −1.3e-37): hence the floor 2¹⁰·2⁻¹²⁶.
* Oracle: mpmath's differentiation is itself exact only to ~1e-50 of the function's
  scale, so 1e-40·max|t⁽ᵏ⁾| is added (a true f″(0) = 0 comes back as ~1e-55).
* Vector kinds: s ⊙ (u − ⟨s, u⟩) is normwise, not componentwise, stable — where
  s_i ≈ 1 the entry is a difference of two nearly equal numbers (≈ 1e-7 relative
  error on an entry of size 3.5e-9 for softmax of [−40, …, 40]) — so vector
  tolerances carry a normwise floor 64·eps·‖u‖∞·max(1, ‖x‖∞, ‖f‖∞) per row (the
  adjoint identity, 64·eps64·‖w‖₁ times that).
* XLA on CPU flushes subnormal inputs to zero (float32 and float64), so a float32
  subnormal x is left out of the float32 comparison (relu′(1e-45) is 0 in float32).
* The reference is a plain formula: its own derivatives overflow to garbage for
  |x| ≫ 40 (grad∘grad of the textbook tanh formula gives 2 at x = −300), so the
  autodiff check stays within |x| ≤ 40; the grid, FD and modes checks go to ±1e4.

Run ``python -m jaxact.check [NAMES...]`` (or ``jaxact check``) to print the report; it exits
1 when any check fails. The oracle check's formulas and the audit's truths come from
:mod:`jaxact.check.oracles`.

Examples:
  >>> from jaxact.check import gradcheck
  >>> report = gradcheck.check(["relu"], checks=["kinks"])
  >>> report.ok, [r.check for r in report.results]
  (True, ['kinks exact', 'kinks policy', 'kinks brackets'])
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import inspect
import math
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxact import _validate
from jaxact.catalog import activations as _act
from jaxact.check import oracles, ulp_audit

__all__ = ["CHECKS", "Report", "Result", "check", "check_activation", "main"]

CHECKS: tuple[str, ...] = (
    "autodiff",
    "fd",
    "oracle",
    "modes",
    "kinks",
    "grid",
    "float32",
    "params",
    "vector",
    "ulp",
)
"""The check groups, in report order; ``check(..., checks=[...])`` runs some of them."""

EPS64 = 2.0**-52
EPS32 = 2.0**-23
TINY64 = 2.0**-1022
TINY32 = 2.0**-126
H = 2.0**-10  # finite-difference step
RTOL_AUTODIFF = 1e-11
ATOL_AUTODIFF = 64 * EPS64
AUTODIFF_RANGE = 40.0
RTOL_FD = 1e-9
ULPS_MODES = 8  # transformations of one rule agree to a few ulps
GUARD = 3 * H  # FD guard band around a kink
ORACLE_DPS = 50
FLOOR32 = 2.0**10 * TINY32  # float32 results this small may pass through flushed subnormals


# --------------------------------------------------------------------------------------
# Results and report
# --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Result:
    """One check of one activation.

    Attributes:
      activation: the activation's name.
      check: the check's name, e.g. ``"autodiff f'"``.
      group: the check group it belongs to, one of :data:`CHECKS`.
      ok: whether every compared point is within tolerance.
      n: the number of points (or values) compared.
      x: the worst point: a float, or a label such as ``"row 3, entry 2"``.
      hand: the hand-written value at the worst point.
      reference: the reference value at the worst point.
      error: ``|hand − reference|`` at the worst point.
      tol: the tolerance at the worst point.
      note: what was compared and skipped, or why the check failed.
    """

    activation: str
    check: str
    group: str
    ok: bool
    n: int
    x: float | str | None = None
    hand: float | None = None
    reference: float | None = None
    error: float | None = None
    tol: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """``error / tol`` at the worst point (≤ 1 passes), or ``None``."""
        if self.error is None or self.tol is None:
            return None
        if self.tol == 0:
            return 0.0 if self.error == 0 else math.inf
        return self.error / self.tol


@dataclasses.dataclass(frozen=True)
class Report:
    """The results of :func:`check`: one :class:`Result` per activation and check.

    Attributes:
      results: the rows, grouped by activation, in check order.
    """

    results: tuple[Result, ...]

    @property
    def ok(self) -> bool:
        """Whether every check of every activation passed."""
        return all(r.ok for r in self.results)

    def failures(self) -> list[Result]:
        """The rows that failed."""
        return [r for r in self.results if not r.ok]

    def format(self, *, failures_only: bool = False) -> str:
        """The report as a fixed-width table and a summary line.

        Args:
          failures_only: list only the failed rows (the summary still counts all).

        Returns:
          A multi-line string: activation, check, ok/FAIL, points compared, worst
          point, hand value, reference value, error, tolerance, error/tolerance, note.
        """
        head = (
            f"{'activation':<14} {'check':<30} {'':4} {'n':>5}  {'worst x':<24} "
            f"{'hand':>12} {'reference':>12} {'error':>8} {'tol':>8} {'ratio':>8}  note"
        )
        lines = [head, "-" * len(head)]
        for r in self.results:
            if failures_only and r.ok:
                continue
            lines.append(
                f"{r.activation:<14} {r.check:<30} {'ok' if r.ok else 'FAIL':4} {r.n:>5}  "
                f"{_fmt_x(r.x):<24} {_fmt(r.hand, 12)} {_fmt(r.reference, 12)} "
                f"{_fmt(r.error, 8, 2)} {_fmt(r.tol, 8, 2)} {_fmt(r.ratio, 8, 2)}  {r.note}"
            )
        table = self.ulp_table()
        if table:
            lines += ["", table, ""]
        bad = sorted({r.activation for r in self.failures()})
        n_act = len({r.activation for r in self.results})
        summary = f"{len(self.results)} checks of {n_act} activations: "
        if bad:
            summary += f"{len(self.failures())} failed ({', '.join(bad)})."
        else:
            summary += "all passed."
        lines.append(summary)
        return "\n".join(lines)

    def ulp_table(self) -> str:
        """Worst ulps per activation from the "ulp" rows ('' if there are none).

        Returns:
          One line per audited activation: the worst error of f and of the derivatives
          (f′ and ∂f/∂p) in float64 and float32, and where the largest one is.
        """
        worst: dict[str, dict[str, Result]] = {}
        for r in self.results:
            if r.group != "ulp" or r.error is None:
                continue
            _, q, dt = r.check.split(" ")
            key = f"{dt} {'f' if q == 'f' else 'df'}"
            cur = worst.setdefault(r.activation, {}).get(key)
            if cur is None or r.error > (cur.error or 0.0):
                worst[r.activation][key] = r
        if not worst:
            return ""
        cols = ("float64 f", "float64 df", "float32 f", "float32 df")
        lines = [
            "worst error in ulps (df: f′ and ∂f/∂p; the budget is 4 unless the card says)",
            f"{'activation':<15}" + "".join(f"{c:>12}" for c in cols) + "  largest at",
        ]
        for name, row in worst.items():
            cells = "".join(f"{row[c].error:>12.3g}" if c in row else f"{'-':>12}" for c in cols)
            w = max(row.values(), key=lambda r: r.error or 0.0)
            lines.append(f"{name:<15}{cells}  {w.check[4:]} x = {w.x!r}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format()


def _fmt(v: float | None, width: int, digits: int = 5) -> str:
    if v is None:
        return f"{'—':>{width}}"
    return f"{v:>{width}.{digits}g}"


def _fmt_x(x: float | str | None) -> str:
    if x is None:
        return "—"
    return x if isinstance(x, str) else repr(float(x))


# --------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------


def check(
    names: str | Iterable[str] | None = None, *, checks: str | Iterable[str] | None = None
) -> Report:
    """Check the hand-written derivatives of catalog activations.

    Everything runs in float64: ``jax.enable_x64`` is switched on for the duration
    of the call and restored afterwards, whatever the caller's setting.

    Args:
      names: activation names or aliases; default every name in
        :func:`jaxact.names` and the default member of each of
        :func:`jaxact.families`. A single string is one name.
      checks: check groups to run, from :data:`CHECKS`; default all of them.

    Returns:
      A :class:`Report`; ``report.ok`` is ``True`` when every check passed.

    Raises:
      ValueError: an unknown activation or check name (the message lists the
        closest ones).

    Examples:
      >>> from jaxact.check import gradcheck
      >>> report = gradcheck.check("tanh", checks=["oracle"])
      >>> report.ok
      True
      >>> [r.check for r in report.results]
      ['oracle f', "oracle f'", "oracle f''"]
    """
    if names is None:
        names = [*_act.names(), *_act.families()]
    elif isinstance(names, str):
        names = [names]
    records = [_act.get(n) for n in names]
    groups = _groups(checks)
    results: list[Result] = []
    for rec in records:
        results.extend(check_activation(rec, checks=groups))
    return Report(tuple(results))


_DEFAULT = object()


def check_activation(
    rec: _act.Activation | str,
    *,
    checks: str | Iterable[str] | None = None,
    oracle: Any = _DEFAULT,
) -> list[Result]:
    """Check one activation record, which need not be in the catalog.

    A deliberately broken record, such as ``dataclasses.replace(ja.get("silu"),
    derivative=...)``, shows that the checker catches the error.

    Args:
      rec: an :class:`~jaxact.Activation`, or a catalog name.
      checks: check groups to run, from :data:`CHECKS`; default all of them.
      oracle: the mpmath formula used as the high-precision oracle — elementwise:
        ``f(x, **params) -> mpf``; vector: ``f(list[mpf]) -> list[mpf]`` along a
        1-D row. Default: the formula in this module for ``rec.name``. ``None``: no
        oracle, which fails the oracle check.

    Returns:
      A list of :class:`Result`, one per check.

    Examples:
      >>> import dataclasses, jaxact as ja
      >>> from jaxact.check import gradcheck
      >>> rec = ja.get("sigmoid")
      >>> bad = dataclasses.replace(rec, derivative=lambda x: 1.000001 * rec.derivative(x))
      >>> rows = gradcheck.check_activation(bad, checks=["autodiff"])
      >>> [(r.check, r.ok) for r in rows]
      [("autodiff f'", False), ("autodiff f''", True)]
      >>> rows[0].ratio > 1e4
      True
    """
    if isinstance(rec, str):
        rec = _act.get(rec)
    if not isinstance(rec, _act.Activation):
        raise TypeError(f"`rec`: expected an Activation record or a name, got {type(rec).__name__}")
    groups = _groups(checks)
    if oracle is _DEFAULT:
        oracle = rec.oracle
    with jax.enable_x64(True), np.errstate(all="ignore"):
        if rec.kind == "elementwise":
            return _check_elementwise(rec, groups, oracle)
        if rec.kind == "vector":
            return _check_vector(rec, groups, oracle)
    raise ValueError(
        f"`rec.kind`: expected 'elementwise' or 'vector', got {rec.kind!r} ({rec.name})"
    )


def _groups(checks: str | Iterable[str] | None) -> tuple[str, ...]:
    if checks is None:
        return CHECKS
    if isinstance(checks, str):
        checks = [checks]
    chosen = {_validate.choice("checks", c, CHECKS) for c in checks}
    return tuple(c for c in CHECKS if c in chosen)


# --------------------------------------------------------------------------------------
# Comparison helpers
# --------------------------------------------------------------------------------------


def _f64(a: Any) -> np.ndarray:
    return np.asarray(a, dtype=np.float64)


def _compare(
    name: str,
    check: str,
    group: str,
    x: Any,
    hand: Any,
    ref: Any,
    tol: Any,
    valid: Any = True,
    *,
    labels: Sequence[str] | None = None,
    note: str = "",
    min_points: int = 1,
) -> Result:
    """One row: ``|hand − ref| ≤ tol`` at every valid point; report the worst one.

    Equal values (equal infinities, NaN against NaN) have error 0; NaN against a
    number, or an infinity against a finite value, has infinite error. Fewer than
    ``min_points`` valid points is a failure: a check that compared nothing proves
    nothing.
    """
    hand, ref = _f64(hand), _f64(ref)
    shape = np.broadcast_shapes(hand.shape, ref.shape)
    hand = np.broadcast_to(hand, shape).ravel()
    ref = np.broadcast_to(ref, shape).ravel()
    tol = np.broadcast_to(_f64(tol), shape).ravel()
    valid = np.broadcast_to(np.asarray(valid, bool), shape).ravel()
    same = (hand == ref) | (np.isnan(hand) & np.isnan(ref))
    err = np.abs(hand - ref)
    err = np.where(same, 0.0, np.where(np.isnan(err), np.inf, err))
    ratio = np.where(tol > 0, err / np.where(tol > 0, tol, 1.0), np.where(err == 0, 0.0, np.inf))
    ratio = np.where(valid, ratio, -1.0)
    n = int(valid.sum())
    if n < min_points:
        msg = f"only {n} points compared, at least {min_points} needed"
        return Result(name, check, group, False, n, note=f"{msg}; {note}" if note else msg)
    i = int(np.argmax(ratio))
    if labels is not None:
        where: float | str = labels[i]
    else:
        where = float(np.broadcast_to(_f64(x), shape).ravel()[i])
    return Result(
        name,
        check,
        group,
        bool(ratio[i] <= 1.0),
        n,
        where,
        float(hand[i]),
        float(ref[i]),
        float(err[i]),
        float(tol[i]),
        note,
    )


def _flag(
    name: str, check: str, group: str, x: Any, bad: Any, values: Any, n: int, what: str
) -> Result:
    """A pass/fail row for a predicate (finiteness, NaN propagation)."""
    bad = np.asarray(bad, bool).ravel()
    if not bad.any():
        return Result(name, check, group, True, n, note=what)
    x = _f64(x).ravel()
    i = int(np.argmax(bad))
    pts = ", ".join(f"{v:.6g}" for v in x[bad][:6])
    return Result(
        name,
        check,
        group,
        False,
        n,
        float(x[i]),
        hand=float(_f64(values).ravel()[i]),
        note=f"{what}: violated at {int(bad.sum())} points, e.g. x = {pts}",
    )


def _fd5(st: np.ndarray, h: float) -> np.ndarray:
    """5-point central difference from f(x−2h), f(x−h), f(x+h), f(x+2h) (error ~h⁴)."""
    return (st[0] - 8 * st[1] + 8 * st[2] - st[3]) / (12 * h)


def _fd_tol(n: np.ndarray, scale: np.ndarray, h: float) -> np.ndarray:
    return RTOL_FD * np.abs(n) + 128 * EPS64 * np.maximum(1.0, scale) / h


def _ulp_tol(a: Any, b: Any, scale: Any = 0.0) -> np.ndarray:
    return ULPS_MODES * EPS64 * (np.maximum(np.abs(_f64(a)), np.abs(_f64(b))) + scale) + TINY64


def _card_ulp_tol(rec: Any, quantity: str, x: np.ndarray, a: Any, b: Any) -> np.ndarray:
    """:func:`_ulp_tol`, widened where the card states a float64 ulp budget (and unit
    floor) for ``quantity`` above the default: two evaluations of a quantity that the
    card says is accurate to k ulps may differ by that much (FMA contraction in one
    program and not in the other, amplified where the value is a difference of larger
    terms)."""
    budget, floor, _ = ulp_audit.budgets(rec, quantity, "float64", x)
    k = np.maximum(budget / ulp_audit.DEFAULT_BUDGET, 1.0)
    return k * _ulp_tol(a, b, floor / EPS64)


def _autodiff_tol(r: np.ndarray, scale: Any = 1.0) -> np.ndarray:
    return RTOL_AUTODIFF * np.abs(r) + ATOL_AUTODIFF * np.maximum(1.0, scale)


def _ew_autodiff_tol(r: np.ndarray, x: np.ndarray) -> np.ndarray:
    """rtol 1e-11 and 64·eps64·max(1, |x|)²: a plain formula's autodiff cancels."""
    return RTOL_AUTODIFF * np.abs(r) + ATOL_AUTODIFF * np.maximum(1.0, np.abs(x)) ** 2


def _jit_fast(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``jax.jit`` for the large one-off checking programs.

    On CPU they are compiled with XLA's backend optimization level 0: four times
    faster to compile, and the results differ from the default compilation by at
    most an ulp (FMA contraction), far inside every tolerance but the ulp-level
    ones — and "modes eager vs jit" compares them with default-compiled eager ops.
    """
    if jax.default_backend() == "cpu":
        return jax.jit(fn, compiler_options={"xla_backend_optimization_level": 0})
    return jax.jit(fn)


def _pow2_step(scale: float, k: int) -> float:
    """2^(⌊log2 max(1, |scale|)⌋ − k): a step that keeps x ± step exact near ``scale``."""
    return 2.0 ** (math.floor(math.log2(max(1.0, abs(scale)))) - k)


def _min_norm(a: float, b: float) -> float:
    """The point of [min(a, b), max(a, b)] closest to 0."""
    return min(max(0.0, min(a, b)), max(a, b))


def _stencil_max(st: np.ndarray, centre: np.ndarray) -> np.ndarray:
    return np.max(np.abs(np.concatenate([st, centre[None]])), axis=0)


# --------------------------------------------------------------------------------------
# Elementwise activations
# --------------------------------------------------------------------------------------


def _ladder() -> np.ndarray:
    """The hard inputs of check 6: magnitudes, subnormals, overflow points, inf, NaN."""
    pos = np.concatenate(
        [
            10.0 ** np.arange(-300, 5),
            2.0 ** np.arange(-1074, 15),
            [5e-324, 1e-310, 2.2e-308, 1e-200],
            np.arange(20, 41, dtype=np.float64),
            [88.0, 88.72283905206835, 88.8, 89.0, 100.0, 1e3],
            [709.0, 709.782712893384, 709.79, 710.0, 745.2, 1e300, np.finfo(np.float64).max],
            [np.inf],
        ]
    )
    return np.concatenate([pos, -pos, [0.0, -0.0, np.nan]])


@functools.lru_cache(maxsize=1)
def _random_points() -> np.ndarray:
    """64 points 4·N(0, 1) from ``jax.random.key(0)`` (a constant: computed once)."""
    with jax.enable_x64(True):
        return 4.0 * _f64(jax.random.normal(jax.random.key(0), (64,), jnp.float64))


def _main_grid(kinks: Sequence[float]) -> np.ndarray:
    """Points for autodiff, FD, modes and params: dense in [−8, 8], tails to ±1e4."""
    mid = np.arange(-128, 129) / 16.0
    tail = np.concatenate(
        [
            np.arange(17, 81) / 2.0,
            [50.0, 75.0, 100.0, 300.0, 1e3, 1e4],
            10.0 ** -np.array([1, 2, 3, 4, 5, 6, 8, 10, 12, 20, 50, 100, 200, 300]),
            2.0 ** -np.arange(3, 60, 8),
        ]
    )
    rnd = _random_points()
    near = [
        k + s * max(1.0, abs(k)) for k in kinks for s in (-0.05, -1e-3, -1e-6, 1e-6, 1e-3, 0.05)
    ]
    return np.unique(np.concatenate([mid, tail, -tail, rnd, _f64(near)]))


def _modes_points(kinks: Sequence[float]) -> np.ndarray:
    """24 points (a fixed shape, so eager-mode compilations are shared)."""
    base = [0.0, -0.0, 30.0, -30.0, *np.linspace(-6.0, 6.0, 13)]
    pad = [-0.7, 0.35, 1.9, -2.6, 4.4, -5.3, 7.1]
    pts = [*base, *list(kinks)[:7]]
    return _f64([*pts, *pad][:24])


def _oracle_points(kinks: Sequence[float]) -> np.ndarray:
    tails = [40, 32, 25, 20, 15, 12, 10, 8, 6.5]
    base = np.array([*tails, 5, 4, 3.3, 2.2, 1.6, 1.1, 0.8, 0.55, 0.3, 0.1, 1e-2, 1e-4, 1e-8])
    near = [k + s * max(1.0, abs(k)) for k in kinks for s in (-0.05, 0.05)]
    x = np.concatenate([base, -base, [0.0], _f64(near)])
    return np.unique(x[~_at_kink(x, kinks, 0.01)])


def _at_kink(x: np.ndarray, kinks: Sequence[float], band: float = 0.0) -> np.ndarray:
    out = np.zeros(np.shape(x), bool)
    for k in kinks:
        out |= np.abs(x - k) <= band + 4 * np.spacing(max(1.0, abs(k)))
    return out


def _shifted(p: float) -> float:
    """A parameter value near the default, off any dyadic grid point."""
    return p + 0.0371 * max(1.0, abs(p))


@dataclasses.dataclass
class _Ew:
    """Everything evaluated for one elementwise activation."""

    rec: _act.Activation
    P: dict[str, float]
    kinks: list[float]
    sets: dict[str, np.ndarray]
    offsets: dict[str, slice]
    out: dict[str, np.ndarray]
    x32: np.ndarray
    out32: dict[str, np.ndarray]
    n32: int  # x32[:n32]: the float32 comparison points; x32[n32:]: the float32 grid
    dtypes32: list[str]  # the dtypes the float32 program returned
    hk: list[float]  # the step of the one-sided differences at each kink
    psteps: dict[str, float]  # the difference step of each parameter
    oracle: Any  # the mpmath formula, or None

    @property
    def name(self) -> str:
        return self.rec.name

    @property
    def has_d2(self) -> bool:
        return self.rec.second_derivative is not None

    def at(self, key: str, s: str) -> np.ndarray:
        return self.out[key][..., self.offsets[s]]

    def f(self, x: Any, **kw: Any) -> jax.Array:
        return self.rec.fn(x, **{**self.P, **kw})

    def d1(self, x: Any, **kw: Any) -> jax.Array:
        return self.rec.derivative(x, **{**self.P, **kw})


def _ew_programs(
    rec: _act.Activation, P: dict[str, float], want_params: bool, psteps: dict[str, float]
) -> tuple[Callable, Callable]:
    """The float64 program (every output the elementwise checks compare) and the float32
    one. Every array is computed in one jitted program, compiled once per activation.
    """
    has_d2 = rec.second_derivative is not None
    steps = _f64([-2 * H, -H, H, 2 * H])

    def f(x: Any, **kw: Any) -> jax.Array:
        return rec.fn(x, **{**P, **kw})

    def d1(x: Any, **kw: Any) -> jax.Array:
        return rec.derivative(x, **{**P, **kw})

    def ref(x: Any, **kw: Any) -> jax.Array:
        return rec.reference(x, **{**P, **kw})

    def program(X: jax.Array) -> dict[str, jax.Array]:
        one = jnp.ones_like(X)

        def dfwd(y: jax.Array) -> jax.Array:
            return jax.jvp(f, (y,), (jnp.ones_like(y),))[1]

        o = {
            "f": f(X),
            "d": d1(X),
            "g": jax.vmap(jax.grad(f))(X),
            "fwd": dfwd(X),
            "rev": jax.vjp(f, X)[1](one)[0],
            "rr": jax.vmap(jax.grad(jax.grad(f)))(X),
            "ff": jax.jvp(dfwd, (X,), (one,))[1],
            "fr": jax.jvp(jax.vmap(jax.grad(f)), (X,), (one,))[1],
            "rf": jax.vmap(jax.grad(dfwd))(X),
            "gref": jax.vmap(jax.grad(ref))(X),
            "ggref": jax.vmap(jax.grad(jax.grad(ref)))(X),
        }
        o["d2"] = rec.second_derivative(X, **P) if has_d2 else o["rr"]
        Xs = X[None, :] + jnp.asarray(steps)[:, None]
        o["f_st"] = f(Xs)
        o["d_st"] = d1(Xs)
        if want_params:
            for p in P:

                def fp(pv: jax.Array, x: jax.Array, p: str = p) -> jax.Array:
                    return f(x, **{p: pv})

                def rp(pv: jax.Array, x: jax.Array, p: str = p) -> jax.Array:
                    return ref(x, **{p: pv})

                p0, ps = jnp.asarray(P[p]), jnp.asarray(_shifted(P[p]))
                pst = p0 + psteps[p] * jnp.asarray([-2.0, -1.0, 1.0, 2.0])
                o[f"dp:{p}"] = rec.param_derivatives[p](X, **P)
                o[f"gpref:{p}"] = jax.vmap(jax.grad(rp), (None, 0))(p0, X)
                o[f"gpfn:{p}"] = jax.vmap(jax.grad(fp), (None, 0))(p0, X)
                o[f"fpst:{p}"] = jax.vmap(lambda pv, p=p: f(X, **{p: pv}))(pst)
                o[f"dsh:{p}"] = d1(X, **{p: ps})
                o[f"grefsh:{p}"] = jax.vmap(jax.grad(lambda x, p=p, ps=ps: ref(x, **{p: ps})))(X)
                o[f"dpsh:{p}"] = rec.param_derivatives[p](X, **{**P, p: ps})
                o[f"gprefsh:{p}"] = jax.vmap(jax.grad(rp), (None, 0))(ps, X)
        return o

    def program32(x: jax.Array) -> dict[str, jax.Array]:
        return {
            "f": f(x),
            "d": d1(x),
            "g": jax.vmap(jax.grad(f))(x),
            "rr": jax.vmap(jax.grad(jax.grad(f)))(x),
        }

    return program, program32


def _check_elementwise(rec: _act.Activation, groups: tuple[str, ...], oracle: Any) -> list[Result]:
    P = {k: float(v) for k, v in rec.defaults.items()}
    kinks = [float(k.x) for k in rec.card.kinks]
    want_params = "params" in groups and bool(P)

    main = _main_grid(kinks)
    grid = _ladder()
    # float32 inputs: the main grid within float32's exp range and the finite ladder
    # points, without float32 subnormals (flushed to zero by XLA on CPU).
    x32 = np.concatenate([main[np.abs(main) <= 80], grid[np.isfinite(grid)]]).astype(np.float32)
    x32 = np.unique(x32[np.isfinite(x32) & ((x32 == 0) | (np.abs(x32) >= TINY32))])
    grid32 = np.unique(grid.astype(np.float32))
    grid32 = np.concatenate([grid32, np.float32([-0.0])])  # unique() drops one of ±0
    hk = [_pow2_step(k, 17) for k in kinks]
    kstencil = _f64(
        [k + j * h for k, h in zip(kinks, hk, strict=True) for j in (-3, -2, -1, 1, 2, 3)]
    )
    sets = {
        "main": main,
        "grid": grid,
        "f32": x32.astype(np.float64),
        "kink": _f64(kinks),
        "kstencil": kstencil,
        "oracle": _oracle_points(kinks),
        "modes": _modes_points(kinks),
    }
    offsets, pos = {}, 0
    for k, v in sets.items():
        offsets[k] = slice(pos, pos + v.size)
        pos += v.size
    # A parameter far below 1 (a rational activation's b4 = 5.5e-4) is stepped at most
    # 2^-10 of its size: f can bend on the scale of the parameter itself.
    psteps = {
        p: min(_pow2_step(P[p], 14), 2.0 ** (math.floor(math.log2(abs(P[p]))) - 10))
        if P[p] != 0
        else _pow2_step(P[p], 14)
        for p in P
    }

    program, program32 = _ew_programs(rec, P, want_params, psteps)

    try:
        X = jnp.asarray(np.concatenate(list(sets.values())))
        out = {k: _f64(v) for k, v in _jit_fast(program)(X).items()}
        X32 = jnp.asarray(np.concatenate([x32, grid32]))
        raw32 = _jit_fast(program32)(X32)
        dtypes32 = sorted({str(v.dtype) for v in raw32.values()})
        out32 = {k: _f64(v) for k, v in raw32.items()}
    except Exception as e:  # a record that cannot be evaluated fails, it does not crash
        return [Result(rec.name, "evaluate", groups[0], False, 0, note=f"{type(e).__name__}: {e}")]
    ew = _Ew(
        rec, P, kinks, sets, offsets, out, _f64(X32), out32, x32.size, dtypes32, hk, psteps, oracle
    )
    results: list[Result] = []
    for group in groups:
        results += _EW_GROUPS[group](ew)
    return results


def _ew_ulp(ew: _Ew) -> list[Result]:
    """The ulp audit's rows (:mod:`jaxact.check.ulp_audit`) as results of the "ulp" group."""
    rec = ew.rec
    refs = oracles.load_references()
    if f"{rec.name}/float64/f/hi" not in refs:
        return [Result(rec.name, "ulp", "ulp", False, 0, note="no shipped references")]
    try:
        rows = ulp_audit.audit_activation(rec, references=refs)
    except Exception as e:  # a record that cannot be evaluated fails, it does not crash
        return [Result(rec.name, "ulp", "ulp", False, 0, note=f"{type(e).__name__}: {e}")]
    out = []
    for r in rows:
        note = f"ulps vs mpmath on the {r.dtype} audit grid; max anywhere {r.max_ulps:.3g}"
        if r.reason:
            note += f"; card: {r.reason}"
        out.append(
            Result(
                rec.name,
                f"ulp {r.quantity} {r.dtype}",
                "ulp",
                r.ok,
                r.n,
                r.x,
                r.value,
                r.truth,
                r.ulps,
                r.budget,
                note,
            )
        )
    return out


def _ew_autodiff(ew: _Ew) -> list[Result]:
    x = ew.sets["main"]
    keep = ~_at_kink(x, ew.kinks) & (np.abs(x) <= AUTODIFF_RANGE)
    rows = []
    hand2 = "the hand f″" if ew.has_d2 else "grad∘grad(fn)"
    for label, hand, r, what in (
        ("autodiff f'", ew.at("d", "main"), ew.at("gref", "main"), "the hand f′ vs grad"),
        ("autodiff f''", ew.at("d2", "main"), ew.at("ggref", "main"), f"{hand2} vs grad∘grad"),
    ):
        valid = keep & np.isfinite(r)
        note = f"{what} of the reference, |x| ≤ {AUTODIFF_RANGE:g}, kinks excluded"
        if (keep & ~np.isfinite(r)).any():
            note += f"; {int((keep & ~np.isfinite(r)).sum())} non-finite reference values skipped"
        rows.append(
            _compare(
                ew.name,
                label,
                "autodiff",
                x,
                hand,
                r,
                _ew_autodiff_tol(r, x),
                valid,
                note=note,
                min_points=100,
            )
        )
    return rows


def _ew_fd(ew: _Ew) -> list[Result]:
    x = ew.sets["main"]
    guard = _at_kink(x, ew.kinks, GUARD)
    rows = []
    for label, centre, st, hand, what in (
        ("fd f'", "f", "f_st", "d", "f′ vs differences of f"),
        ("fd f''", "d", "d_st", "d2", "f″ vs differences of the hand f′"),
    ):
        st = ew.at(st, "main")
        fd = _fd5(st, H)
        scale = _stencil_max(st, ew.at(centre, "main"))
        valid = ~guard & np.isfinite(fd) & np.isfinite(scale)
        note = f"{what}, 5-point, h = 2^-10; {int(guard.sum())} points in the guard band"
        rows.append(
            _compare(
                ew.name,
                label,
                "fd",
                x,
                ew.at(hand, "main"),
                fd,
                _fd_tol(fd, scale, H),
                valid,
                note=note,
                min_points=100,
            )
        )
    return rows


def _ew_modes(ew: _Ew) -> list[Result]:
    x = ew.sets["main"]
    fin = np.isfinite(x)
    d, g, fwd, rev = (ew.at(k, "main") for k in ("d", "g", "fwd", "rev"))
    h1 = np.concatenate([g, fwd, rev])
    r1 = np.concatenate([d, d, d])
    first = _compare(
        ew.name,
        "modes f'",
        "modes",
        np.tile(x, 3),
        h1,
        r1,
        _ulp_tol(h1, r1),
        np.tile(fin, 3),
        note="grad(fn), jvp, vjp vs the hand f′ (custom_jvp wiring), under jit",
    )
    rr = ew.at("rr", "main")
    keys = ["ff", "fr", "rf", *(["d2"] if ew.has_d2 else [])]
    h2 = np.concatenate([ew.at(k, "main") for k in keys])
    r2 = np.tile(rr, len(keys))
    second = _compare(
        ew.name,
        "modes f''",
        "modes",
        np.tile(x, len(keys)),
        h2,
        r2,
        _ulp_tol(h2, r2),
        np.tile(fin, len(keys)),
        note="jvp∘jvp, jvp∘grad, grad∘jvp"
        + (", hand f″" if ew.has_d2 else "")
        + " vs grad∘grad, under jit",
    )
    # Without jit, on 24 points, against the jitted values there: reverse mode with
    # forward-over-reverse, and forward mode with reverse-over-forward.
    xm = ew.sets["modes"]
    xj = jnp.asarray(xm)
    one = jnp.ones_like(xj)

    def dfwd(y: jax.Array) -> jax.Array:
        return jax.jvp(ew.f, (y,), (jnp.ones_like(y),))[1]

    g, fr = jax.jvp(jax.vmap(jax.grad(ew.f)), (xj,), (one,))
    fwd, back = jax.vjp(dfwd, xj)
    he = np.concatenate([_f64(v) for v in (g, fr, fwd, back(one)[0])])
    hj = np.concatenate([ew.at(k, "modes") for k in ("g", "fr", "fwd", "rf")])
    jit_row = _compare(
        ew.name,
        "modes eager vs jit",
        "modes",
        np.tile(xm, 4),
        he,
        hj,
        _card_ulp_tol(ew.rec, "f'", np.tile(xm, 4), he, hj),
        note="grad, jvp∘grad, jvp, grad∘jvp without jit vs under jit",
    )
    # One point at a time (a Python loop over a jitted scalar function) vs vmapped.
    xl = _f64([ew.kinks[0] if ew.kinks else 0.3, -1.5, 0.5, 2.0])
    per_point = _jit_fast(lambda v: jax.jvp(jax.grad(ew.f), (v,), (jnp.ones_like(v),)))
    pairs = [per_point(jnp.asarray(v)) for v in xl]
    loop = _f64([[float(a) for a, _ in pairs], [float(b) for _, b in pairs]]).ravel()
    idx = [int(np.flatnonzero(x == v)[0]) if (x == v).any() else -1 for v in xl]
    if min(idx) < 0:  # a point not on the main grid: evaluate it vmapped as well
        vm = jax.vmap(lambda v: jax.jvp(jax.grad(ew.f), (v,), (jnp.ones_like(v),)))(jnp.asarray(xl))
        vm = np.concatenate([_f64(vm[0]), _f64(vm[1])])
    else:
        vm = np.concatenate([g_[idx] for g_ in (ew.at("g", "main"), ew.at("fr", "main"))])
    loop_row = _compare(
        ew.name,
        "modes vmap vs loop",
        "modes",
        np.tile(xl, 2),
        loop,
        vm,
        _ulp_tol(loop, vm),
        note="grad and f″ one point at a time vs vmapped",
    )
    return [first, second, jit_row, loop_row]


def _one_sided(fk: np.ndarray, h: float, side: int) -> float:
    """f′(x) from one side: the quadratic through f(x + side·j·h), j = 1, 2, 3.

    f(x) itself is not used, so a jump of f at x does not matter. Error O(h²).
    """
    return float(side * (-2.5 * fk[0] + 4.0 * fk[1] - 1.5 * fk[2]) / h)


def _ew_kinks(ew: _Ew) -> list[Result]:
    hk = ew.hk
    card = ew.rec.card.kinks
    if not card:
        return [Result(ew.name, "kinks", "kinks", True, 0, note="no kinks on the card")]
    hand, want, labels = [], [], []
    for i, k in enumerate(card):
        for q in ("d", "g", "fwd", "rev"):
            hand.append(ew.at(q, "kink")[i]), want.append(k.d1)
            labels.append(f"{k.x:g}: {q} vs d1")
        if k.d2 is not None:
            for q in ("rr", "d2") if ew.has_d2 else ("rr",):
                hand.append(ew.at(q, "kink")[i]), want.append(k.d2)
                labels.append(f"{k.x:g}: {q} vs d2")
    exact = _compare(
        ew.name,
        "kinks exact",
        "kinks",
        0.0,
        hand,
        want,
        0.0,
        labels=labels,
        note="hand f′, grad, jvp, vjp (and f″) at each kink equal the card, exactly",
    )
    st_f = ew.at("f", "kstencil").reshape(len(card), 6)
    st_d = ew.at("d", "kstencil").reshape(len(card), 6)
    pol = ([], [], [], [])  # hand, want, tol, label
    br = ([], [], [], [])
    for i, k in enumerate(card):
        h = hk[i]
        for lst, v in zip(
            pol, (k.d1, _min_norm(k.left, k.right), 0.0, f"{k.x:g}: d1"), strict=True
        ):
            lst.append(v)
        noise = 8 * 128 * EPS64 * max(1.0, float(np.max(np.abs(st_f[i])))) / h
        for side, fk, w in ((-1, st_f[i, [2, 1, 0]], k.left), (1, st_f[i, [3, 4, 5]], k.right)):
            est = _one_sided(fk, h, side)
            row = (
                w,
                est,
                1e-6 * max(1.0, abs(w)) + noise,
                f"{k.x:g}: {'left' if side < 0 else 'right'}",
            )
            for lst, v in zip(br, row, strict=True):
                lst.append(v)
        if k.d2 is not None and k.left == k.right:
            dl = _one_sided(st_d[i, [2, 1, 0]], h, -1)
            dr = _one_sided(st_d[i, [3, 4, 5]], h, 1)
            dnoise = 8 * 128 * EPS64 * max(1.0, float(np.max(np.abs(st_d[i])))) / h
            row = (k.d2, _min_norm(dl, dr), 1e-6 * max(1.0, abs(k.d2)) + dnoise, f"{k.x:g}: d2")
            for lst, v in zip(pol, row, strict=True):
                lst.append(v)
    policy = _compare(
        ew.name,
        "kinks policy",
        "kinks",
        0.0,
        pol[0],
        pol[1],
        pol[2],
        labels=pol[3],
        note="d1 = min-norm(left, right); d2 = min-norm(f″(x⁻), f″(x⁺)) where f′ is continuous",
    )
    brackets = _compare(
        ew.name,
        "kinks brackets",
        "kinks",
        0.0,
        br[0],
        br[1],
        br[2],
        labels=br[3],
        note="card left/right vs one-sided differences, h = 2^-17",
    )
    return [exact, policy, brackets]


def _grid_row(name: str, label: str, x: np.ndarray, o: Mapping[str, np.ndarray]) -> Result:
    fv, d, g, rr = o["f"], o["d"], o["g"], o["rr"]
    fin = np.isfinite(fv)
    bad = fin & ~(np.isfinite(d) & np.isfinite(g) & np.isfinite(rr))
    bad |= np.isnan(x) & ~(np.isnan(fv) & np.isnan(d) & np.isnan(g))
    shown = np.where(~np.isfinite(d), d, np.where(~np.isfinite(g), g, rr))
    what = "f′ (hand, grad) and f″ finite where f is; NaN in, NaN out for f, f′"
    return _flag(name, label, "grid", x, bad, shown, x.size, what)


def _ew_grid(ew: _Ew) -> list[Result]:
    n32, dtypes32 = ew.n32, ew.dtypes32
    grid = ew.sets["grid"]
    o64 = {k: ew.at(k, "grid") for k in ("f", "d", "g", "rr")}
    rows = [_grid_row(ew.name, "grid float64", grid, o64)]
    o32 = {k: v[n32:] for k, v in ew.out32.items()}
    r32 = _grid_row(ew.name, "grid float32", ew.x32[n32:], o32)
    if dtypes32 != ["float32"]:
        r32 = dataclasses.replace(r32, ok=False, note=f"float32 input gave dtypes {dtypes32}")
    rows.append(r32)
    return rows


def _ew_float32(ew: _Ew) -> list[Result]:
    n32 = ew.n32
    x = ew.x32[:n32]
    a64, dd = ew.at("d", "f32"), ew.at("rr", "f32")
    d32, g32 = ew.out32["d"][:n32], ew.out32["g"][:n32]
    valid = np.isfinite(a64) & np.isfinite(dd) & (np.abs(a64) <= np.finfo(np.float32).max)
    tol = 64 * EPS32 * (np.abs(a64) + np.abs(x * dd)) + FLOOR32
    return [
        _compare(
            ew.name,
            "float32 f'",
            "float32",
            np.tile(x, 2),
            np.concatenate([d32, g32]),
            np.tile(a64, 2),
            np.tile(tol, 2),
            np.tile(valid, 2),
            min_points=100,
            note="hand f′ and grad in float32 vs the float64 hand f′; 64·eps32·(|f′| + |x·f″|)",
        )
    ]


def _ew_params(ew: _Ew) -> list[Result]:
    psteps = ew.psteps
    x = ew.sets["main"]
    off_kink = ~_at_kink(x, ew.kinks)
    guard = _at_kink(x, ew.kinks, 0.01 * max([1.0, *map(abs, ew.kinks)]))
    rows = []
    for p, p0 in ew.P.items():
        dp, gpr, gpf = (ew.at(f"{k}:{p}", "main") for k in ("dp", "gpref", "gpfn"))
        rows.append(
            _compare(
                ew.name,
                f"param autodiff [{p}]",
                "params",
                x,
                dp,
                gpr,
                _ew_autodiff_tol(gpr, x),
                off_kink & (np.abs(x) <= AUTODIFF_RANGE) & np.isfinite(gpr),
                min_points=100,
                note=f"hand ∂f/∂{p} vs grad of the reference w.r.t. {p} (= {p0:g}), |x| ≤ 40",
            )
        )
        st = ew.at(f"fpst:{p}", "main")
        fd = _fd5(st, psteps[p])
        rows.append(
            _compare(
                ew.name,
                f"param fd [{p}]",
                "params",
                x,
                dp,
                fd,
                _fd_tol(fd, np.max(np.abs(st), axis=0), psteps[p]),
                ~guard & np.isfinite(fd),
                min_points=100,
                note=f"hand ∂f/∂{p} vs 5-point differences in {p}, step 2^{math.log2(psteps[p]):g}",
            )
        )
        rows.append(
            _compare(
                ew.name,
                f"param wiring [{p}]",
                "params",
                x,
                gpf,
                dp,
                _card_ulp_tol(ew.rec, f"d/d{p}", x, gpf, dp),
                np.isfinite(x),
                note=f"grad of fn w.r.t. {p} vs the hand ∂f/∂{p}",
            )
        )
        hs = np.concatenate([ew.at(f"dsh:{p}", "main"), ew.at(f"dpsh:{p}", "main")])
        rs = np.concatenate([ew.at(f"grefsh:{p}", "main"), ew.at(f"gprefsh:{p}", "main")])
        keep = np.tile(off_kink & (np.abs(x) <= AUTODIFF_RANGE), 2) & np.isfinite(rs)
        rows.append(
            _compare(
                ew.name,
                f"param shifted [{p}]",
                "params",
                np.tile(x, 2),
                hs,
                rs,
                _ew_autodiff_tol(rs, np.tile(x, 2)),
                keep,
                min_points=100,
                note=f"hand f′ and ∂f/∂{p} at {p} = {_shifted(p0):g} vs autodiff of the reference",
            )
        )
    return rows


def _ew_oracle(ew: _Ew) -> list[Result]:
    oracle = ew.oracle
    labels = ("oracle f", "oracle f'", "oracle f''")
    if oracle is None:
        return [Result(ew.name, lab, "oracle", False, 0, note="no oracle") for lab in labels]
    try:
        import mpmath as mp
    except ImportError:  # pragma: no cover - mpmath is a test dependency
        return [
            Result(ew.name, lab, "oracle", False, 0, note="mpmath is not installed")
            for lab in labels
        ]
    x = ew.sets["oracle"]
    hand = [ew.at(k, "oracle") for k in ("f", "d", "d2")]
    truth = np.zeros((3, x.size))
    err = np.zeros((3, x.size))
    tol = np.zeros((3, x.size))
    try:
        with mp.workdps(ORACLE_DPS):
            params = {k: mp.mpf(v) for k, v in ew.P.items()}
            for i, xv in enumerate(x):
                xm = mp.mpf(float(xv))
                ts = list(mp.diffs(lambda t: oracle(t, **params), xm, 3))
                rel = mp.mpf("1e-12") if abs(xv) <= 5 else mp.mpf("1e-14")
                floor = mp.mpf("1e-40") * max(abs(t) for t in ts) + TINY64
                for q in range(3):
                    t = ts[q]
                    truth[q, i] = float(t)
                    tol[q, i] = float(rel * abs(t) + 8 * EPS64 * abs(xm * ts[q + 1]) + floor)
                    hv = hand[q][i]
                    err[q, i] = float(abs(mp.mpf(float(hv)) - t)) if np.isfinite(hv) else math.inf
    except Exception as e:
        msg = f"oracle failed: {type(e).__name__}: {e}"
        return [Result(ew.name, lab, "oracle", False, 0, note=msg) for lab in labels]
    what = ("f", "the hand f′", "the hand f″" if ew.has_d2 else "grad∘grad(fn)")
    rows = []
    for q, lab in enumerate(labels):
        ratio = err[q] / tol[q]
        i = int(np.argmax(ratio))
        rows.append(
            Result(
                ew.name,
                lab,
                "oracle",
                bool(ratio[i] <= 1),
                x.size,
                float(x[i]),
                float(hand[q][i]),
                float(truth[q, i]),
                float(err[q, i]),
                float(tol[q, i]),
                note=f"{what[q]} vs mpmath, {ORACLE_DPS} digits; rel 1e-12 (|x| ≤ 5), 1e-14 beyond",
            )
        )
    return rows


_EW_GROUPS: dict[str, Callable[[_Ew], list[Result]]] = {
    "autodiff": _ew_autodiff,
    "fd": _ew_fd,
    "oracle": _ew_oracle,
    "modes": _ew_modes,
    "kinks": _ew_kinks,
    "grid": _ew_grid,
    "float32": _ew_float32,
    "params": _ew_params,  # no rows for an activation without parameters
    "vector": lambda ew: [],  # the vector kinds' group
    "ulp": _ew_ulp,
}
"""The elementwise side's check groups: one function of the bundle per group."""


# --------------------------------------------------------------------------------------
# Vector activations
# --------------------------------------------------------------------------------------

_V_GRID = np.array(
    [
        [1e4, -1e4, 0.0, 1.0, 2.0, 3.0],
        [1e300, -1e300, 5e-324, -5e-324, 0.0, -0.0],
        [709.8, -709.8, 88.7, -88.7, 40.0, -40.0],
        [-np.inf, 0.0, 1.0, -np.inf, 2.0, 3.0],
        [np.nan, 0.0, 1.0, 2.0, 3.0, 4.0],
        [np.inf, 0.0, 1.0, 2.0, 3.0, 4.0],
        [1e-310, 2e-310, -1e-310, 0.0, 3e-310, 1e-300],
        [20.0, 30.0, -20.0, -30.0, 25.0, 35.0],
    ]
)
_V_ORACLE_ROWS = np.array(
    [
        [-40.0, -20.0, 0.0, 3.0, 20.0, 40.0],
        [0.1, -0.7, 1.3, 2.9, -3.1, 0.4],
        [5.0, 4.2, 3.5, -1.0, -6.0, 0.25],
        [-1.5, 2.5, 0.75, -0.3, 1.9, -4.4],
        [10.0, -10.0, 9.0, -9.5, 0.05, 3.3],
        [1e-3, 2e-4, -1e-3, 7e-4, -3e-4, 5e-4],
    ]
)
_V_ORACLE_U = np.array([0.3, -1.1, 0.7, 0.2, -0.4, 1.3])


def _row_floor(u: np.ndarray, *scales: np.ndarray) -> np.ndarray:
    """‖u‖∞·max(1, ‖s‖∞ for each s) per row, broadcast to the row (normwise floor)."""
    m = np.ones(u.shape[:-1])
    for s in scales:
        m = np.maximum(m, np.max(np.abs(np.where(np.isfinite(s), s, 0.0)), axis=-1))
    return (np.max(np.abs(u), axis=-1) * m)[..., None]


@dataclasses.dataclass
class _Vec:
    """Everything evaluated for one vector-valued activation (rows of length N = 6).

    ``inputs`` holds the fixed-seed arrays: X (R x N points), U, U2 (directions), W
    (cotangents), M (a mask; its last row all False), X3/U3 (3-D, for axis 1), G/GU
    (rows of hard inputs), O/OU (the oracle's rows). ``out`` and ``out32`` hold the
    float64 and float32 results of the programs of :func:`_vec_programs`.
    """

    rec: _act.Activation
    oracle: Any
    masked: bool
    smooth: bool
    inputs: dict[str, np.ndarray]
    out: dict[str, np.ndarray]
    out32: dict[str, np.ndarray]
    dtypes32: list[str]
    a64: np.ndarray  # the float64 JVP at the float32 inputs

    @property
    def name(self) -> str:
        return self.rec.name

    @property
    def n_out(self) -> int:
        return self.out["jv"].shape[-1]

    @property
    def wo(self) -> np.ndarray:
        """The cotangents W cut to the output's width (glu halves it)."""
        return self.inputs["W"][:, : self.n_out]

    @property
    def labels(self) -> list[str]:
        rows = self.inputs["X"].shape[0]
        return [f"row {i}, entry {j}" for i in range(rows) for j in range(self.n_out)]

    @property
    def row_labels(self) -> list[str]:
        return [f"row {i}" for i in range(self.inputs["X"].shape[0])]

    def f(self, x: Any, axis: int = -1, where: Any = None) -> jax.Array:
        return self.rec.fn(x, axis, where) if where is not None else self.rec.fn(x, axis)

    def steady(self, st: np.ndarray, mid: np.ndarray) -> np.ndarray:
        """Rows whose stencil stays on one smooth piece (always, for a smooth kind).

        A piecewise-smooth kind (sparsemax) has a JVP that is constant on each piece;
        a change of the hand JVP across the stencil means it crosses a breakpoint.
        """
        if self.smooth:
            return np.ones(mid.shape[:-1], bool)
        jump = np.max(np.abs(st[3] - st[0]), axis=-1)
        return jump <= 1e-9 * (1 + np.max(np.abs(mid), axis=-1))


def _vec_inputs() -> dict[str, jax.Array]:
    """The fixed-seed inputs of the vector checks (8 rows of 6 entries)."""
    R, N = 8, 6
    k = jax.random.split(jax.random.key(1), 6)
    X = 3.0 * jax.random.normal(k[0], (R, N), jnp.float64)
    X = X.at[R - 2].set(jnp.asarray([-30.0, 25.0, -12.0, 0.5, 30.0, -2.0]))
    X = X.at[R - 1].set(jnp.asarray([1e-3, 2e-3, -1e-3, 0.0, 4e-3, -2e-3]))
    X3 = 2.0 * jax.random.normal(k[5], (2, 4, N), jnp.float64)
    O = jnp.asarray(_V_ORACLE_ROWS)
    return {
        "X": X,
        "U": jax.random.normal(k[1], (R, N), jnp.float64),
        "U2": jax.random.normal(k[2], (R, N), jnp.float64),
        "W": jax.random.normal(k[3], (R, N), jnp.float64),
        "M": jax.random.bernoulli(k[4], 0.7, (R, N)).at[:, 0].set(True).at[R - 1].set(False),
        "X3": X3,
        "U3": jnp.flip(X3, axis=0) - 0.5,
        "G": jnp.asarray(_V_GRID),
        "GU": jnp.broadcast_to(jnp.linspace(-1.0, 1.0, N), (R, N)),
        "O": O,
        "OU": jnp.broadcast_to(jnp.asarray(_V_ORACLE_U), O.shape),
    }


def _vec_programs(rec: _act.Activation, masked: bool) -> tuple[Callable, Callable, Callable]:
    """The float64 program (every output the checks compare), the float32 one, and the
    hand JVP ``jv(x, v, axis, where)``.

    One long function on purpose: every array the vector checks compare is computed in
    one jitted program, compiled once per activation.
    """

    def f(x: Any, axis: int = -1, where: Any = None) -> jax.Array:
        return rec.fn(x, axis, where) if where is not None else rec.fn(x, axis)

    def jv(x: Any, v: Any, axis: int = -1, where: Any = None) -> jax.Array:
        return rec.derivative(x, v, axis=axis, where=where)

    def ref(x: Any, axis: int = -1, where: Any = None) -> jax.Array:
        return rec.reference(x, axis=axis, where=where)

    steps = jnp.asarray([-2 * H, -H, H, 2 * H])

    def hvp_all(x, u, u2, w):
        def jvf(y):
            return jax.jvp(f, (y,), (u,))[1]

        def vjf(y):
            return jax.vjp(f, y)[1](w)[0]

        return {
            "ff": jnp.sum(w * jax.jvp(jvf, (x,), (u2,))[1], axis=-1),
            "rf": jnp.sum(u2 * jax.grad(lambda y: jnp.sum(w * jvf(y)))(x), axis=-1),
            "fr": jnp.sum(u * jax.jvp(vjf, (x,), (u2,))[1], axis=-1),
            "rr": jnp.sum(u2 * jax.grad(lambda y: jnp.sum(u * vjf(y)))(x), axis=-1),
        }

    def program(X, U, U2, W, M, X3, U3, G, GU, O, OU):
        fx = f(X)
        Wo = W[:, : fx.shape[-1]]
        o = {
            "f": fx,
            "jv": jv(X, U),
            "jv_fn": jax.jvp(f, (X,), (U,))[1],
            "jv_ref": jax.jvp(ref, (X,), (U,))[1],
            "f_st": jax.vmap(lambda s: f(X + s * U))(steps),
            "jv_st": jax.vmap(lambda s: jv(X + s * U, U))(steps),
            "jv2_st": jax.vmap(lambda s: jv(X + s * U2, U))(steps),
            "vjp": jax.vjp(f, X)[1](Wo)[0],
            **hvp_all(X, U, U2, Wo),
            "ax0": jv(X.T, U.T, axis=0),
            "ax0_ref": jax.jvp(lambda y: ref(y, axis=0), (X.T,), (U.T,))[1],
            "ax0_fn": jax.jvp(lambda y: f(y, axis=0), (X.T,), (U.T,))[1],
            "ax1": jv(X3, U3, axis=1),
            "ax1_ref": jax.jvp(lambda y: ref(y, axis=1), (X3,), (U3,))[1],
            "ax1_last": jnp.moveaxis(jv(jnp.moveaxis(X3, 1, -1), jnp.moveaxis(U3, 1, -1)), -1, 1),
            "g_f": f(G),
            "g_jv": jv(G, GU),
            "g_jvfn": jax.jvp(f, (G,), (GU,))[1],
            "g_vjp": jax.vjp(f, G)[1](GU[:, : fx.shape[-1]])[0],
            "o_f": f(O),
            "o_jv": jv(O, OU),
        }
        if masked:
            o["m_f"] = f(X, where=M)
            o["m_jv"] = jv(X, U, where=M)
            o["m_jv_fn"] = jax.jvp(lambda y: f(y, where=M), (X,), (U,))[1]
            o["m_jv_ref"] = jax.jvp(lambda y: ref(y, where=M), (X,), (U,))[1]
            o["m_f_st"] = jax.vmap(lambda s: f(X + s * U, where=M))(steps)
            o["m_jv_st"] = jax.vmap(lambda s: jv(X + s * U, U, where=M))(steps)
        return o

    def program32(X, U, G, GU):
        fg = f(G)
        return {
            "jv": jv(X, U),
            "g_f": fg,
            "g_jv": jv(G, GU),
            "g_jvfn": jax.jvp(f, (G,), (GU,))[1],
            "g_vjp": jax.vjp(f, G)[1](GU[:, : fg.shape[-1]])[0],
        }

    return program, program32, jv


def _vec_evaluate(rec: _act.Activation, oracle: Any) -> _Vec | Result:
    """Run the programs of one vector activation; a failure is a failed row."""
    masked = "where" in inspect.signature(rec.fn).parameters
    program, program32, jv = _vec_programs(rec, masked)
    inp = _vec_inputs()
    try:
        out = {k: _f64(v) for k, v in _jit_fast(program)(**inp).items()}
        x32, u32 = inp["X"].astype(jnp.float32), inp["U"].astype(jnp.float32)
        g32, gu32 = inp["G"].astype(jnp.float32), inp["GU"].astype(jnp.float32)
        raw32 = _jit_fast(program32)(x32, u32, g32, gu32)
        dtypes32 = sorted({str(v.dtype) for v in raw32.values()})
        out32 = {k: _f64(v) for k, v in raw32.items()}
        a64 = _f64(_jit_fast(jv)(x32.astype(jnp.float64), u32.astype(jnp.float64)))
    except Exception as e:  # a record that cannot be evaluated fails, it does not crash
        return Result(rec.name, "evaluate", "autodiff", False, 0, note=f"{type(e).__name__}: {e}")
    smooth = rec.card.smoothness in ("C2", "Cinf")
    inputs = {k: np.asarray(v) for k, v in inp.items()}
    return _Vec(rec, oracle, masked, smooth, inputs, out, out32, dtypes32, a64)


def _check_vector(rec: _act.Activation, groups: tuple[str, ...], oracle: Any) -> list[Result]:
    v = _vec_evaluate(rec, oracle)
    if isinstance(v, Result):
        return [dataclasses.replace(v, group=groups[0])]
    results: list[Result] = []
    for group in groups:
        results += _VEC_GROUPS[group](v)
    return results


def _vec_autodiff(v: _Vec) -> list[Result]:
    jvh, jvr = v.out["jv"], v.out["jv_ref"]
    return [
        _compare(
            v.name,
            "autodiff jvp",
            "autodiff",
            0.0,
            jvh,
            jvr,
            _autodiff_tol(jvr, _row_floor(v.inputs["U"], jvr)),
            np.isfinite(jvr),
            labels=v.labels,
            min_points=2 * v.inputs["X"].shape[0],
            note="hand J·u vs jax.jvp of the reference",
        )
    ]


def _vec_fd(v: _Vec) -> list[Result]:
    out, jvh, R = v.out, v.out["jv"], v.inputs["X"].shape[0]
    st = out["f_st"]
    fd = _fd5(st, H)
    ok = v.steady(out["jv_st"], jvh)
    scale = np.max(np.abs(st), axis=(0, 2))[:, None]
    first = _compare(
        v.name,
        "fd jvp",
        "fd",
        0.0,
        jvh,
        fd,
        _fd_tol(fd, scale, H),
        ok[:, None] & np.isfinite(fd),
        labels=v.labels,
        min_points=2 * R,
        note=f"hand J·u vs 5-point differences of fn along u; {int((~ok).sum())} rows "
        "crossing a breakpoint skipped",
    )
    st2 = out["jv2_st"]
    fd2 = np.sum(v.wo * _fd5(st2, H), axis=-1)
    scale2 = np.sum(np.abs(v.wo) * np.max(np.abs(st2), axis=0), axis=-1)
    second = _compare(
        v.name,
        "fd jvp''",
        "fd",
        0.0,
        out["ff"],
        fd2,
        _fd_tol(fd2, scale2, H),
        v.steady(st2, jvh) & np.isfinite(fd2),
        labels=v.row_labels,
        min_points=R // 2,
        note="⟨w, D²f[u, u′]⟩ (jvp∘jvp of fn) vs differences of the hand J·u along u′",
    )
    return [first, second]


def _vec_oracle_group(v: _Vec) -> list[Result]:
    return _vec_oracle(v.name, v.oracle, v.out["o_f"], v.out["o_jv"], v.smooth)


def _vec_modes(v: _Vec) -> list[Result]:
    out, jvh, Un, Wo = v.out, v.out["jv"], v.inputs["U"], v.wo
    jf = out["jv_fn"]
    rows = [
        _compare(
            v.name,
            "modes jvp",
            "modes",
            0.0,
            jf,
            jvh,
            _ulp_tol(jf, jvh, _row_floor(Un, jvh)),
            labels=v.labels,
            note="jax.jvp of fn (the custom rule) vs the hand J·u, under jit",
        )
    ]
    lhs = np.sum(Wo * jvh, axis=-1)
    rhs = np.sum(out["vjp"] * Un, axis=-1)
    sc = np.sum(np.abs(Wo * jvh), axis=-1) + np.sum(np.abs(out["vjp"] * Un), axis=-1)
    sc += np.sum(np.abs(Wo), axis=-1) * _row_floor(Un, out["f"])[:, 0]
    rows.append(
        _compare(
            v.name,
            "modes adjoint",
            "modes",
            0.0,
            lhs,
            rhs,
            64 * EPS64 * sc + TINY64,
            labels=v.row_labels,
            note="⟨w, J u⟩ (hand) vs ⟨Jᵀw, u⟩ (jax.vjp of fn)",
        )
    )
    h2 = np.concatenate([out["ff"], out["rf"], out["fr"]])
    r2 = np.tile(out["rr"], 3)
    rows.append(
        _compare(
            v.name,
            "modes second order",
            "modes",
            0.0,
            h2,
            r2,
            64 * EPS64 * (np.abs(h2) + np.abs(r2) + 1),
            labels=[f"{m}, {r}" for m in ("jvp∘jvp", "grad∘jvp", "jvp∘vjp") for r in v.row_labels],
            note="⟨w, D²f[u, u′]⟩ by jvp∘jvp, grad∘jvp, jvp∘vjp vs grad∘vjp",
        )
    )
    return rows + _vec_eager(v)


def _vec_grid(v: _Vec) -> list[Result]:
    rows = []
    for tag, o in (("float64", v.out), ("float32", v.out32)):
        row = _vec_grid_row(v.name, f"grid {tag}", o)
        if tag == "float32" and v.dtypes32 != ["float32"]:
            row = dataclasses.replace(row, ok=False, note=f"float32 gave {v.dtypes32}")
        rows.append(row)
    return rows


def _vec_float32(v: _Vec) -> list[Result]:
    x64 = v.inputs["X"].astype(np.float32).astype(np.float64)
    u64 = v.inputs["U"].astype(np.float32).astype(np.float64)
    fl = _row_floor(u64, x64, v.a64)
    return [
        _compare(
            v.name,
            "float32 jvp",
            "float32",
            0.0,
            v.out32["jv"],
            v.a64,
            64 * EPS32 * (np.abs(v.a64) + fl) + TINY32,
            labels=v.labels,
            note="hand J·u in float32 vs float64; 64·eps32·(|Ju| + ‖u‖·max(1, ‖x‖, ‖Ju‖))",
        )
    ]


def _vec_vector(v: _Vec) -> list[Result]:
    rows = [_vec_axis(v.name, v.out)]
    if v.masked:
        rows += _vec_where(v)
    return rows


def _vec_none(v: _Vec) -> list[Result]:
    return []


_VEC_GROUPS: dict[str, Callable[[_Vec], list[Result]]] = {
    "autodiff": _vec_autodiff,
    "fd": _vec_fd,
    "oracle": _vec_oracle_group,
    "modes": _vec_modes,
    "kinks": _vec_none,  # no kink table: the breakpoints of sparsemax move with x
    "grid": _vec_grid,
    "float32": _vec_float32,
    "params": _vec_none,  # no parameters
    "vector": _vec_vector,
    "ulp": _vec_none,  # normwise, not componentwise, accurate: see jaxact.check.ulp_audit
}
"""The vector side's check groups: one function of the bundle per group."""


def _vec_axis(name: str, out: Mapping[str, np.ndarray]) -> Result:
    pairs = [
        ("axis 0 vs reference", out["ax0"], out["ax0_ref"], "ref"),
        ("axis 1 vs reference", out["ax1"], out["ax1_ref"], "ref"),
        ("axis 1 vs moved to -1", out["ax1"], out["ax1_last"], "ulp"),
        ("axis 0 jvp(fn) vs hand", out["ax0_fn"], out["ax0"], "ulp"),
    ]
    hh, rr, tt, labs = [], [], [], []
    for label, a, b, kind in pairs:
        scale = np.max(np.abs(b))
        tol = _autodiff_tol(b, scale) if kind == "ref" else _ulp_tol(a, b, scale)
        hh.append(a.ravel()), rr.append(b.ravel()), tt.append(np.broadcast_to(tol, a.shape).ravel())
        labs += [f"{label}, {i}" for i in range(a.size)]
    rr_ = np.concatenate(rr)
    return _compare(
        name,
        "vector axis",
        "vector",
        0.0,
        np.concatenate(hh),
        rr_,
        np.concatenate(tt),
        np.isfinite(rr_),
        labels=labs,
        note="hand J·u along axis 0 (2-D) and axis 1 (3-D) vs jvp of the reference",
    )


def _vec_where(v: _Vec) -> list[Result]:
    name, out, M, U, lab, steady = v.name, v.out, v.inputs["M"], v.inputs["U"], v.labels, v.steady
    mj, mr, mf = out["m_jv"], out["m_jv_ref"], out["m_jv_fn"]
    live = np.broadcast_to(M.any(axis=-1)[:, None], mj.shape)
    valid = live & np.isfinite(mr)
    rows = [
        _compare(
            name,
            "vector where",
            "vector",
            0.0,
            mj,
            mr,
            _autodiff_tol(mr, _row_floor(U, np.where(valid, mr, 0.0))),
            valid,
            labels=lab,
            min_points=8,
            note="masked hand J·u vs jvp of the masked reference",
        )
    ]
    st = out["m_f_st"]
    fd = _fd5(st, H)
    ok = steady(out["m_jv_st"], mj)[:, None] & live & np.isfinite(fd)
    scale = np.max(np.abs(np.where(np.isfinite(st), st, 0.0)), axis=(0, 2))[:, None]
    rows.append(
        _compare(
            name,
            "vector where fd",
            "vector",
            0.0,
            mj,
            fd,
            _fd_tol(fd, scale, H),
            ok,
            labels=lab,
            min_points=8,
            note="masked hand J·u vs 5-point differences of the masked fn",
        )
    )
    rows.append(
        _compare(
            name,
            "vector where modes",
            "vector",
            0.0,
            mf,
            mj,
            _ulp_tol(mf, mj, _row_floor(U, mj)),
            labels=lab,
            note="masked: jvp of fn vs the hand J·u, every row (an all-masked one included)",
        )
    )
    fin = np.isfinite(out["m_f"])
    bad = (fin & ~np.isfinite(mj)).ravel()
    rows.append(
        _flag(
            name,
            "vector where finite",
            "vector",
            np.arange(mj.size, dtype=float),
            bad,
            mj,
            mj.size,
            "masked J·u finite wherever the masked f is",
        )
    )
    return rows


def _vec_eager(v: _Vec) -> list[Result]:
    name, f, out, lab, Wo = v.name, v.f, v.out, v.labels, v.wo
    X, U = jnp.asarray(v.inputs["X"]), jnp.asarray(v.inputs["U"])
    e_jv = _f64(jax.jvp(f, (X,), (U,))[1])
    e_vjp = _f64(jax.vjp(f, X)[1](jnp.asarray(Wo))[0])
    he = np.concatenate([e_jv.ravel(), e_vjp.ravel()])
    hj = np.concatenate([out["jv_fn"].ravel(), out["vjp"].ravel()])
    scale = max(np.max(np.abs(e_jv)), np.max(np.abs(e_vjp)))
    vjp_lab = [f"vjp row {i // X.shape[1]}, entry {i % X.shape[1]}" for i in range(e_vjp.size)]
    rows = [
        _compare(
            name,
            "modes eager vs jit",
            "modes",
            0.0,
            he,
            hj,
            _ulp_tol(he, hj, scale),
            labels=[f"jvp {s}" for s in lab] + vjp_lab,
            note="jvp and vjp of fn without jit vs under jit",
        )
    ]
    per_row = _jit_fast(lambda x, u: jax.jvp(f, (x,), (u,))[1])
    loop = np.stack([_f64(per_row(X[i], U[i])) for i in range(3)])
    vm = out["jv_fn"][:3]
    rows.append(
        _compare(
            name,
            "modes vmap vs loop",
            "modes",
            0.0,
            loop,
            vm,
            _ulp_tol(loop, vm, np.max(np.abs(vm))),
            labels=lab[: vm.size],
            note="jvp of fn row by row vs batched",
        )
    )
    return rows


def _vec_grid_row(name: str, label: str, o: Mapping[str, np.ndarray]) -> Result:
    fv, jh, jf, vj = o["g_f"], o["g_jv"], o["g_jvfn"], o["g_vjp"]
    rowfin = np.all(np.isfinite(fv), axis=-1)
    derivs_fin = np.all(np.isfinite(jh), -1) & np.all(np.isfinite(jf), -1)
    derivs_fin &= np.all(np.isfinite(vj), -1)
    nanrow = np.any(np.isnan(_V_GRID), axis=-1)
    bad = (rowfin & ~derivs_fin) | (nanrow & ~(np.any(np.isnan(fv), -1) & np.any(np.isnan(jh), -1)))
    shown = np.max(np.abs(jh), axis=-1)
    return _flag(
        name,
        label,
        "grid",
        np.arange(len(_V_GRID), dtype=float),
        bad,
        shown,
        len(_V_GRID),
        "rows of hard inputs (x = row index): J·u, Jᵀw finite where f is; NaN in, NaN out",
    )


def _vec_oracle(
    name: str, oracle: Any, fv: np.ndarray, jh: np.ndarray, smooth: bool
) -> list[Result]:
    labels = ("oracle f", "oracle jvp")
    if oracle is None:
        return [Result(name, lab, "oracle", False, 0, note="no oracle") for lab in labels]
    try:
        import mpmath as mp
    except ImportError:  # pragma: no cover - mpmath is a test dependency
        return [
            Result(name, lab, "oracle", False, 0, note="mpmath is not installed") for lab in labels
        ]
    rows_, u = _V_ORACLE_ROWS, _V_ORACLE_U
    n_out = fv.shape[-1]
    truth = np.zeros((2, *fv.shape))
    err = np.zeros((2, *fv.shape))
    kinked = np.zeros(fv.shape, bool)  # entries where the one-sided derivatives differ
    try:
        with mp.workdps(ORACLE_DPS):
            um = [mp.mpf(float(v)) for v in u]
            for i, row in enumerate(rows_):
                xm = [mp.mpf(float(v)) for v in row]
                t = oracle(xm)
                for j in range(n_out):

                    def along(s: Any, j: int = j, xm: list[Any] = xm) -> Any:
                        return oracle([a + s * b for a, b in zip(xm, um, strict=True)])[j]

                    dv = mp.diff(along, 0)
                    if not smooth:
                        lo, hi = mp.diff(along, 0, direction=-1), mp.diff(along, 0, direction=1)
                        kinked[i, j] = abs(hi - lo) > mp.mpf("1e-30") * (1 + abs(dv))
                    for q, tv in enumerate((t[j], dv)):
                        truth[q, i, j] = float(tv)
                        hv = (fv, jh)[q][i, j]
                        e = abs(mp.mpf(float(hv)) - tv) if np.isfinite(hv) else mp.inf
                        err[q, i, j] = float(e)
    except Exception as e:
        msg = f"oracle failed: {type(e).__name__}: {e}"
        return [Result(name, lab, "oracle", False, 0, note=msg) for lab in labels]
    ub = np.broadcast_to(u, rows_.shape)
    results = []
    for q, (lab, hand) in enumerate(zip(labels, (fv, jh), strict=True)):
        t = truth[q]
        floor = _row_floor(ub if q else np.ones_like(ub), rows_, truth[0], t)
        tol = 1e-12 * np.abs(t) + 64 * EPS64 * floor + TINY64
        ratio = np.where(kinked, -1.0, err[q] / tol) if q else err[q] / tol
        i, j = np.unravel_index(int(np.argmax(ratio)), ratio.shape)
        skipped = f"; {int(kinked.sum())} entries at a breakpoint skipped" if q else ""
        results.append(
            Result(
                name,
                lab,
                "oracle",
                bool(ratio[i, j] <= 1),
                t.size - (int(kinked.sum()) if q else 0),
                f"row {i}, entry {j}",
                float(hand[i, j]),
                float(t[i, j]),
                float(err[q, i, j]),
                float(tol[i, j]),
                note=f"{'f' if q == 0 else 'hand J·u'} vs mpmath ({ORACLE_DPS} digits); "
                "1e-12·|t| + 64·eps64·‖u‖·max(1, ‖x‖, ‖f‖)" + skipped,
            )
        )
    return results


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------


def _check_groups(text: str) -> list[str]:
    """``--checks``'s value: comma-separated check groups (checked by :func:`run`)."""
    out = [p.strip() for p in text.split(",") if p.strip()]
    if not out:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated check groups such as kinks,oracle, got {text!r}"
        )
    return out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the checker's flags to ``parser``: the one definition that ``jaxact check`` and
    ``python -m jaxact.check`` share; :func:`run` acts on the parsed arguments.

    Args:
      parser: the (sub)parser of the command.

    Examples:
      >>> import argparse
      >>> p = argparse.ArgumentParser()
      >>> add_arguments(p)
      >>> a = p.parse_args(["relu", "--checks", "kinks,oracle", "--checks", "fd"])
      >>> a.names, a.checks, a.failures, a.make_references
      (['relu'], ['kinks', 'oracle', 'fd'], False, None)
    """
    parser.add_argument("names", nargs="*", metavar="NAME", help="activations (default: all)")
    parser.add_argument(
        "--checks",
        type=_check_groups,
        action="extend",
        metavar="A,B,...",
        help=f"only these check groups, e.g. kinks,oracle (default: all): {', '.join(CHECKS)}",
    )
    parser.add_argument("--failures", action="store_true", help="list only the failed rows")
    parser.add_argument(
        "--make-references",
        metavar="PATH",
        nargs="?",
        const=str(oracles.REFERENCES),
        help="compute the mpmath truths of the ulp audit (about 3 minutes on 2 cores) "
        "and write them to PATH (default: the shipped file), then exit",
    )


def run(args: argparse.Namespace) -> int:
    """Act on the flags of :func:`add_arguments`: print the report, or write the references.

    Args:
      args: the parsed arguments (``names``, ``checks``, ``failures``, ``make_references``).

    Returns:
      The exit status: 1 when a check failed, else 0.

    Raises:
      ValueError: for an unknown activation (named ``NAME``) or check group (``--checks``).
    """
    if args.make_references:
        every = [*_act.names(), *_act.families()]
        recs = [_act.get(n) for n in every if _act.get(n).kind == "elementwise"]
        oracles.make_references(recs, args.make_references, processes=os.cpu_count() or 1)
        return 0
    names = []
    for n in args.names:
        try:
            names.append(_act.get(n).name)
        except ValueError as e:
            raise ValueError(f"`NAME`: {str(e).removeprefix('`activation`: ')}") from None
    for c in args.checks or ():
        _validate.choice("--checks", c, CHECKS)
    report = check(names or None, checks=args.checks)
    print(report.format(failures_only=args.failures))
    return 0 if report.ok else 1


def main(argv: Sequence[str] | None = None, prog: str = "python -m jaxact.check") -> int:
    """Command line: ``python -m jaxact.check [NAMES...] [--checks A,B] [--failures]``, the
    same flags as ``jaxact check`` (:func:`add_arguments`).

    Prints the report and returns the exit status: 1 when a check failed, 2 on a mistake
    in the arguments (one line ``PROG: error: ...``), else 0.
    """
    parser = argparse.ArgumentParser(
        prog=prog, description="Check every hand-written derivative of the jaxact catalog."
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except (ValueError, TypeError) as e:
        print(f"{prog}: error: {str(e).strip().splitlines()[0]}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
