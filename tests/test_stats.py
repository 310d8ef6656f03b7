"""Student's t quantile without SciPy, against tabulated values and mpmath; the CI."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from jaxact.training.stats import mean_std_ci, t_quantile

# Two-sided 95% critical values t(0.975, df) as tabulated (e.g. NIST/SEMATECH e-Handbook,
# table 1.3.6.7.2), to the digits printed there.
TABLE = {
    1: 12.706,
    2: 4.303,
    3: 3.182,
    4: 2.776,
    5: 2.571,
    6: 2.447,
    7: 2.365,
    8: 2.306,
    9: 2.262,
    10: 2.228,
    15: 2.131,
    20: 2.086,
    30: 2.042,
    60: 2.000,
    100: 1.984,
}


@pytest.mark.parametrize(("df", "want"), sorted(TABLE.items()))
def test_table_values(df, want):
    assert round(t_quantile(0.975, df), 3) == want


def test_closed_forms():
    for p in (0.6, 0.9, 0.975, 0.999):
        assert t_quantile(p, 1) == pytest.approx(math.tan(math.pi * (p - 0.5)), rel=1e-15)
        assert t_quantile(p, 2) == pytest.approx(
            (2 * p - 1) * math.sqrt(2 / (4 * p * (1 - p))), rel=1e-15
        )
    assert t_quantile(0.5, 7) == 0.0
    assert t_quantile(0.025, 9) == -t_quantile(0.975, 9)


def test_against_mpmath():
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    for df in (3, 4, 7, 31, 100, 1000):
        for p in (0.6, 0.9, 0.975, 0.995, 0.9995):
            got = t_quantile(p, df)

            def tail(t, df=df):
                return mpmath.betainc(mpmath.mpf(df) / 2, 0.5, 0, df / (df + t * t), True) / 2

            want = mpmath.findroot(lambda t, tail=tail, p=p: tail(t) - (1 - mpmath.mpf(p)), got)
            assert got == pytest.approx(float(want), rel=2e-13), (df, p)


def test_negative_control_detects_a_wrong_quantile():
    """The mpmath comparison has the power to fail: 1 + 1e-12 off is caught."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    got = t_quantile(0.975, 4) * (1 + 1e-11)
    want = float(mpmath.findroot(
        lambda t: mpmath.betainc(2, 0.5, 0, 4 / (4 + t * t), True) / 2 - mpmath.mpf(0.025), 2.7
    ))  # fmt: skip
    assert got != pytest.approx(want, rel=2e-13)


def test_arrays_and_bad_input():
    out = t_quantile(0.975, np.array([[1, 2], [4, 30]]))
    assert out.shape == (2, 2) and out[1, 0] == t_quantile(0.975, 4)
    with pytest.raises(ValueError, match="`p`"):
        t_quantile(1.0, 3)
    with pytest.raises(ValueError, match="`df`"):
        t_quantile(0.975, 0)


def test_mean_std_ci():
    m, s, h = mean_std_ci(np.array([1.0, 2.0, 4.0, np.nan]))
    assert m == pytest.approx(7 / 3) and s == pytest.approx(np.std([1, 2, 4], ddof=1))
    assert h == pytest.approx(t_quantile(0.975, 2) * s / math.sqrt(3))
    assert all(math.isnan(v) for v in mean_std_ci(np.array([np.inf])))
    one = mean_std_ci(np.array([5.0]))
    assert one[0] == 5.0 and math.isnan(one[1]) and math.isnan(one[2])
    # float32 values near its largest do not overflow (computed in float64)
    big = mean_std_ci(np.array([3e38, 1e38], np.float32))
    assert math.isfinite(big[0]) and math.isfinite(big[1])


def test_no_scipy_import():
    code = "import sys, jaxact, jaxact.cli; print('scipy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
