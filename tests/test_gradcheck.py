"""Tests of the derivative checker: every catalog entry passes, and broken records fail.

The negative controls are the point: each builds a record with one deliberate error
(``dataclasses.replace``) and asserts that the named checks report it — evidence that
the checker has the power to see errors of that kind and size.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import jax
import jax.numpy as jnp
import pytest

import jaxact as ja
from jaxact.catalog.activations import Kink
from jaxact.check import gradcheck

# --------------------------------------------------------------------------------------
# The whole catalog passes
# --------------------------------------------------------------------------------------


def _failures(rows: list[gradcheck.Result]) -> str:
    return gradcheck.Report(tuple(rows)).format(failures_only=True)


@pytest.mark.parametrize("name", ja.names())
def test_every_activation_passes_every_check(name):
    rows = gradcheck.check_activation(name)
    groups = {r.group for r in rows}
    assert {"autodiff", "fd", "oracle", "modes", "grid", "float32"} <= groups
    if ja.get(name).kind == "vector":
        assert "vector" in groups
    if ja.get(name).defaults:
        assert "params" in groups
    failed = {r.check for r in rows if not r.ok}
    assert not failed, _failures(rows)


# --------------------------------------------------------------------------------------
# Negative controls: each deliberate error is caught by the named checks
# --------------------------------------------------------------------------------------


def _failed(rec, checks, **kw) -> dict[str, gradcheck.Result]:
    rows = gradcheck.check_activation(rec, checks=checks, **kw)
    return {r.check: r for r in rows if not r.ok}


def _assert_caught(failed, expected):
    missing = [c for c in expected if c not in failed]
    assert not missing, f"not caught by {missing}; failed: {sorted(failed)}"


def test_control_derivative_off_by_1e6_relative():
    rec = ja.get("sigmoid")
    bad = dataclasses.replace(rec, derivative=lambda x: rec.derivative(x) * (1 + 1e-6))
    failed = _failed(bad, ["autodiff", "fd", "oracle", "modes"])
    _assert_caught(failed, ["autodiff f'", "fd f'", "oracle f'", "modes f'"])
    # the error is 1e-6 relative; the checks see it with room to spare
    assert failed["autodiff f'"].ratio > 1e3
    assert failed["oracle f'"].ratio > 1e3


def test_control_silu_dropped_term():
    rec = ja.get("silu")

    def d_no_gate_term(x, beta=1.0):  # σ(βx) without x·β·σ′(βx)
        return jax.nn.sigmoid(beta * x)

    bad = dataclasses.replace(rec, derivative=d_no_gate_term)
    failed = _failed(bad, ["autodiff", "fd", "oracle", "float32"])
    _assert_caught(failed, ["autodiff f'", "fd f'", "oracle f'"])


def test_control_gelu_dropped_term():
    rec = ja.get("gelu")

    def d_no_density_term(x):  # Φ(x) without x·φ(x)
        return jax.scipy.special.ndtr(x)

    bad = dataclasses.replace(rec, derivative=d_no_density_term)
    failed = _failed(bad, ["autodiff", "fd", "oracle"])
    _assert_caught(failed, ["autodiff f'", "fd f'", "oracle f'"])


def test_control_wrong_sign():
    rec = ja.get("tanh")
    bad = dataclasses.replace(rec, derivative=lambda x: -rec.derivative(x))
    failed = _failed(bad, ["autodiff", "fd", "oracle", "modes"])
    _assert_caught(failed, ["autodiff f'", "fd f'", "oracle f'", "modes f'"])


def test_control_relu_kink_value_one():
    rec = ja.get("relu")
    bad = dataclasses.replace(rec, derivative=lambda x: jnp.where(x >= 0, 1.0, 0.0) + 0 * x)
    failed = _failed(bad, ["kinks", "modes", "autodiff"])
    _assert_caught(failed, ["kinks exact", "modes f'"])
    assert "0: d vs d1" in failed["kinks exact"].x
    assert "autodiff f'" not in failed  # autodiff has no answer at the kink: kinks does


def test_control_leaky_kink_value_one():
    rec = ja.get("leaky_relu")

    def d(x, negative_slope=0.01):
        return jnp.where(x >= 0, 1.0, negative_slope) + 0 * x

    failed = _failed(dataclasses.replace(rec, derivative=d), ["kinks"])
    _assert_caught(failed, ["kinks exact"])


def test_control_card_kink_not_min_norm():
    # the card claims leaky′(0) = 1 (autodiff of max(x, a·x) gives that); the code
    # returns the slope: both the exact value and the policy are reported
    rec = ja.get("leaky_relu")
    card = dataclasses.replace(rec.card, kinks=(Kink(0.0, 1.0, 0.0, 0.01, 1.0),))
    failed = _failed(dataclasses.replace(rec, card=card), ["kinks"])
    _assert_caught(failed, ["kinks exact", "kinks policy"])


def test_control_card_wrong_one_sided_slope():
    rec = ja.get("relu6")
    k0, k6 = rec.card.kinks
    card = dataclasses.replace(rec.card, kinks=(k0, dataclasses.replace(k6, left=0.5)))
    failed = _failed(dataclasses.replace(rec, card=card), ["kinks"])
    _assert_caught(failed, ["kinks brackets"])  # min-norm of [0.5, 0] is still 0
    assert failed["kinks brackets"].x == "6: left"


def test_control_missing_kink_on_card():
    # hard_tanh without its kinks: FD across ±1 and the exact value are unguarded
    rec = ja.get("hard_tanh")
    card = dataclasses.replace(rec.card, kinks=())
    failed = _failed(dataclasses.replace(rec, card=card), ["fd", "oracle"])
    assert "fd f'" in failed


def test_control_wrong_second_derivative():
    rec = ja.get("sigmoid")
    bad = dataclasses.replace(
        rec, second_derivative=lambda x: rec.second_derivative(x) * (1 + 1e-6)
    )
    failed = _failed(bad, ["autodiff", "fd", "oracle", "modes"])
    _assert_caught(failed, ["autodiff f''", "fd f''", "oracle f''", "modes f''"])


def test_control_second_derivative_dropped_factor():
    rec = ja.get("tanh")
    bad = dataclasses.replace(rec, second_derivative=lambda x: -jnp.tanh(x) * rec.derivative(x))
    failed = _failed(bad, ["autodiff", "oracle"])
    _assert_caught(failed, ["autodiff f''", "oracle f''"])


def test_control_wrong_parameter_derivative():
    rec = ja.get("leaky_relu")
    pd = {"negative_slope": lambda x, negative_slope=0.01: x}  # should be min(x, 0)
    failed = _failed(dataclasses.replace(rec, param_derivatives=pd), ["params"])
    _assert_caught(
        failed,
        [
            "param autodiff [negative_slope]",
            "param fd [negative_slope]",
            "param wiring [negative_slope]",
        ],
    )


def test_control_parameter_derivative_off_by_1e6():
    rec = ja.get("elu")
    good = rec.param_derivatives["alpha"]
    pd = {"alpha": lambda x, alpha=1.0: good(x, alpha=alpha) * (1 + 1e-6)}
    failed = _failed(dataclasses.replace(rec, param_derivatives=pd), ["params"])
    _assert_caught(failed, ["param autodiff [alpha]", "param fd [alpha]"])


def test_control_derivative_right_only_at_default_parameter():
    # silu′ written for β = 1 only: right at the default, wrong at a shifted β
    rec = ja.get("silu")

    def d_beta_one(x, beta=1.0):
        s = jax.nn.sigmoid(x)
        return s * (1 + x * (1 - s))

    failed = _failed(dataclasses.replace(rec, derivative=d_beta_one), ["params", "autodiff"])
    assert "autodiff f'" not in failed
    _assert_caught(failed, ["param shifted [beta]"])


def test_control_tail_cancellation_caught_by_oracle():
    # σ(1 − σ): right in the middle, wrong in the right tail where 1 − σ cancels
    rec = ja.get("sigmoid")

    def d_cancels(x):
        s = jax.nn.sigmoid(x)
        return s * (1 - s)

    failed = _failed(dataclasses.replace(rec, derivative=d_cancels), ["oracle", "float32"])
    _assert_caught(failed, ["oracle f'", "float32 f'"])
    assert failed["oracle f'"].x > 5


def test_control_nan_from_unselected_branch():
    # softplus′ = eˣ/(1 + eˣ) gives inf/inf = NaN for x > 709 where f is finite
    rec = ja.get("softplus")
    failed = _failed(
        dataclasses.replace(rec, derivative=lambda x: jnp.exp(x) / (1 + jnp.exp(x))), ["grid"]
    )
    _assert_caught(failed, ["grid float64", "grid float32"])


def test_control_softmax_jvp_without_mean_term():
    rec = ja.get("softmax")

    def jvp_no_mean(x, v, axis=-1, where=None):
        return rec.fn(x, axis, where) * v if where is not None else rec.fn(x, axis) * v

    failed = _failed(
        dataclasses.replace(rec, derivative=jvp_no_mean),
        ["autodiff", "fd", "oracle", "modes", "vector"],
    )
    _assert_caught(
        failed,
        [
            "autodiff jvp",
            "fd jvp",
            "oracle jvp",
            "modes jvp",
            "modes adjoint",
            "vector axis",
            "vector where",
        ],
    )


def test_control_vector_jvp_ignoring_axis_and_mask():
    rec = ja.get("log_softmax")

    def jvp_last_axis_unmasked(x, v, axis=-1, where=None):
        return rec.derivative(x, v)  # always along −1, never masked

    failed = _failed(dataclasses.replace(rec, derivative=jvp_last_axis_unmasked), ["vector"])
    _assert_caught(failed, ["vector axis", "vector where"])


def test_control_no_oracle_is_a_failure():
    rows = gradcheck.check_activation("tanh", checks=["oracle"], oracle=None)
    assert rows and all(not r.ok and r.note == "no oracle" for r in rows)
    rows = gradcheck.check_activation("softmax", checks=["oracle"], oracle=None)
    assert rows and all(not r.ok and r.note == "no oracle" for r in rows)


def test_true_records_pass_the_checks_used_by_the_controls():
    for name in ("sigmoid", "leaky_relu", "softmax"):
        rows = gradcheck.check_activation(name, checks=["autodiff", "kinks", "params", "vector"])
        assert all(r.ok for r in rows), _failures(rows)


# --------------------------------------------------------------------------------------
# API, report, command line
# --------------------------------------------------------------------------------------


def test_report_fields_and_format():
    report = gradcheck.check(["relu", "swish"], checks=["kinks", "oracle"])
    assert report.ok and not report.failures()
    assert {r.activation for r in report.results} == {"relu", "silu"}
    row = next(r for r in report.results if r.check == "oracle f'")
    assert row.n > 30 and row.tol > 0 and row.ratio <= 1 and isinstance(row.x, float)
    text = report.format()
    assert "worst x" in text and "oracle f'" in text and "all passed" in text.splitlines()[-1]


def test_failures_show_in_the_report():
    rec = ja.get("tanh")
    bad = dataclasses.replace(rec, derivative=lambda x: -rec.derivative(x))
    report = gradcheck.Report(tuple(gradcheck.check_activation(bad, checks=["autodiff"])))
    assert not report.ok
    text = report.format(failures_only=True)
    assert "FAIL" in text and "autodiff f'" in text and "1 failed (tanh)" in text


def test_runs_in_float64_whatever_the_caller_set():
    with jax.enable_x64(False):
        rows = gradcheck.check_activation("sigmoid", checks=["autodiff"])
        assert not jax.config.jax_enable_x64
        assert jnp.ones(()).dtype == jnp.float32
    assert all(r.ok for r in rows)
    assert rows[0].error < 1e-14  # computed in float64 (float32 would be off by ~1e-8)


def test_deterministic():
    a = gradcheck.check_activation("gelu", checks=["fd", "oracle", "float32"])
    b = gradcheck.check_activation("gelu", checks=["fd", "oracle", "float32"])
    assert a == b


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"`checks`.*closest: oracle"):
        gradcheck.check("relu", checks=["oracel"])
    with pytest.raises(ValueError, match="`activation`: unknown name 'relux'"):
        gradcheck.check(["relux"])
    with pytest.raises(TypeError, match="`rec`"):
        gradcheck.check_activation(3.0)


def test_main_exit_status(monkeypatch, capsys):
    assert gradcheck.main(["relu", "--checks", "kinks"]) == 0
    assert "all passed" in capsys.readouterr().out
    monkeypatch.setitem(
        ja.activations.REGISTRY, "relu", dataclasses.replace(ja.get("relu"), oracle=None)
    )
    assert gradcheck.main(["relu", "--checks", "oracle"]) == 1
    out = capsys.readouterr().out
    assert "no oracle" in out and "FAIL" in out


def test_main_mistakes_are_one_line_exit_2(capsys):
    assert gradcheck.main(["relux"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert err.startswith("python -m jaxact.check: error: `NAME`: unknown name 'relux'")
    assert gradcheck.main(["relu", "--checks", "kinks,oracel"]) == 2
    assert "`--checks`: unknown value 'oracel'; closest: oracle" in capsys.readouterr().err


def test_module_runs_from_the_command_line():
    proc = subprocess.run(
        [sys.executable, "-m", "jaxact.check.gradcheck", "leaky_relu", "--checks", "kinks"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "kinks exact" in proc.stdout
