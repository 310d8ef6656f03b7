r"""Summaries across seeds: Student's t quantiles and confidence intervals of a mean.

The quantile is computed here, without SciPy: Newton's method on the upper tail of
Student's t distribution,

.. math::
  Q(t) = \tfrac12 I_{\nu / (\nu + t^2)}\!\left(\tfrac\nu2, \tfrac12\right), \qquad
  Q'(t) = -\frac{\Gamma(\frac{\nu+1}2)}{\sqrt{\nu\pi}\,\Gamma(\frac\nu2)}
  \left(1 + \frac{t^2}\nu\right)^{-\frac{\nu+1}2},

with the regularized incomplete beta function :math:`I_x(a, b)` from its continued
fraction (modified Lentz), started from the closed forms for 1 and 2 degrees of freedom
or from the normal quantile. The tail is computed directly (never as ``1 - cdf``).
Measured against mpmath for p in [0.6, 0.9995]: relative error below 2e-13 up to 1,000
degrees of freedom, below 1e-10 at 100,000 (the log-gamma differences lose digits
there); ``tests/test_stats.py`` checks it against tabulated values and mpmath.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

__all__ = ["mean_std_ci", "t_quantile"]


def _betacf(a: float, b: float, x: float) -> float:
    """The continued fraction of I_x(a, b) (Numerical Recipes' betacf, modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 100_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-16:
            break
    return h


def _betainc(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b), 0 <= x <= 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    ln_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(ln_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def _upper_tail(t: float, df: float) -> float:
    """P(T > t) for t >= 0."""
    return 0.5 * _betainc(df / 2.0, 0.5, df / (df + t * t))


def _normal_quantile(p: float) -> float:
    """The standard normal quantile (Acklam's rational approximation, rel. error 1e-9)."""
    a = (-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.3577518672690,
         -30.66479806614716, 2.506628277459239)  # fmt: skip
    b = (-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972,
         -13.28068155288572)  # fmt: skip
    c = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838, -2.549732539343734,
         4.374664141464968, 2.938163982698783)  # fmt: skip
    d = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996, 3.754408661907416)
    if p < 0.02425:
        q = math.sqrt(-2 * math.log(p))
        num = ((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]
        return num / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    if p > 1 - 0.02425:
        return -_normal_quantile(1 - p)
    q = p - 0.5
    r = q * q
    num = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
    return num / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)


def _t_quantile_scalar(p: float, df: float) -> float:
    if p == 0.5:
        return 0.0
    if p < 0.5:
        return -_t_quantile_scalar(1.0 - p, df)
    if df == 1.0:
        return math.tan(math.pi * (p - 0.5))
    if df == 2.0:
        return (2 * p - 1) * math.sqrt(2.0 / (4 * p * (1 - p)))
    tail = 1.0 - p  # exact for the p of interest (0.975 - 1 is 0.025 to rounding)
    z = _normal_quantile(p)
    # Cornish-Fisher start, then Newton on log Q(t) - log(tail).
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    t = z + g1 / df + g2 / df**2
    log_c = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    for _ in range(100):
        q = _upper_tail(t, df)
        dens = math.exp(log_c - (df + 1) / 2 * math.log1p(t * t / df))
        step = (q - tail) / dens
        t_new = t + step
        if t_new <= 0:
            t_new = t / 2
        if abs(t_new - t) <= 1e-15 * abs(t_new):
            return t_new
        t = t_new
    return t


def t_quantile(p: float, df: float | Iterable[float] | np.ndarray) -> float | np.ndarray:
    r"""The ``p`` quantile of Student's t distribution with ``df`` degrees of freedom.

    .. math:: F_\nu(t) = p, \qquad F_\nu(t) = 1 - \tfrac12 I_{\nu/(\nu+t^2)}(\tfrac\nu2,
      \tfrac12) \ (t \ge 0)

    Args:
      p: the probability, in (0, 1).
      df: the degrees of freedom, > 0 (a number or an array of them).

    Returns:
      A float, or for an array ``df`` a float64 array of the same shape.

    Raises:
      ValueError: ``p`` outside (0, 1) or ``df`` not > 0.

    Examples:
      >>> from jaxact.training.stats import t_quantile
      >>> round(t_quantile(0.975, 4), 10)  # the tabulated 2.7764
      2.7764451052
      >>> t_quantile(0.975, [1, 30]).round(4).tolist()
      [12.7062, 2.0423]
    """
    if not (isinstance(p, (int, float, np.floating)) and 0.0 < float(p) < 1.0):
        raise ValueError(f"`p`: expected a probability in (0, 1), got {p!r}")
    arr = np.asarray(df, dtype=np.float64)
    if arr.size and not (np.all(np.isfinite(arr)) and np.all(arr > 0)):
        raise ValueError(f"`df`: expected degrees of freedom > 0, got {arr.tolist()}")
    if arr.ndim == 0:
        return _t_quantile_scalar(float(p), float(arr))
    flat = [_t_quantile_scalar(float(p), float(v)) for v in arr.ravel()]
    return np.asarray(flat, dtype=np.float64).reshape(arr.shape)


def mean_std_ci(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    r"""Mean, sample standard deviation and CI half-width of the finite entries.

    .. math:: \bar v, \quad s = \sqrt{\tfrac{1}{n-1}\sum (v_i - \bar v)^2}, \quad
      t_{(1+\text{level})/2,\,n-1}\, s / \sqrt n

    Computed in float64 (a float32 input of large values does not overflow).

    Args:
      values: an array; NaN and infinite entries are left out.
      level: the confidence level. Default 0.95.

    Returns:
      ``(mean, std, half_width)``: NaN where undefined (no entries; std and half-width
      with fewer than two).

    Examples:
      >>> from jaxact.training.stats import mean_std_ci
      >>> [round(v, 4) for v in mean_std_ci([1.0, 2.0, 3.0])]
      [2.0, 1.0, 2.4841]
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    n = v.size
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(np.mean(v))
    if n == 1:
        return mean, math.nan, math.nan
    std = float(np.std(v, ddof=1))
    return mean, std, t_quantile((1 + level) / 2, n - 1) * std / math.sqrt(n)
