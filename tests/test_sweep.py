"""The sweep engine: labelled results equal to single runs, grids, divergence, export,
checkpoints that survive a real kill, several devices, several processes, bad input."""

from __future__ import annotations

import csv
import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxact as ja

sw = sys.modules["jaxact.sweep"]  # the module (``ja.sweep`` is the function)
ROOT = Path(__file__).resolve().parents[1]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ACTS = ["relu", "tanh"]
SEEDS = [0, 3]
STEPS, LOG = 20, 5


@pytest.fixture(scope="module")
def iris():
    return ja.load_task("iris")


BASE = dict(
    activations=ACTS,
    seeds=SEEDS,
    steps=STEPS,
    log_every=LOG,
    progress=False,
    keep_params=True,
    dtype=jnp.float64,
)


@pytest.fixture(scope="module")
def base(iris):
    """The sweep most tests read: 2 activations x 2 seeds x 20 steps, float64."""
    return ja.sweep(iris, **BASE)


# --------------------------------------------------------------------------------------
# Result object
# --------------------------------------------------------------------------------------


def test_labelled_arrays(base):
    t = len(ja.logged_steps(STEPS, LOG))
    assert base.dims == ("activation", "seed", "step")
    assert base.activations == ACTS
    assert base.seeds.tolist() == SEEDS
    assert base.steps.tolist() == [0, 5, 10, 15, 20]
    assert base.loss.shape == base.accuracy.shape == (2, 2, t)
    assert base.diverged.shape == (2, 2) and not base.diverged.any()
    assert base.loss.dtype == np.float64
    assert np.all((base.accuracy >= 0) & (base.accuracy <= 1))
    # training lowers the loss of every run
    assert np.all(base.loss[..., -1] < base.loss[..., 0])
    assert base.coords["step"] is base.steps
    assert set(base.timing) >= {"trace", "compile", "run"}
    assert all(v >= 0 for v in base.timing.values())
    assert base.kind == "softmax" and base.sizes == [(4, 6), (6, 6), (6, 3)]
    w = base.params["relu"][0]["w"]
    assert w.shape == (2, 4, 6)  # (seed, n_in, n_out)


def test_equals_a_loop_of_fit(base, iris):
    """Each (activation, seed) of the sweep is fit(jax.random.key(seed), ...): same steps,
    same order, so equal to rounding (XLA compiles a batch of runs and a single run into
    different kernels, whose sums may round differently)."""
    for a, s in [(0, 0), (1, 1)]:  # relu with seed 0, tanh with seed 3
        act, seed = ACTS[a], SEEDS[s]
        f = ja.fit(
            jax.random.key(seed),
            iris,
            activation=act,
            optimizer="adam",
            steps=STEPS,
            log_every=LOG,
            dtype=jnp.float64,
        )
        np.testing.assert_array_equal(f.history["step"], base.steps)
        np.testing.assert_allclose(base.loss[a, s], f.history["loss"], rtol=1e-12)
        np.testing.assert_allclose(base.accuracy[a, s], f.history["accuracy"], rtol=0)
        for got, want in zip(
            jax.tree.leaves(base.params[act]), jax.tree.leaves(f.params), strict=True
        ):
            np.testing.assert_allclose(got[s], want, rtol=1e-11, atol=1e-14)


def test_same_pair_same_result_in_any_sweep(base, iris):
    """A run depends on its seed only: not on its position, its neighbours or their number.

    Equal to rounding: with another number of runs XLA may block a layer's gradient sum
    differently, so the last bit can change."""
    other = ja.sweep(
        iris,
        activations=["tanh"],
        seeds=[3, 9, 0],
        steps=STEPS,
        log_every=LOG,
        progress=False,
        dtype=jnp.float64,
    )
    np.testing.assert_allclose(other.loss[0, 0], base.loss[1, 1], rtol=1e-14)  # tanh, seed 3
    np.testing.assert_allclose(other.loss[0, 2], base.loss[1, 0], rtol=1e-14)  # tanh, seed 0
    np.testing.assert_array_equal(other.accuracy[0, 0], base.accuracy[1, 1])
    # and not a copy of its neighbour
    assert not np.allclose(other.loss[0, 1], base.loss[1, 0])


