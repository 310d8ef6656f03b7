"""Families of bad input, through the Python API and through the command.

Each case must raise ``TypeError`` / ``ValueError`` naming the argument in back-ticks
(the command: one line ``jaxact: error: ...`` naming the option, exit status 2), and say
what it received. Good input next to each family shows that the checks do not refuse
what they should accept.
"""

from __future__ import annotations

import os
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxact as ja
from experiments.__main__ import main as experiments_main
from jaxact.cli import main as cli_main

SIZES = (3, 4, 2)


def _params(dtype=jnp.float64):
    return ja.init_mlp(jax.random.key(0), SIZES, activation="tanh", dtype=dtype)


def _x(n=5):
    return np.array(jax.random.normal(jax.random.key(1), (n, SIZES[0]), jnp.float64))


Y = np.array([0, 1, 1, 0, 1], np.int32)


def _forward_calls():
    """Every public function that runs the network, as ``f(params, x)``."""
    return {
        "mlp_apply": lambda p, x: ja.mlp_apply(p, x, activation="tanh"),
        "mlp_forward": lambda p, x: ja.mlp_forward(p, x, activation="tanh"),
        "manual_grad": lambda p, x: ja.manual_grad(p, x, Y, activation="tanh", loss="softmax"),
        "grad_norms": lambda p, x: ja.grad_norms(p, x, Y, activation="tanh", loss="softmax"),
        "dead_fraction": lambda p, x: ja.dead_fraction(p, x, activation="tanh"),
        "saturated_fraction": lambda p, x: ja.saturated_fraction(p, x, activation="tanh"),
        "layer_stats": lambda p, x: ja.layer_stats(p, x, activation="tanh"),
    }


CALLS = _forward_calls()


# --------------------------------------------------------------------------------------
# Parameters of the wrong dtype: refused, never cast (integer weights truncate inputs)
# --------------------------------------------------------------------------------------


def _cast(params, leaf, dtype):
    out = [dict(layer) for layer in params]
    out[0][leaf] = np.asarray(out[0][leaf]).astype(dtype)
    return out


@pytest.mark.parametrize("fn", sorted(CALLS))
@pytest.mark.parametrize(
    ("dtype", "shown"),
    [(np.int32, "int32"), (np.bool_, "bool"), (np.complex64, "complex64"), (np.str_, "text")],
)
@pytest.mark.parametrize("leaf", ["w", "b"])
def test_params_of_a_non_floating_dtype_are_refused(fn, dtype, shown, leaf):
    bad = _cast(_params(), leaf, dtype)
    with pytest.raises(TypeError, match=rf"`params\[0\]\['{leaf}'\]`.*floating.*{shown}"):
        CALLS[fn](bad, _x())


@pytest.mark.parametrize("fn", sorted(CALLS))
def test_params_of_mixed_dtypes_are_refused(fn):
    bad = _params()
    bad[1] = {k: v.astype(jnp.float32) for k, v in bad[1].items()}
    with pytest.raises(TypeError, match=r"`params\[1\]\['w'\]`.*float64.*got dtype float32"):
        CALLS[fn](bad, _x())


def test_integer_params_gave_zero_gradients_and_now_raise():
    # The failure the check prevents: integer weights cast x to integers.
    p = [{k: np.asarray(v * 10).astype(np.int64) for k, v in layer.items()} for layer in _params()]
    x = 0.4 * _x()  # |x| < 1 mostly: truncated to 0
    with pytest.raises(TypeError, match="int64"):
        ja.manual_grad(p, x, Y, activation="tanh", loss="softmax")


# --------------------------------------------------------------------------------------
# Features: dtype, shape, values
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("fn", sorted(CALLS))
@pytest.mark.parametrize(
    ("x", "shown"),
    [
        (np.array([["a", "b", "c"]] * 5), r"dtype <U1 \(text\)"),
        (np.array([[1.0, None, 2.0]] * 5, dtype=object), r"dtype object \(Python objects\)"),
        (np.ones((5, 3), np.complex64), r"dtype complex64"),
        ([[1.0, 2.0, 3.0], [1.0, 2.0]] + [[0.0, 0.0, 0.0]] * 3, "ragged"),
    ],
)
def test_features_that_are_not_real_numbers_are_refused(fn, x, shown):
    with pytest.raises((TypeError, ValueError), match=rf"`x`.*{shown}"):
        CALLS[fn](_params(), x)


@pytest.mark.parametrize("fn", sorted(CALLS))
@pytest.mark.parametrize(
    ("shape", "msg"),
    [((5, 2), "expects 3 features, got 2"), ((2, 5, 3), r"got shape \(2, 5, 3\)")],
)
def test_features_of_the_wrong_shape_are_refused(fn, shape, msg):
    with pytest.raises(ValueError, match=rf"`x`.*{msg}"):
        CALLS[fn](_params(), np.zeros(shape))


