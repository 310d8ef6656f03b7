r"""The ulp audit: every elementwise activation's f, f′ and ∂f/∂p against mpmath, in ulps.

For each elementwise activation, each quantity (f, the hand f′, the hand ∂f/∂p for
each parameter, at the default parameters) and each of float64 and float32, the
computed values on :func:`jaxact.check.oracles.audit_grid` (both signs of every binade from
the smallest subnormal to the largest finite value, dense in [−64, 64]) are compared
with the mpmath truths shipped in ``jaxact/data/ulp_references.npz``. The error at a
point is

.. math::
  e(x) = \frac{|\,a(x) - t(x)\,|}{u(t(x))}, \qquad
  u(t) = \max(\operatorname{spacing}(|t|),\ \text{tiny})

in the dtype's units, with ``tiny`` the smallest normal number of the dtype: results
in the subnormal range are measured in units of ``tiny``, because XLA on CPU flushes
subnormal results to zero (an error of up to one ``tiny``). A truth beyond the largest
finite value must come back as the infinity of its sign (error 0, else ∞).

Flush-to-zero of inputs: XLA on CPU reads a subnormal input as a zero of the same sign
(denormals-are-zero). At a subnormal x the result is accepted if it is right for x or
for ±0 as read; where 0 is a kink, the value of f′ at ±0 is the card's (the
minimum-norm subgradient). At an input that is exactly a kink of the card, f′ is held
to the card's value there, and ∂f/∂p is not audited.

Each (activation, quantity, dtype) has a budget of :data:`DEFAULT_BUDGET` ulps unless
the card states an exception (:class:`~jaxact.UlpBudget`, with its reason); the audit
fails above it.

Vector kinds (softmax, ...) are not in the audit: their JVP is normwise stable but not
componentwise (the oracle check of :mod:`jaxact.check.gradcheck` holds them to normwise
bounds).

Examples:
  >>> from jaxact.check import ulp_audit
  >>> rows = ulp_audit.audit(["sigmoid"], dtypes=["float64"])
  >>> [(r.quantity, r.ok) for r in rows]
  [('f', True), ("f'", True)]
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import jax
import numpy as np

from jaxact.catalog import activations as _cat, rational as _rational  # noqa: F401  (registers the family)
from jaxact.check import oracles

__all__ = [
    "DEFAULT_BUDGET",
    "DTYPES",
    "UlpRow",
    "audit",
    "audit_activation",
    "budgets",
    "errors",
    "point_errors",
]

DEFAULT_BUDGET = 4.0
"""Ulps allowed for every audited quantity unless its card states an exception."""

DTYPES: tuple[str, ...] = ("float64", "float32")


@dataclasses.dataclass(frozen=True)
class UlpRow:
    """The audit of one quantity of one activation in one dtype.

    Attributes:
      activation: the activation's name.
      quantity: ``"f"``, ``"f'"`` or ``"d/dp"`` for a parameter p.
      dtype: ``"float64"`` or ``"float32"``.
      n: the points compared.
      ulps: the worst error, in ulps.
      x: the point of the worst error.
      value: the computed value there.
      truth: the truth there (rounded to float64).
      budget: the ulps allowed at ``x``.
      reason: the card's stated exceptions to the default budget for this quantity
        and dtype (empty if none).
      max_ulps: the largest error anywhere (within or outside an exception's range);
        ``ulps`` is the error at the point nearest to failing (largest error/budget).
    """

    activation: str
    quantity: str
    dtype: str
    n: int
    ulps: float
    x: float
    value: float
    truth: float
    budget: float
    reason: str = ""
    max_ulps: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether the worst error is within the budget."""
        return self.ulps <= self.budget


def budgets(
    rec: _cat.Activation, quantity: str, dtype: str, x: np.ndarray
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The budget in ulps at each x, the unit floor at each x, and the card's reasons."""
    b = np.full(np.shape(x), DEFAULT_BUDGET)
    floor = np.zeros(np.shape(x))
    reasons = []
    # Whole-range exceptions first; a ranged one overrides them inside its range (and a
    # later ranged one an earlier one).
    for e in sorted(rec.card.ulp_budgets, key=lambda e: e.within is not None):
        if e.quantity == quantity and e.dtype == dtype:
            inside = np.ones(np.shape(x), bool)
            if e.within is not None:
                inside = (x >= e.within[0]) & (x <= e.within[1])
            b = np.where(inside, e.ulps, b)
            floor = np.where(inside, e.floor, floor)
            reasons.append(e.reason)
    return b, floor, reasons


def errors(
    a: np.ndarray, hi: np.ndarray, lo: np.ndarray, dtype: str, floor: Any = 0.0
) -> np.ndarray:
    """Error in ulps of computed values ``a`` against truths ``hi`` + ``lo``·ulp(hi).

    Args:
      a: computed values, any float dtype (compared exactly, as float64).
      hi: the truths rounded to ``dtype`` (±inf where they overflow).
      lo: the rest of each truth in ulps of ``hi``.
      dtype: the dtype whose ulps count.
      floor: a unit floor per point (0: none), from a card's stated exception.

    Returns:
      A float64 array of errors (∞ for NaN, or a wrong infinity).
    """
    fi = np.finfo(dtype)
    a = np.asarray(a, np.float64)
    hi = np.asarray(hi, np.float64)
    lo = np.asarray(lo, np.float64)
    ahi = np.abs(hi)
    fin = np.isfinite(ahi)
    e = np.frexp(np.where(fin & (ahi > 0), ahi, 1.0))[1]
    unit = np.ldexp(1.0, np.maximum(e - fi.nmant - 1, fi.minexp - fi.nmant))
    unit = np.maximum(np.maximum(unit, float(fi.tiny)), floor)
    with np.errstate(all="ignore"):
        err = np.abs((a - hi) / unit - np.where(ahi < float(fi.tiny), 0.0, lo))
    err = np.where(fin, err, np.where(a == hi, 0.0, np.inf))
    return np.where(np.isnan(err), np.inf, err)


def _computed(rec: _cat.Activation, x: np.ndarray, dtype: str) -> dict[str, np.ndarray]:
    xd = np.asarray(x, dtype)
    out = {"f": rec.fn(xd), "f'": rec.derivative(xd)}
    for p, df in rec.param_derivatives.items():
        out[f"d/d{p}"] = df(xd)
    return {k: np.asarray(v, np.float64) for k, v in out.items()}


def _at_zero(rec: _cat.Activation, quantity: str, sign: float) -> float:
    """The truth at ±0 as read from a flushed subnormal (the card's value at a kink)."""
    if quantity == "f'":
        for k in rec.card.kinks:
            if k.x == 0.0:
                return float(k.d1)
    oracle = rec.oracle
    t = oracles.truth(rec.name, math.copysign(0.0, sign), dict(rec.defaults), oracle=oracle)
    return float(t[quantity])


def point_errors(
    rec: _cat.Activation,
    quantity: str,
    dtype: str,
    x: np.ndarray,
    a: np.ndarray,
    hi: np.ndarray,
    lo: np.ndarray,
    floor: Any = 0.0,
) -> np.ndarray:
    """Errors in ulps at each point, with the audit's rules for kinks and subnormals.

    At a kink of the card f′ is held to the card's value; at a subnormal x a result is
    accepted if it is right for x or for ±0 as XLA on CPU reads it (the smaller error).

    Args:
      rec: the record whose card gives the kinks.
      quantity: ``"f"``, ``"f'"`` or ``"d/dp"``.
      dtype: the dtype whose ulps count.
      x: the points (float64 values exactly representable in ``dtype``).
      a: the computed values.
      hi, lo: the truths (see :func:`errors`).
      floor: a unit floor per point (see :func:`errors`).

    Returns:
      A float64 array of errors.
    """
    if quantity == "f'":
        d1_at = {float(k.x): float(k.d1) for k in rec.card.kinks}
        at_kink = np.isin(x, list(d1_at))
        if at_kink.any():
            hi = np.where(at_kink, 0.0, hi)
            hi[at_kink] = [d1_at[v] for v in x[at_kink]]
            lo = np.where(at_kink, 0.0, lo)
    err = errors(a, hi, lo, dtype, floor)
    tiny = float(np.finfo(dtype).tiny)
    sub = (x != 0) & (np.abs(x) < tiny)
    if sub.any():
        z = np.where(np.signbit(x), _at_zero(rec, quantity, -1.0), _at_zero(rec, quantity, 1.0))
        err = np.where(sub, np.minimum(err, errors(a, z, 0.0 * z, dtype)), err)
    return err


def audit_activation(
    rec: _cat.Activation | str,
    *,
    dtypes: Iterable[str] = DTYPES,
    references: Mapping[str, np.ndarray] | None = None,
    sample: int | None = None,
    seed: int = 0,
    transform: Callable[[str, np.ndarray, np.ndarray], np.ndarray] | None = None,
) -> list[UlpRow]:
    """Audit one elementwise activation; one :class:`UlpRow` per quantity and dtype.

    Args:
      rec: an elementwise :class:`~jaxact.Activation` (its references are looked up by
        ``rec.name``), or a name.
      dtypes: from :data:`DTYPES`.
      references: the truths (default: the shipped ones).
      sample: audit only this many grid points, drawn without replacement (with
        ``seed``); default all of them.
      seed: the seed of ``sample``.
      transform: ``transform(quantity, x, values) -> values`` applied to the computed
        values before the comparison (a negative control injects an error here).

    Returns:
      A list of :class:`UlpRow`.
    """
    rec = _cat.get(rec) if isinstance(rec, str) else rec
    refs = oracles.load_references() if references is None else references
    kinks = [float(k.x) for k in rec.card.kinks]
    rows = []
    for dtype in dtypes:
        x = refs[f"x/{dtype}"]
        keep = np.arange(x.size)
        if sample is not None and sample < x.size:
            keep = np.sort(np.random.default_rng(seed).choice(x.size, sample, replace=False))
        x = x[keep]
        with jax.enable_x64(True), np.errstate(all="ignore"):
            got = _computed(rec, x, dtype)
        for q in oracles.quantities(list(rec.defaults)):
            key = f"{rec.name}/{dtype}/{q}"
            hi, lo = refs[f"{key}/hi"][keep].astype(np.float64), refs[f"{key}/lo"][keep]
            a = got[q] if transform is None else transform(q, x, got[q])
            b, floor, why = budgets(rec, q, dtype, x)
            err = point_errors(rec, q, dtype, x, a, hi, lo, floor)
            at_kink = np.isin(x, kinks)
            valid = ~at_kink if q.startswith("d/d") else np.ones(x.size, bool)
            ratio = np.where(valid, err / b, -1.0)
            i = int(np.argmax(ratio))
            rows.append(
                UlpRow(
                    rec.name,
                    q,
                    dtype,
                    int(valid.sum()),
                    float(err[i]),
                    float(x[i]),
                    float(a[i]),
                    float(hi[i]),
                    float(b[i]),
                    "; ".join(why),
                    float(np.max(np.where(valid, err, -1.0))),
                )
            )
    return rows


def audit(
    names: str | Sequence[str] | None = None,
    *,
    dtypes: Iterable[str] = DTYPES,
    sample: int | None = None,
    seed: int = 0,
) -> list[UlpRow]:
    """Audit elementwise activations of the catalog (vector kinds are skipped).

    Args:
      names: activation names or aliases; default the whole catalog and the default
        member of each family (``"rational"``).
      dtypes: from :data:`DTYPES`.
      sample: audit this many random grid points per dtype (default: all).
      seed: the seed of ``sample``.

    Returns:
      A list of :class:`UlpRow`, by activation, dtype and quantity.
    """
    if names is None:
        names = [*_cat.names(), *_cat.families()]
    elif isinstance(names, str):
        names = [names]
    rows: list[UlpRow] = []
    for n in names:
        rec = _cat.get(n)
        if rec.kind == "elementwise":
            rows += audit_activation(rec, dtypes=dtypes, sample=sample, seed=seed)
    return rows