def test_second_sweep_of_the_same_shape_does_not_compile(base, iris):
    again = ja.sweep(iris, **BASE)
    assert again.timing["trace"] == 0.0 and again.timing["compile"] == 0.0
    np.testing.assert_array_equal(again.loss, base.loss)


def test_chunks_and_a_last_short_interval(base, iris):
    """23 steps logged every 5 in chunks of 10: steps 0..20 as in the 20-step sweep (same
    computation, other chunking), then the final metrics after step 23."""
    r = ja.sweep(
        iris,
        activations=ACTS,
        seeds=SEEDS,
        steps=23,
        log_every=LOG,
        chunk_steps=10,
        progress=False,
        dtype=jnp.float64,
    )
    assert r.steps.tolist() == [0, 5, 10, 15, 20, 23] == ja.logged_steps(23, LOG).tolist()
    np.testing.assert_array_equal(r.loss[..., :5], base.loss)
    np.testing.assert_array_equal(r.accuracy[..., :5], base.accuracy)
    assert np.all(np.isfinite(r.loss)) and r.config["chunk_steps"] == 10


# --------------------------------------------------------------------------------------
# Grids, learnable activations, divergence
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def diverging():
    """SGD on a regression with a sane and an absurd learning rate; prelu learns its slope."""
    return ja.sweep(
        ja.load_task("sin"),
        activations=["tanh", "prelu"],
        seeds=2,
        steps=20,
        log_every=10,
        optimizer="sgd",
        grid={"learning_rate": [1e-2, 1e3]},
        progress=False,
        keep_params=True,
    )


def test_grid_axis_and_divergence(diverging):
    r = diverging
    assert r.dims == ("activation", "learning_rate", "seed", "step")
    assert r.loss.shape == (2, 2, 2, 3)
    assert r.grid["learning_rate"].tolist() == [1e-2, 1e3]
    assert not r.diverged[:, 0].any() and r.diverged[:, 1].all()
    assert np.all(np.isfinite(r.loss[:, 0]))
    assert np.all(np.isnan(r.accuracy))  # regression has no accuracy
    rows = r.summary()
    assert [(w["activation"], w["learning_rate"], w["diverged"]) for w in rows] == [
        ("tanh", 0.01, 0),
        ("tanh", 1000.0, 2),
        ("prelu", 0.01, 0),
        ("prelu", 1000.0, 2),
    ]
    assert math.isnan(rows[1]["loss_mean"]) and math.isfinite(rows[0]["loss_mean"])


def test_diverging_neighbours_leave_a_run_unchanged(diverging):
    alone = ja.sweep(
        ja.load_task("sin"),
        activations=["tanh", "prelu"],
        seeds=2,
        steps=20,
        log_every=10,
        optimizer="sgd",
        grid={"learning_rate": [1e-2]},
        progress=False,
    )
    np.testing.assert_array_equal(alone.loss[:, 0], diverging.loss[:, 0])


def test_learnable_activation_learns_and_matches_fit(diverging):
    slope = diverging.params["prelu"][0]["act"]["negative_slope"]  # (lr, seed, 6)
    assert slope.shape == (2, 2, 6)
    default = ja.get("prelu").defaults["negative_slope"]
    assert np.all(np.abs(slope[0] - default) > 0)  # learned, per unit
    f = ja.fit(
        jax.random.key(1),
        ja.load_task("sin"),
        activation="prelu",
        optimizer=ja.make_optimizer("sgd", 1e-2, inject=True),
        steps=20,
        log_every=10,
    )
    np.testing.assert_allclose(diverging.loss[1, 0, 1], f.history["loss"], rtol=2e-6)
    np.testing.assert_allclose(slope[0, 1], f.params[0]["act"]["negative_slope"], rtol=2e-6)