@pytest.mark.parametrize("fn", sorted(CALLS))
def test_good_features_are_accepted(fn):
    for x in (_x(), _x().astype(np.float32), (_x() > 0).astype(np.int32), _x() > 0):
        jax.block_until_ready(CALLS[fn](_params(), x))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_manual_grad_refuses_non_finite_data(bad):
    x = _x()
    x[2, 1] = bad
    with pytest.raises(ValueError, match=r"`x`: expected finite values, got 1 NaN or infinite"):
        ja.manual_grad(_params(), x, Y, activation="tanh", loss="softmax")
    y = np.zeros((5, 2))
    y[0, 0] = bad
    with pytest.raises(ValueError, match=r"`y`: expected finite values"):
        ja.manual_grad(_params(), _x(), y, activation="tanh", loss="regression")


def test_manual_grad_refuses_an_empty_batch():
    with pytest.raises(ValueError, match=r"`x`: expected at least one example"):
        ja.manual_grad(_params(), np.zeros((0, 3)), Y[:0], activation="tanh", loss="softmax")


# --------------------------------------------------------------------------------------
# Labels out of range (the gradient would be silently wrong)
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("label", [2, 7, -1])
def test_manual_grad_refuses_class_labels_out_of_range(label):
    y = Y.copy()
    y[3] = label
    with pytest.raises(ValueError, match=r"`y`: expected class labels in \[0, 2\)"):
        ja.manual_grad(_params(), _x(), y, activation="tanh", loss="softmax")
    with pytest.raises(ValueError, match=r"`labels`: expected class labels in \[0, 2\)"):
        ja.grad_norms(_params(), _x(), y, activation="tanh", loss="softmax")


@pytest.mark.parametrize("label", [2, -1, 1.5])
def test_manual_grad_refuses_binary_labels_out_of_range(label):
    p = ja.init_mlp(jax.random.key(0), (3, 4, 1), activation="tanh", dtype=jnp.float64)
    y = Y.astype(np.float64)
    y[0] = label
    with pytest.raises(ValueError, match=r"`y`: expected 0/1 labels"):
        ja.manual_grad(p, _x(), y, activation="tanh", loss="binary")
    # In range (soft labels included) is accepted.
    ja.manual_grad(p, _x(), np.clip(y, 0, 1), activation="tanh", loss="binary")


def test_labels_in_range_are_checked_only_when_concrete():
    # Under jit the values are not known: no check, no error at trace time.
    p, x = _params(), _x()
    f = jax.jit(lambda y: ja.manual_grad(p, x, y, activation="tanh", loss="softmax"))
    jax.block_until_ready(f(jnp.asarray(Y)))


@pytest.mark.parametrize(
    ("labels", "shown"),
    [(np.array(["a"] * 5), r"dtype <U1 \(text\)"), (np.array([None] * 5), r"dtype object")],
)
def test_losses_name_the_dtype_of_non_numeric_labels(labels, shown):
    z = jnp.zeros((5, 2))
    with pytest.raises(TypeError, match=rf"`labels`.*{shown}"):
        ja.softmax_cross_entropy(z, labels)
    with pytest.raises(TypeError, match=rf"`y`.*{shown}"):
        ja.manual_grad(_params(), _x(), labels, activation="tanh", loss="softmax")


# --------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "msg"),
    [
        (b"a,b\n1,2\n3,4\n", r"not an NPZ \(zip\) file; it looks like text"),
        (b"\x93NUMPY\x01\x00v\x00{'descr': '<f8'}", r"a single \.npy array"),
        (b"", "empty"),
        (b"\x00\xff\x10binary", r"not an NPZ \(zip\) file$"),
    ],
)
def test_a_file_named_npz_that_is_not_one_is_named_for_what_it_is(tmp_path, content, msg):
    path = tmp_path / "data.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=rf"`path`: data\.npz is {msg}"):
        ja.load_task_file(path, label="a")


def test_a_real_npz_still_loads(tmp_path):
    path = tmp_path / "data.npz"
    rng = np.random.default_rng(0)
    np.savez(path, x=rng.normal(size=(20, 2)), y=np.arange(20) % 2)
    task = ja.load_task_file(path, label="y")
    assert task.x.shape == (20, 2)


# --------------------------------------------------------------------------------------
# The command: one line, exit 2, the option named
# --------------------------------------------------------------------------------------


def _one_line_error(capsys, code, option):
    out = capsys.readouterr()
    lines = [ln for ln in out.err.splitlines() if ln.strip()]
    assert code == 2, out
    assert len(lines) == 1 and lines[0].startswith("jaxact: error: "), out.err
    assert f"`{option}`" in lines[0], lines[0]
    assert "Traceback" not in out.err
    return lines[0]


