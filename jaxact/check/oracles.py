r"""High-precision oracles: the precision machinery for every activation's mpmath formula.

Each formula is written from the definition (jax.nn, PyTorch, the papers), not from
jaxact's code, in the activation's own block (its record's ``oracle``); this module
looks it up there and evaluates it in mpmath at a precision that grows with the input's
magnitude (:func:`precision`), so that the oracle's own cancellations (x − tanh x at
x = 1e-100, x + √(x² + b) at x = −1e300) are resolved. Derivatives come from
``mpmath.diff`` with a step relative to x.

The ulp audit of :mod:`jaxact.check.gradcheck` compares the catalog against these truths on
the grids of :func:`audit_grid`. The truths are computed once by
``python -m jaxact.check.gradcheck --make-references`` (:func:`make_references`) and shipped
as ``jaxact/data/ulp_references.npz``; a test recomputes a random sample of them.

Examples:
  >>> from jaxact.check import oracles
  >>> t = oracles.truth("sigmoid", 0.0)
  >>> float(t["f"]), float(t["f'"])
  (0.5, 0.25)
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import mpmath as mp
import numpy as np

from jaxact.catalog import activations as _acts

__all__ = [
    "ELEMENTWISE",
    "VECTOR",
    "audit_grid",
    "load_references",
    "make_references",
    "precision",
    "quantities",
    "truth",
    "ulp",
]

REFERENCES = Path(__file__).parent.parent / "data" / "ulp_references.npz"
"""The shipped truths of the ulp audit."""

_PREC_BASE = 160  # bits: ~48 digits for a well-conditioned formula
# At x = 0 a derivative that is exactly 0 (tanhshrink′) comes back from a central
# difference as O(h²); 1200 bits put that below every float's smallest subnormal.
_PREC_AT_ZERO = 1200


# --------------------------------------------------------------------------------------
# The formulas: on the records
# --------------------------------------------------------------------------------------


class _Oracles(Mapping[str, Callable[..., Any]]):
    """The mpmath formulas of the catalog's entries of one kind, read from their records.

    A live, read-only view of the registry: an entry registered later (a user's own)
    appears here with its record's ``oracle``; entries without one are absent.
    """

    def __init__(self, kind: str) -> None:
        self._kind = kind

    def __getitem__(self, name: str) -> Callable[..., Any]:
        rec = _acts.REGISTRY.get(name)
        if rec is None or rec.kind != self._kind or rec.oracle is None:
            raise KeyError(name)
        return rec.oracle

    def __iter__(self) -> Iterator[str]:
        return (n for n, r in _acts.REGISTRY.items() if r.kind == self._kind and r.oracle)

    def __len__(self) -> int:
        return sum(1 for _ in self)


ELEMENTWISE: Mapping[str, Callable[..., Any]] = _Oracles("elementwise")
"""The independent mpmath formulas ``f(x, **params)`` of the elementwise activations
(each record's ``oracle``, written in its block from the definitions in jax.nn and
PyTorch); the parameters are the record's defaults."""

VECTOR: Mapping[str, Callable[..., Any]] = _Oracles("vector")
"""The independent mpmath formulas of the vector kinds, on a 1-D row (the last axis)
(each record's ``oracle``)."""


# --------------------------------------------------------------------------------------
# Truth at one point
# --------------------------------------------------------------------------------------


def precision(x: float) -> int:
    """Working precision in bits for an oracle at ``x``: 160 + 2·|log2 |x|| (1200 at 0).

    The formulas cancel at most like x² against 1 (x + √(x² + b), x − tanh x), so
    twice the binary exponent of x in extra bits resolves every one of them.
    """
    if x == 0:
        return _PREC_AT_ZERO
    if not math.isfinite(x):
        return _PREC_BASE
    return _PREC_BASE + 2 * abs(math.frexp(x)[1])


def quantities(params: Sequence[str]) -> tuple[str, ...]:
    """The audited quantities of an elementwise activation: f, f′ and ∂f/∂p per p."""
    return ("f", "f'", *(f"d/d{p}" for p in params))


def truth(
    name: str,
    x: float,
    params: Mapping[str, float] | None = None,
    *,
    oracle: Callable[..., Any] | None = None,
    extra_bits: int = 0,
) -> dict[str, Any]:
    """f, f′ and ∂f/∂p of an activation at one point, as mpmath numbers.

    Args:
      name: an elementwise activation with a formula in :data:`ELEMENTWISE`.
      x: the point, a finite float.
      params: the parameter values (default: none).
      oracle: a formula to use instead of ``ELEMENTWISE[name]``.
      extra_bits: bits of working precision on top of :func:`precision`.

    Returns:
      A dict from the quantity name (``"f"``, ``"f'"``, ``"d/dp"``) to an ``mpf``.
    """
    f = oracle if oracle is not None else ELEMENTWISE[name]
    params = dict(params or {})
    prec = precision(x) + extra_bits
    with mp.workprec(prec):
        xm = mp.mpf(x)
        pm = {k: mp.mpf(v) for k, v in params.items()}
        out = {"f": f(xm, **pm), "f'": _derivative(lambda t: f(t, **pm), xm, prec)}
        for p in params:

            def fp(v: Any, p: str = p) -> Any:
                return f(xm, **{**pm, p: v})

            out[f"d/d{p}"] = _derivative(fp, pm[p], prec)
    return out


_FLOOR_BITS = 1200  # an absolute error below 2^-1200 is invisible in every float


def _derivative(g: Callable[[Any], Any], x: Any, prec: int) -> Any:
    """g′(x) by a central difference with step 2^-(prec+10)·max(1, |x|).

    mpmath evaluates the difference at a working precision of 2(prec + 2·addprec)
    bits; its rounding error is about |g|·2^(prec+10−workprec)/max(1, |x|). Where g′
    is tiny next to g (a saturated tail: tanh′(60) ~ 1e-52) the first attempt's error
    is checked against |g′|·2⁻⁶⁴ and, if larger, the difference is recomputed with the
    precision that brings it below that or below 2^-1200 (the result then rounds
    correctly to every float format).
    """
    scale = max(abs(x), mp.mpf(1))
    h = mp.ldexp(scale, -prec - 10)
    addprec = 10
    for _ in range(2):
        d = mp.diff(g, x, h=h, addprec=addprec)
        workprec = 2 * (prec + 2 * addprec)
        gx = abs(g(x))
        if gx == 0:
            return d
        err_bits = int(mp.log(gx / scale, 2)) + prec + 10 - workprec
        if (d != 0 and err_bits <= int(mp.log(abs(d), 2)) - 64) or err_bits <= -_FLOOR_BITS:
            return d
        need = prec + 10 + int(mp.log(gx / scale, 2)) + _FLOOR_BITS + 64
        addprec = max(addprec, (need - 2 * prec) // 4 + 16)
    return d


# --------------------------------------------------------------------------------------
# The audit grids
# --------------------------------------------------------------------------------------

_SPECIAL64 = (
    5e-324,
    1e-310,
    2.0**-1022,
    1e-300,
    1e-16,
    2e-16,
    1e-8,
    0.5,
    1.0,
    3.0,
    6.0,
    19.4,
    35.8,
    37.5,
    88.72283905206835,
    709.782712893384,
    745.1332191019412,
    1e300,
    float(np.finfo(np.float64).max),
)
_SPECIAL32 = (
    float(np.float32(1e-45)),
    float(np.float32(1e-40)),
    2.0**-126,
    1e-30,
    1e-8,
    0.5,
    1.0,
    1.37,
    3.0,
    6.0,
    9.0,
    12.0,
    88.72283935546875,
    103.97,
    1e30,
    float(np.finfo(np.float32).max),
)


@functools.cache
def audit_grid(dtype: str) -> np.ndarray:
    """The points of the ulp audit in ``dtype`` (``"float64"`` or ``"float32"``).

    Both signs of: every binade from the smallest subnormal to the largest finite
    value (one random mantissa per binade below 2⁻⁸ and above 64; every other binade
    in float64), 1,200 random points in [2⁻⁸, 64) (where every activation bends), the
    multiples of 1/8 in [−64, 64], and the special points (underflow and overflow
    thresholds, the largest finite value). Fixed seed: the same grid on every machine.

    Args:
      dtype: ``"float64"`` or ``"float32"``.

    Returns:
      A sorted 1-D float64 array of values exactly representable in ``dtype``, ±0
      included.
    """
    dt = np.dtype(dtype)
    fi = np.finfo(dt)
    rng = np.random.default_rng(20261203 if dt == np.float64 else 20261204)
    lo_exp = int(np.log2(float(fi.smallest_subnormal)))
    hi_exp = int(fi.maxexp)
    binades = np.arange(lo_exp, hi_exp).astype(np.float64)
    tails = binades[(binades < -8) | (binades >= 6)]
    if dt == np.float64:
        tails = tails[::2]
    pos = [np.ldexp(1.0 + rng.random(tails.size), tails.astype(int))]
    pos.append(2.0 ** rng.uniform(-8, 6, 1200))
    pos.append(np.arange(1, 64 * 8 + 1) / 8.0)  # 1/8 .. 64
    pos.append(np.asarray(_SPECIAL64 if dt == np.float64 else _SPECIAL32))
    p = np.concatenate(pos)
    p = p[np.isfinite(p.astype(dt))].astype(dt)
    p = p[p > 0]
    x = np.unique(np.concatenate([p, -p]).astype(np.float64))
    return np.concatenate([x, [0.0, -0.0]])


# --------------------------------------------------------------------------------------
# The shipped references
# --------------------------------------------------------------------------------------


def _split(t: Any, dtype: np.dtype) -> tuple[float, float]:
    """``t`` rounded to ``dtype``, and the rest in units of its ulp (``nan`` if inf)."""
    hi = float(dtype.type(float(t))) if abs(t) < mp.mpf(2) ** 16384 else math.copysign(math.inf, t)
    if not math.isfinite(hi):
        return hi, 0.0
    return hi, float((t - mp.mpf(hi)) / ulp(hi, dtype))


def ulp(v: float, dtype: np.dtype | str) -> float:
    """The spacing of ``dtype`` at ``|v|`` (at the largest finite value too; 0 → the
    smallest subnormal)."""
    fi = np.finfo(dtype)
    e = math.frexp(abs(v))[1] if v else fi.minexp
    return math.ldexp(1.0, max(e - fi.nmant - 1, fi.minexp - fi.nmant))


def series(
    name: str, params: Mapping[str, float], dtype: str
) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
    """Yield ``(quantity, hi, lo)`` over :func:`audit_grid` for one activation.

    ``hi`` is the truth rounded to ``dtype``; ``lo`` the rest in ulps of ``hi``.
    """
    dt = np.dtype(dtype)
    x = audit_grid(dtype)
    qs = quantities(list(params))
    hi = np.zeros((len(qs), x.size))
    lo = np.zeros((len(qs), x.size))
    for i, xv in enumerate(x):
        t = truth(name, float(xv), params)
        for j, q in enumerate(qs):
            hi[j, i], lo[j, i] = _split(t[q], dt)
    for j, q in enumerate(qs):
        yield q, hi[j], lo[j]


def _series_task(task: tuple[str, dict[str, float], str]) -> dict[str, np.ndarray]:
    name, params, dtype = task
    hdt = np.float64 if dtype == "float64" else np.float32
    out = {}
    for q, hi, lo in series(name, params, dtype):
        out[f"{name}/{dtype}/{q}/hi"] = hi.astype(hdt)
        out[f"{name}/{dtype}/{q}/lo"] = lo.astype(np.float16)
    return out


def make_references(
    records: Sequence[Any],
    path: Path | str = REFERENCES,
    *,
    processes: int = 1,
    log: Callable[[str], None] = print,
) -> Path:
    """Compute the truths of the audit for ``records`` and write them to ``path``.

    Args:
      records: elementwise :class:`~jaxact.Activation` records.
      path: the ``.npz`` file to write (compressed; written whole, then renamed).
      processes: worker processes (the truths are independent per activation).
      log: called with one line per activation and dtype.

    Returns:
      The path written.
    """
    arrays: dict[str, np.ndarray] = {f"x/{d}": audit_grid(d) for d in ("float64", "float32")}
    tasks = [
        (rec.name, {k: float(v) for k, v in rec.defaults.items()}, dtype)
        for dtype in ("float64", "float32")
        for rec in records
    ]
    if processes > 1:
        import multiprocessing as mproc

        with mproc.get_context("spawn").Pool(processes) as pool:
            for task, part in zip(tasks, pool.imap(_series_task, tasks), strict=True):
                arrays.update(part)
                log(f"{task[0]} {task[2]}")
    else:
        for task in tasks:
            arrays.update(_series_task(task))
            log(f"{task[0]} {task[2]}")
    path = Path(path)
    tmp = path.with_name(path.stem + ".partial.npz")
    np.savez_compressed(tmp, **arrays)
    tmp.replace(path)
    return path


@functools.cache
def load_references(path: str = str(REFERENCES)) -> Mapping[str, np.ndarray]:
    """The shipped truths, as a read-only mapping of arrays (loaded once).

    Keys: ``"x/{dtype}"`` (the grid) and ``"{name}/{dtype}/{quantity}/hi"`` and
    ``".../lo"``.
    """
    with np.load(path) as z:
        return {k: z[k] for k in z.files}