def test_grid_over_an_injected_hyperparameter(base, iris):
    """An optax.inject_hyperparams optimizer sweeps any of its scalars (here Adam's b1)."""
    tx = optax.inject_hyperparams(optax.adam)(learning_rate=1e-2)
    r = ja.sweep(
        iris,
        activations=["tanh"],
        seeds=[0],
        steps=STEPS,
        log_every=LOG,
        optimizer=tx,
        grid={"b1": [0.0, 0.9]},
        progress=False,
        dtype=jnp.float64,
    )
    assert r.dims == ("activation", "b1", "seed", "step") and r.loss.shape == (1, 2, 1, 5)
    # b1 = 0.9 is plain Adam: the base sweep's tanh run with seed 0
    np.testing.assert_allclose(r.loss[0, 1, 0], base.loss[1, 0], rtol=1e-12)
    assert not np.allclose(r.loss[0, 0, 0], r.loss[0, 1, 0])  # b1 changes the run


# --------------------------------------------------------------------------------------
# Summaries and export
# --------------------------------------------------------------------------------------


def _result(final_loss: np.ndarray, diverged: np.ndarray) -> ja.SweepResult:
    """A hand-made result: one activation, final losses given per seed."""
    s = final_loss.size
    loss = np.stack([np.full(s, 9.0), final_loss], axis=-1)[None]
    return ja.SweepResult(
        activations=["relu"],
        grid={},
        seeds=np.arange(s),
        steps=np.array([0, 1]),
        loss=loss,
        accuracy=np.full_like(loss, 0.5),
        diverged=diverged[None],
        params=None,
        timing={},
        kind="softmax",
        sizes=[(1, 1)],
        config={},
    )


@pytest.mark.parametrize("n", [2, 3, 5])
def test_summary_ci_against_closed_forms(n):
    v = np.array([1.0, 2.0, 4.0, 8.0, 16.0])[:n]
    row = _result(v, np.zeros(n, bool)).summary()[0]
    mean = sum(v) / n
    std = math.sqrt(sum((u - mean) ** 2 for u in v) / (n - 1))
    # 0.975 quantile of Student's t: closed forms for 1 and 2 degrees of freedom, and
    # the tabulated t(0.975, 4) = 2.7764451051977987 (verified with mpmath below).
    p = 0.975
    t = {
        2: math.tan(math.pi * (p - 0.5)),
        3: (2 * p - 1) * math.sqrt(2 / (4 * p * (1 - p))),
        5: 2.7764451051977987,
    }[n]
    assert row["loss_mean"] == pytest.approx(mean, rel=1e-14)
    assert row["loss_std"] == pytest.approx(std, rel=1e-14)
    assert row["loss_ci95"] == pytest.approx(t * std / math.sqrt(n), rel=1e-10)
    assert row["diverged"] == 0 and row["seeds"] == n


def test_t_quantile_against_mpmath():
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 30
    for df in (1, 4, 31):
        # invert the t CDF by root finding in high precision
        cdf = lambda t, df=df: mpmath.betainc(  # noqa: E731
            df / 2, 0.5, 0, df / (df + t * t), regularized=True
        )
        t = mpmath.findroot(lambda t, cdf=cdf: 1 - cdf(t) / 2 - mpmath.mpf("0.975"), 2)
        assert sw._t_quantile(df + 1) == pytest.approx(float(t), rel=1e-12)


def test_summary_leaves_diverged_runs_out():
    row = _result(np.array([1.0, np.nan, 3.0]), np.array([False, True, False])).summary()[0]
    assert row["diverged"] == 1
    assert row["loss_mean"] == pytest.approx(2.0)
    one = _result(np.array([1.0, np.nan]), np.array([False, True])).summary()[0]
    assert one["loss_mean"] == 1.0 and math.isnan(one["loss_std"]) and math.isnan(one["loss_ci95"])