def test_show_plot_into_a_file_instead_of_a_folder(tmp_path, capsys):
    (tmp_path / "afile").write_text("")
    code = cli_main(["show", "gelu", "--plot", str(tmp_path / "afile" / "g.png")])
    assert "is a file, not a folder" in _one_line_error(capsys, code, "--plot")


def test_show_plot_into_a_missing_folder(tmp_path, capsys):
    code = cli_main(["show", "gelu", "--plot", str(tmp_path / "nope" / "g.png")])
    assert "no such folder" in _one_line_error(capsys, code, "--plot")


def test_show_plot_onto_a_folder(tmp_path, capsys):
    (tmp_path / "g.png").mkdir()
    code = cli_main(["show", "gelu", "--plot", str(tmp_path / "g.png")])
    assert "is a folder" in _one_line_error(capsys, code, "--plot")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_show_plot_into_an_unwritable_folder(tmp_path, capsys):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        code = cli_main(["show", "gelu", "--plot", str(ro / "g.png")])
    finally:
        ro.chmod(0o700)
    assert "permission denied" in _one_line_error(capsys, code, "--plot")


def test_show_plot_without_matplotlib(tmp_path, capsys, monkeypatch):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    code = cli_main(["show", "gelu", "--plot", str(tmp_path / "g.png")])
    line = _one_line_error(capsys, code, "--plot")
    assert "pip install 'jaxact[plot]'" in line
    assert not (tmp_path / "g.png").exists()


def _experiments_error(capsys, code):
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 2 and len(lines) == 1 and "`--out`" in lines[0], err
    return lines[0]


def test_experiments_out_is_a_file(tmp_path, capsys):
    (tmp_path / "afile").write_text("")
    code = experiments_main(["gallery", "--out", str(tmp_path / "afile")], prog="jaxact")
    assert "is a file, not a folder" in _experiments_error(capsys, code)
    code = experiments_main(["gallery", "--out", str(tmp_path / "afile" / "sub")], prog="jaxact")
    assert "is a file, not a folder" in _experiments_error(capsys, code)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_experiments_out_unwritable(tmp_path, capsys):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        code = experiments_main(["gallery", "--out", str(ro / "sub")], prog="jaxact")
    finally:
        ro.chmod(0o700)
    assert "cannot create folder" in _experiments_error(capsys, code)


@pytest.mark.parametrize(
    ("argv", "option", "says"),
    [
        (["show", "nosuch"], "NAME", "unknown name 'nosuch'"),
        (["show", "rleu"], "NAME", "relu"),
        (["check", "relu", "nosuch"], "NAME", "unknown name 'nosuch'"),
        (["check", "relu", "--checks", "nope"], "--checks", "unknown value 'nope'"),
        (["show", "gelu", "--plot", "g.jpg"], "--plot", "expected a .png file name"),
    ],
)
def test_command_mistakes_are_one_line_naming_the_option(argv, option, says, capsys):
    assert says in _one_line_error(capsys, cli_main(argv), option)


def test_experiments_unknown_name_is_one_line_naming_it(tmp_path, capsys):
    code = experiments_main(["gallry", "--out", str(tmp_path)], prog="jaxact")
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err
    assert err.startswith("jaxact: error: `NAME`: unknown experiment 'gallry'; closest: gallery")


@pytest.mark.parametrize(
    ("x", "shown"),
    [
        (np.array(["a", "b"]), "ndarray of dtype <U1"),
        (np.array([1.0, None]), "ndarray of dtype object"),
        ("1.0", "str"),
    ],
)
@pytest.mark.parametrize("name", ["relu", "gelu", "softmax"])
def test_activations_name_what_they_received(name, x, shown):
    with pytest.raises(TypeError, match=rf"`x` of {name}: expected an array or a number.*{shown}"):
        ja.get(name).fn(x)


def test_a_folder_named_like_a_data_file_is_named_a_folder(tmp_path):
    (tmp_path / "data.csv").mkdir()
    with pytest.raises(ValueError, match=r"`path`: .*data\.csv' is a folder; expected a \.csv"):
        ja.load_task_file(tmp_path / "data.csv", label="y")
    with pytest.raises(ValueError, match=r"`path`: no such file"):
        ja.load_task_file(tmp_path / "missing.csv", label="y")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads anything")
def test_an_unreadable_data_file(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a,y\n1,0\n")
    path.chmod(0o000)
    try:
        with pytest.raises(ValueError, match=r"`path`: cannot read .*permission denied"):
            ja.load_task_file(path, label="y")
    finally:
        path.chmod(0o600)