def test_csv_json_plot(base, tmp_path):
    base.to_csv(tmp_path / "runs.csv")
    with (tmp_path / "runs.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == base.loss.size
    assert list(rows[0]) == ["activation", "seed", "step", "loss", "accuracy", "diverged"]
    last = next(
        r for r in rows if r["activation"] == "tanh" and r["seed"] == "3" and r["step"] == "20"
    )
    assert float(last["loss"]) == base.loss[1, 1, -1]  # repr round-trips

    base.to_csv(tmp_path / "summary.csv", table="summary")
    with (tmp_path / "summary.csv").open() as f:
        srows = list(csv.DictReader(f))
    assert [r["activation"] for r in srows] == ACTS
    assert float(srows[0]["loss_mean"]) == pytest.approx(base.summary()[0]["loss_mean"])

    base.to_json(tmp_path / "r.json")
    doc = json.loads((tmp_path / "r.json").read_text())
    assert doc["dims"] == ["activation", "seed", "step"]
    assert np.array_equal(np.array(doc["loss"]), base.loss)
    assert doc["coords"]["activation"] == ACTS and doc["summary"][1]["activation"] == "tanh"

    base.plot(tmp_path / "curves.png")
    assert (tmp_path / "curves.png").read_bytes().startswith(PNG_MAGIC)


def test_export_with_a_grid_and_nan(diverging, tmp_path):
    diverging.to_csv(tmp_path / "d.csv")
    with (tmp_path / "d.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[:3] == ["activation", "learning_rate", "seed"]
    assert {r["diverged"] for r in rows if r["learning_rate"] == "1000.0"} == {"1"}
    assert {r["accuracy"] for r in rows} == {"nan"}
    diverging.to_json(tmp_path / "d.json")
    doc = json.loads((tmp_path / "d.json").read_text())  # strict JSON: no NaN tokens
    assert doc["loss"][0][1][0][-1] is None
    assert doc["accuracy"][0][0][0][0] is None
    diverging.plot(tmp_path / "d.png")  # all-diverged panels and a regression draw too
    assert (tmp_path / "d.png").read_bytes().startswith(PNG_MAGIC)


# --------------------------------------------------------------------------------------
# Checkpoints
# --------------------------------------------------------------------------------------


def test_checkpoint_resume_and_mismatch(base, iris, tmp_path, monkeypatch):
    path = tmp_path / "ck"
    kw = dict(activations=ACTS, seeds=SEEDS, log_every=LOG, progress=False, dtype=jnp.float64)
    first = ja.sweep(iris, steps=STEPS, checkpoint=path, keep_params=True, **kw)
    assert path.is_file() and not [p for p in tmp_path.iterdir() if p.name != "ck"]
    np.testing.assert_array_equal(first.loss, base.loss)
    with np.load(path) as z:
        assert int(z["done"]) == STEPS
    # a finished checkpoint: nothing to train or compile; the same result and parameters
    build = sw._build

    def trace_only(*args, compile=True):
        assert not compile, "a finished sweep compiled its programs"
        return build(*args, compile=compile)

    with monkeypatch.context() as m:
        m.setattr(sw, "_PROGRAM_CACHE", {})
        m.setattr(sw, "_build", trace_only)
        again = ja.sweep(iris, steps=STEPS, checkpoint=path, keep_params=True, **kw)
    assert again.timing["compile"] == 0.0
    np.testing.assert_array_equal(again.loss, base.loss)
    np.testing.assert_array_equal(again.params["tanh"][2]["w"], base.params["tanh"][2]["w"])
    # another sweep at the same path is refused, before anything compiles, naming the change
    with pytest.raises(ValueError, match=r"`checkpoint`.*differs in: steps"):
        ja.sweep(iris, steps=STEPS + 5, checkpoint=path, **kw)
    junk = tmp_path / "junk"
    junk.write_text("not a checkpoint")
    with pytest.raises(ValueError, match="not a sweep checkpoint"):
        ja.sweep(iris, steps=STEPS, checkpoint=junk, **kw)


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    for k in ("JAX_ENABLE_X64", "JAX_NUM_CPU_DEVICES", "XLA_FLAGS"):
        env.pop(k, None)
    env.update(extra)
    return env


KILL_CHILD = """
import sys, time
import numpy as np
import jax
import jaxact as ja

sw = sys.modules["jaxact.sweep"]
mode, ckpt, out = sys.argv[1:4]
if mode == "slow":  # widen the window between checkpoints, so the kill lands mid-sweep
    write = sw._write_atomic
    def slow_write(path, arrays):
        write(path, arrays)
        print("checkpoint", int(arrays["done"]), flush=True)
        time.sleep(0.4)
    sw._write_atomic = slow_write
r = ja.sweep(ja.load_task("iris"), activations=["relu", "tanh"], seeds=2, steps=300,
             log_every=10, chunk_steps=30, checkpoint=None if ckpt == "-" else ckpt,
             progress=False, keep_params=True)
leaves = {f"p{i}": v for i, v in enumerate(jax.tree.leaves(r.params))}
np.savez(out, loss=r.loss, accuracy=r.accuracy, diverged=r.diverged, **leaves)
"""


@pytest.mark.slow
def test_sigkill_mid_sweep_then_resume_is_bitwise_identical(tmp_path):
    script = tmp_path / "child.py"
    script.write_text(KILL_CHILD)
    ckpt = tmp_path / "ck"
    env = _env(
        JAX_COMPILATION_CACHE_DIR=str(tmp_path / "jit-cache"),
        JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0",
    )
    run = [sys.executable, str(script)]
    with subprocess.Popen(
        [*run, "slow", str(ckpt), str(tmp_path / "killed.npz")],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as child:
        try:
            line = child.stdout.readline()  # blocks until the first checkpoint is written
            assert line.startswith("checkpoint"), line + child.stderr.read()
            os.kill(child.pid, signal.SIGKILL)
        finally:
            child.kill()
            child.communicate()
    assert child.returncode == -signal.SIGKILL
    with np.load(ckpt) as z:
        done = int(z["done"])
    assert 0 < done < 300, done
    assert not (tmp_path / "killed.npz").exists()
    for mode, ck, out in (("fast", str(ckpt), "resumed"), ("fast", "-", "straight")):
        p = subprocess.run(
            [*run, mode, ck, str(tmp_path / f"{out}.npz")],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert p.returncode == 0, p.stderr
    with np.load(tmp_path / "resumed.npz") as a, np.load(tmp_path / "straight.npz") as b:
        assert sorted(a.files) == sorted(b.files)
        for k in a.files:
            np.testing.assert_array_equal(a[k], b[k], err_msg=k)


# --------------------------------------------------------------------------------------
# Devices and processes
# --------------------------------------------------------------------------------------

DEVICES_CHILD = """
import json
import sys
import jax
import numpy as np
import jaxact as ja

sw = sys.modules["jaxact.sweep"]
ja.use_cpu_devices(4)
assert len(jax.devices()) == 4, jax.devices()
task = ja.load_task("iris")
kw = dict(activations=["relu", "tanh"], seeds=3, steps=20, log_every=5, progress=False,
          keep_params=True)
one = ja.sweep(task, devices=1, **kw)
out = {"devices": []}
for d in (4, 2):  # 3 runs on 4 devices: one padding run; on 2: one each side, padded
    r = ja.sweep(task, devices=d, **kw)
    out["devices"].append(len(r.config["devices"]))
    out[f"loss_{d}"] = float(np.max(np.abs(r.loss - one.loss)))
    out[f"params_{d}"] = max(float(np.max(np.abs(a - b))) for a, b in
                             zip(jax.tree.leaves(r.params), jax.tree.leaves(one.params)))
    out[f"bitwise_{d}"] = bool(np.array_equal(r.loss, one.loss))
# a checkpoint written on 4 devices resumes on 1: it holds the runs, not their padding
write = sw._write_atomic
def stop_after_first_chunk(path, arrays):
    write(path, arrays)
    raise KeyboardInterrupt
sw._write_atomic = stop_after_first_chunk
try:
    ja.sweep(task, devices=4, checkpoint=sys.argv[1], **kw)
except KeyboardInterrupt:
    out["done"] = int(np.load(sys.argv[1])["done"])
sw._write_atomic = write
resumed = ja.sweep(task, devices=1, checkpoint=sys.argv[1], **kw)
out["resumed"] = float(np.max(np.abs(resumed.loss - one.loss)))
try:
    ja.use_cpu_devices(2)
except RuntimeError as e:
    out["late"] = str(e)
print(json.dumps(out))
"""


@pytest.mark.slow
def test_several_cpu_devices_give_the_one_device_result(tmp_path):
    script = tmp_path / "child.py"
    script.write_text(DEVICES_CHILD)
    p = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "ck")],
        env=_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout.strip().splitlines()[-1])
    assert out["devices"] == [4, 2]
    for d in (4, 2):
        assert out[f"loss_{d}"] <= 1e-6 and out[f"params_{d}"] <= 1e-6, out
    assert out["done"] == 5 and out["resumed"] <= 1e-6, out
    assert "before the first JAX computation" in out["late"]


MULTIHOST_CHILD = """
import sys
import jax
import numpy as np

pid, port, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
jax.config.update("jax_cpu_collectives_implementation", "gloo")
jax.distributed.initialize(f"127.0.0.1:{port}", num_processes=2, process_id=pid)
import jaxact as ja

kw = dict(activations=["relu", "tanh"], seeds=3, steps=20, log_every=5, progress=False,
          keep_params=True)
both = ja.sweep(ja.load_task("iris"), **kw)  # every device of both processes
res = dict(loss=both.loss, accuracy=both.accuracy, w=both.params["tanh"][0]["w"],
           n=len(both.config["devices"]))
if pid == 0:  # the reference: process 0's own device alone
    mine = ja.sweep(ja.load_task("iris"), devices=jax.local_devices(), **kw)
    res.update(loss1=mine.loss, w1=mine.params["tanh"][0]["w"], n1=len(mine.config["devices"]))
np.savez(out, **res)
jax.distributed.shutdown()
"""


@pytest.mark.slow
def test_two_processes_share_a_sweep(tmp_path):
    """jax.distributed with two local processes: each trains half the runs, both get all,
    equal to what one process computes alone."""
    script = tmp_path / "child.py"
    script.write_text(MULTIHOST_CHILD)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = str(s.getsockname()[1])
    env = _env(JAX_NUM_CPU_DEVICES="1")
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(i), port, str(tmp_path / f"p{i}.npz")],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for i in (0, 1)
    ]
    deadline = time.monotonic() + 300
    errs = []
    for p in procs:
        with p:
            try:
                errs.append(p.communicate(timeout=max(1.0, deadline - time.monotonic()))[1])
            finally:
                p.kill()
    for p, err in zip(procs, errs, strict=True):
        assert p.returncode == 0, err.decode()[-3000:]
    with np.load(tmp_path / "p0.npz") as a, np.load(tmp_path / "p1.npz") as b:
        assert int(a["n"]) == int(b["n"]) == 2  # the mesh spans both processes
        assert int(a["n1"]) == 1
        for k in ("loss", "accuracy", "w"):
            np.testing.assert_array_equal(a[k], b[k], err_msg=k)  # both hold all runs
        np.testing.assert_allclose(a["loss"], a["loss1"], rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(a["w"], a["w1"], rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------


@pytest.fixture
def no_compile(monkeypatch):
    """Fail the test if a sweep gets as far as building its program."""

    def refuse(*args, **kwargs):
        raise AssertionError("the sweep compiled before rejecting its input")

    monkeypatch.setattr(sw, "_build", refuse)


GOOD = dict(activations=["relu"], seeds=2, steps=5, progress=False)


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        ({"activations": []}, ValueError, r"`activations`: expected at least one"),
        ({"activations": "relu"}, TypeError, r"`activations`: expected a list"),
        ({"activations": ["relu", "tanhh"]}, ValueError, r"`activations\[1\]`.*closest: tanh"),
        ({"activations": ["relu", "linear", "identity"]}, ValueError, "each activation once"),
        ({"activations": [3]}, TypeError, r"`activations\[0\]`"),
        ({"seeds": 0}, ValueError, r"`seeds`: expected a positive int, got 0"),
        ({"seeds": -2}, ValueError, r"`seeds`"),
        ({"seeds": 2.0}, TypeError, r"`seeds`"),
        ({"seeds": []}, ValueError, r"`seeds`: expected at least one"),
        ({"seeds": [1, -1]}, ValueError, r"`seeds`: expected seeds in \[0"),
        ({"seeds": [1, 1]}, ValueError, r"`seeds`: each seed once"),
        ({"seeds": [0.5]}, TypeError, r"`seeds`: expected int seeds"),
        ({"steps": 0}, ValueError, r"`steps`: expected a positive int, got 0"),
        ({"steps": 2.5}, TypeError, r"`steps`"),
        ({"log_every": 0}, ValueError, r"`log_every`"),
        ({"grid": {"learning_rate": ["big"]}}, TypeError, r"`grid\['learning_rate'\]`.*str"),
        ({"grid": {"learning_rate": [True]}}, TypeError, r"expected real numbers, got bool"),
        ({"grid": {"learning_rate": 0.1}}, TypeError, r"expected a list of numbers"),
        ({"grid": {"learning_rate": []}}, ValueError, r"at least one value"),
        ({"grid": {"learning_rate": [0.1, -1.0]}}, ValueError, r"values > 0"),
        ({"grid": {"learning_rate": [0.1, math.nan]}}, ValueError, r"finite"),
        ({"grid": {"learning_rat": [0.1]}}, ValueError, r"closest: learning_rate"),
        ({"grid": {"b1": [0.5]}}, ValueError, r"inject_hyperparams"),
        ({"grid": [0.1]}, TypeError, r"`grid`: expected a dict"),
        (
            {"grid": {"learning_rate": [0.1]}, "optimizer": optax.adam(0.1)},
            ValueError,
            r"no hyperparameters to sweep",
        ),
        ({"optimizer": "adma"}, ValueError, r"`optimizer`.*closest: adam"),
        ({"optimizer": 3}, TypeError, r"`optimizer`"),
        ({"learning_rate": 0.0}, ValueError, r"`learning_rate`"),
        ({"devices": 99}, ValueError, r"`devices`: asked for 99"),
        ({"devices": "gpu"}, ValueError, r"`devices`"),
        ({"devices": 1.5}, TypeError, r"`devices`"),
        ({"chunk_steps": 3, "log_every": 2}, ValueError, r"`chunk_steps`: expected a multiple"),
        ({"progress": "yes"}, TypeError, r"`progress`"),
        ({"dtype": jnp.int32}, TypeError, r"`dtype`"),
        ({"init": "he_nromal"}, ValueError, r"he_normal"),
        ({"checkpoint": 3}, TypeError, r"`checkpoint`"),
    ],
)
def test_bad_input_is_rejected_before_compiling(no_compile, change, error, match):
    x = np.random.default_rng(0).normal(size=(8, 2)).astype(np.float32)
    y = np.arange(8) % 2
    with pytest.raises(error, match=match):
        ja.sweep((x, y), **{**GOOD, **change})


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ((np.zeros((0, 2), np.float32), np.zeros(0, int)), "at least one example"),
        ((np.full((4, 2), np.nan, np.float32), np.arange(4) % 2), "finite"),
        ((np.zeros((4, 2), np.float32), np.arange(5) % 2), "one per row"),
        ("iris", "expected a Task"),
    ],
)
def test_bad_data_is_rejected_before_compiling(no_compile, data, match):
    with pytest.raises((ValueError, TypeError), match=match):
        ja.sweep(data, **GOOD)


def test_use_cpu_devices_after_start_explains(base):
    with pytest.raises(RuntimeError, match="before the first JAX computation"):
        ja.use_cpu_devices(2)
    with pytest.raises(ValueError, match="`n`"):
        ja.use_cpu_devices(0)


def test_progress_bar_goes_to_stderr(base, iris, capsys):
    ja.sweep(
        iris,
        activations=ACTS,
        seeds=SEEDS,
        steps=STEPS,
        log_every=LOG,
        keep_params=True,
        dtype=jnp.float64,
    )
    out = capsys.readouterr()
    assert out.out == ""
    assert "20/20" in out.err and "sweep 2x2 runs" in out.err


def test_key_of_a_seed_is_jax_random_key(base):
    """Seeds travel as int32 to the device; the key they make is jax.random.key(int)."""
    seeds = np.array([0, 3, 2**31 - 1], dtype=np.int32)
    made = jax.vmap(jax.random.key)(jnp.asarray(seeds))
    for i, s in enumerate(seeds.tolist()):
        np.testing.assert_array_equal(
            jax.random.key_data(made[i]), jax.random.key_data(jax.random.key(s))
        )
