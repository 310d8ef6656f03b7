"""The sweep engine: labelled results equal to single runs bit for bit, whatever else
shares the sweep; grids, divergence, export, replay; compiled once; checkpoints that
survive a real kill; 1, 2 and 4 devices; two processes; bad input."""

from __future__ import annotations

import contextlib
import csv
import dataclasses
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
from jaxact.training import engine
from jaxact.training.results import flag_diverged
from jaxact.training.stats import t_quantile

sw = sys.modules["jaxact.training.sweep"]  # the module (``ja.sweep`` is the function)
ROOT = Path(__file__).resolve().parents[1]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ACTS = ["relu", "tanh"]
SEEDS = [0, 3]
STEPS, LOG = 20, 5


@contextlib.contextmanager
def compiles():
    """The names of the programs XLA compiles inside the block (a list, filled live)."""
    names: list[str] = []

    def listener(event, duration, **kw):
        if event == "/jax/core/compile/backend_compile_duration":
            names.append(str(kw.get("fun_name", "?")))

    jax.monitoring.register_event_duration_secs_listener(listener)
    try:
        yield names
    finally:
        jax.monitoring.unregister_event_duration_listener(listener)


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


def test_fit_with_the_sweeps_block_and_replay_are_bitwise(base, iris):
    """fit with the sweep's block, and replay, give the sweep's run bit for bit; a batch of
    one (fit's default) is another program (float64 on CPU: the last bit may differ)."""
    block = base.config["block"]
    for a, s in [(0, 0), (1, 1)]:
        act, seed = ACTS[a], SEEDS[s]
        kw = dict(activation=act, optimizer="adam", steps=STEPS, log_every=LOG, dtype=jnp.float64)
        f = ja.fit(jax.random.key(seed), iris, block=block, **kw)
        np.testing.assert_array_equal(f.history["loss"], base.loss[a, s])
        np.testing.assert_array_equal(f.history["accuracy"], base.accuracy[a, s])
        for got, want in zip(
            jax.tree.leaves(base.params[act]), jax.tree.leaves(f.params), strict=True
        ):
            np.testing.assert_array_equal(got[s], want)
        r = base.replay(act, seed)
        np.testing.assert_array_equal(r.history["loss"], base.loss[a, s])
        for got, want in zip(
            jax.tree.leaves(base.params[act]), jax.tree.leaves(r.params), strict=True
        ):
            np.testing.assert_array_equal(got[s], want)
        assert r.history["grad_norm"].shape == (len(base.steps), 3)
        assert r.history["dead"].shape == r.history["saturated"].shape == (len(base.steps), 2)
    with pytest.raises(ValueError, match="`seed`"):
        base.replay("relu", 99)
    with pytest.raises(ValueError, match="`activation`"):
        base.replay("gelu", 0)


def test_blocks_in_worker_threads_give_the_one_thread_bits(base, iris, monkeypatch):
    """A chunk's blocks run in worker threads, one per core, on CPU: the same bits as
    one after the other in the calling thread."""
    runs = []
    workers = engine._Workers.run

    def spy(self, after, metrics):
        runs.append(len(self.blocks))
        return workers(self, after, metrics)

    monkeypatch.setattr(engine._Workers, "run", spy)
    kw = {**BASE, "dtype": jnp.float32}
    monkeypatch.setattr(engine, "cores", lambda: 2)
    threaded = ja.sweep(iris, **kw)
    assert runs == [len(ACTS)]  # the threaded path ran, over one block per activation
    monkeypatch.setattr(engine, "cores", lambda: 1)
    alone = ja.sweep(iris, **kw)
    assert runs == [len(ACTS)]  # not this time
    np.testing.assert_array_equal(threaded.loss, alone.loss)
    for act in ACTS:
        for got, want in zip(
            jax.tree.leaves(threaded.params[act]), jax.tree.leaves(alone.params[act]), strict=True
        ):
            np.testing.assert_array_equal(got, want)


def test_same_pair_same_result_in_any_sweep(base, iris):
    """A run depends on its seed only: not on its position, its neighbours, their number,
    the other activations or the grid: bit for bit."""
    other = ja.sweep(
        iris,
        activations=["tanh"],
        seeds=[3, 9, 0],
        steps=STEPS,
        log_every=LOG,
        progress=False,
        dtype=jnp.float64,
    )
    np.testing.assert_array_equal(other.loss[0, 0], base.loss[1, 1])  # tanh, seed 3
    np.testing.assert_array_equal(other.loss[0, 2], base.loss[1, 0])  # tanh, seed 0
    np.testing.assert_array_equal(other.accuracy[0, 0], base.accuracy[1, 1])
    # and not a copy of its neighbour
    assert not np.allclose(other.loss[0, 1], base.loss[1, 0])
    # more seeds than a block (two blocks), another activation, a grid axis
    many = ja.sweep(
        iris,
        activations=["elu", "relu"],
        seeds=list(range(40))[::-1],
        steps=STEPS,
        log_every=LOG,
        grid={"learning_rate": [1e-3, 1e-2]},
        progress=False,
        dtype=jnp.float64,
    )
    assert many.config["block"] < 80  # the runs of relu fill more than one block
    np.testing.assert_array_equal(many.loss[1, 1, 39], base.loss[0, 0])  # relu, lr 1e-2, seed 0
    np.testing.assert_array_equal(many.loss[1, 1, 36], base.loss[0, 1])  # relu, seed 3
    # negative control: the other learning rate is another run
    assert not np.array_equal(many.loss[1, 0, 39], base.loss[0, 0])


def test_second_sweep_of_the_same_shape_does_not_compile(base, iris):
    with compiles() as names:
        again = ja.sweep(iris, **BASE)
    assert names == []
    assert again.timing["trace"] == 0.0 and again.timing["compile"] == 0.0
    np.testing.assert_array_equal(again.loss, base.loss)


def test_compiled_once_per_program(iris):
    """A fresh but equal optimizer, another learning rate or grid values, another seed count
    or list, a subset of the activations: nothing compiles. The counter counts (positive
    control): a new activation compiles its programs."""
    # one block for every sweep (the default block follows a sweep's size)
    kw = dict(steps=STEPS, log_every=LOG, progress=False, dtype=jnp.float64, block=4)
    ja.sweep(iris, activations=["relu", "tanh"], seeds=3, optimizer=optax.adam(1e-2), **kw)
    ja.sweep(iris, activations=["relu", "tanh"], seeds=3, learning_rate=0.1, **kw)
    ja.sweep(iris, activations=["relu"], seeds=2, grid={"learning_rate": [0.1, 0.2]}, **kw)
    with compiles() as names:
        ja.sweep(iris, activations=["relu", "tanh"], seeds=5, optimizer=optax.adam(1e-2), **kw)
        ja.sweep(iris, activations=["tanh"], seeds=[7, 1], optimizer=optax.adam(1e-2), **kw)
        ja.sweep(iris, activations=["tanh", "relu"], seeds=2, learning_rate=0.03, **kw)
        ja.sweep(iris, activations=["relu"], seeds=4, grid={"learning_rate": [0.5, 1e-3]}, **kw)
    assert names == [], names
    with compiles() as names:
        ja.sweep(iris, activations=["relu", "softsign"], seeds=2, learning_rate=0.03, **kw)
    assert len(names) >= 1  # softsign's chunk program
    # another initializer: only its initialization program compiles, not the training
    with compiles() as names:
        ja.sweep(iris, activations=["relu"], seeds=2, init="lecun_uniform", **kw)
    assert names == ["jit(start)"], names
    # fit: an equal optimizer object, another learning rate of a named one, another key
    fkw = dict(activation="tanh", steps=STEPS, log_every=LOG, dtype=jnp.float64)
    ja.fit(jax.random.key(0), iris, optimizer=optax.adam(1e-2), **fkw)
    ja.fit(jax.random.key(0), iris, optimizer="sgd", learning_rate=0.1, **fkw)
    with compiles() as names:
        ja.fit(jax.random.key(1), iris, optimizer=optax.adam(1e-2), **fkw)
        ja.fit(jax.random.key(2), iris, optimizer="sgd", learning_rate=0.3, **fkw)
    assert names == [], names
    with compiles() as names:
        ja.fit(jax.random.key(1), iris, optimizer=optax.adam(3e-2), **fkw)
    assert len(names) >= 1  # another constant in the optimizer: another program


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
    # three chunks (10, 10, 3) give what fit's single chunk of 23 steps gives
    f = ja.fit(
        jax.random.key(3),
        iris,
        activation="tanh",
        optimizer="adam",
        steps=23,
        log_every=LOG,
        dtype=jnp.float64,
        block=r.config["block"],
    )
    np.testing.assert_array_equal(r.loss[1, 1], f.history["loss"])


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
        assert t_quantile(0.975, df) == pytest.approx(float(t), rel=1e-12)


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
    assert list(rows[0])[:6] == ["activation", "seed", "step", "loss", "accuracy", "diverged"]
    # every setting that was not swept is a column too
    assert list(rows[0])[6:] == list(base.settings())
    assert {r["learning_rate"] for r in rows} == {"0.01"}
    assert {r["network"] for r in rows} == {"4-6-6-3"} and {r["task"] for r in rows} == {"iris"}
    assert {r["steps"] for r in rows} == {"20"} and {r["optimizer"] for r in rows} == {"adam"}
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
    def refuse(*args):
        raise AssertionError("a finished sweep compiled its programs")

    with monkeypatch.context() as m, compiles() as names:
        m.setattr(engine, "_CACHE", engine.collections.OrderedDict())
        m.setattr(engine, "_compile", refuse)
        again = ja.sweep(iris, steps=STEPS, checkpoint=path, keep_params=True, **kw)
    assert again.timing["compile"] == 0.0 and names == []
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

from jaxact.training import checkpoint
mode, ckpt, out = sys.argv[1:4]
if mode == "slow":  # widen the window between checkpoints, so the kill lands mid-sweep
    write = checkpoint.write
    def slow_write(path, arrays):
        write(path, arrays)
        print("checkpoint", int(arrays["done"]), flush=True)
        time.sleep(0.4)
    checkpoint.write = slow_write
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
from jaxact.training import checkpoint

ja.use_cpu_devices(4)
assert len(jax.devices()) == 4, jax.devices()
task = ja.load_task("iris")
# blocks of one run, so that 5 runs fill 4 devices (a last block on device 0 again)
kw = dict(activations=["relu", "tanh"], seeds=5, steps=20, log_every=5, progress=False,
          keep_params=True, block=1)

def same(a, b):
    return bool(np.array_equal(a.loss, b.loss)) and bool(np.array_equal(a.accuracy, b.accuracy)) \
        and all(np.array_equal(u, v) for u, v in zip(jax.tree.leaves(a.params),
                                                     jax.tree.leaves(b.params)))

one = ja.sweep(task, devices=1, **kw)
out = {"devices": [], "bitwise": {}}
for d in (4, 2):
    r = ja.sweep(task, devices=d, **kw)
    out["devices"].append(len(r.config["devices"]))
    out["bitwise"][str(d)] = same(r, one)
# negative control: another block is another program, which may round differently;
# it is still the same run (equal to float32 rounding)
other = ja.sweep(task, devices=2, **{**kw, "block": 4})
out["block4_close"] = float(np.max(np.abs(other.loss - one.loss)))
# a checkpoint written on 4 devices resumes on 1: it holds the runs, not their layout
write = checkpoint.write
def stop_after_first_chunk(path, arrays):
    write(path, arrays)
    raise KeyboardInterrupt
checkpoint.write = stop_after_first_chunk
try:
    ja.sweep(task, devices=4, checkpoint=sys.argv[1], chunk_steps=5, **kw)
except KeyboardInterrupt:
    out["done"] = int(np.load(sys.argv[1])["done"])
checkpoint.write = write
resumed = ja.sweep(task, devices=1, checkpoint=sys.argv[1], chunk_steps=5, **kw)
out["resumed"] = same(resumed, one)
# a checkpoint of another block is refused, naming the block
try:
    ja.sweep(task, devices=1, checkpoint=sys.argv[1], chunk_steps=5, **{**kw, "block": 2})
except ValueError as e:
    out["other_block"] = str(e)
try:
    ja.use_cpu_devices(2)
except RuntimeError as e:
    out["late"] = str(e)
print(json.dumps(out))
"""


@pytest.mark.slow
def test_several_cpu_devices_give_the_one_device_result_bitwise(tmp_path):
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
    assert out["bitwise"] == {"4": True, "2": True}, out
    assert out["block4_close"] <= 1e-5, out
    assert out["done"] == 5 and out["resumed"] is True, out
    assert "differs in: block" in out["other_block"]
    assert "before the first JAX computation" in out["late"]


MULTIHOST_CHILD = """
import sys
import jax
import numpy as np

pid, port, out, folder = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
jax.config.update("jax_cpu_collectives_implementation", "gloo")
jax.distributed.initialize(f"127.0.0.1:{port}", num_processes=2, process_id=pid)
import jaxact as ja

# 5 runs in blocks of 2: 3 blocks dealt to the 2 devices, one per process
kw = dict(activations=["relu", "tanh"], seeds=5, steps=20, log_every=5, progress=False,
          keep_params=True, block=2)
task = ja.load_task("iris")
both = ja.sweep(task, **kw)  # every device of both processes
two = ja.sweep(task, devices=2, **kw)  # devices=N in every process: N / 2 from each
res = dict(loss=both.loss, accuracy=both.accuracy, w=both.params["tanh"][0]["w"],
           n=len(both.config["devices"]), loss2=two.loss)
# a checkpoint in two processes: written by process 0, read back by both
ck = f"{folder}/shared.npz"
first = ja.sweep(task, checkpoint=ck, chunk_steps=10, **kw)
again = ja.sweep(task, checkpoint=ck, chunk_steps=10, **kw)
res["ck_same"] = bool(np.array_equal(first.loss, again.loss))
# processes that read different checkpoints: an error in both, before any step
try:
    ja.sweep(task, checkpoint=f"{folder}/own{pid}.npz", chunk_steps=10, **kw)
    ja.sweep(task, checkpoint=f"{folder}/own{pid}.npz", chunk_steps=10, **kw)
    res["disagree"] = ""
except ValueError as e:
    res["disagree"] = str(e)
np.savez(out, **res)
jax.distributed.shutdown()
"""

SINGLE_CHILD = """
import sys
import numpy as np
import jax
import jaxact as ja

kw = dict(activations=["relu", "tanh"], seeds=5, steps=20, log_every=5, progress=False,
          keep_params=True, block=2)
r = ja.sweep(ja.load_task("iris"), **kw)
np.savez(sys.argv[1], loss=r.loss, accuracy=r.accuracy, w=r.params["tanh"][0]["w"],
         n=len(r.config["devices"]))
"""


@pytest.mark.slow
def test_two_processes_share_a_sweep_bitwise(tmp_path):
    """jax.distributed with two local processes: each trains its blocks, both get all,
    bit for bit what one process computes alone; they refuse to resume from different
    checkpoints."""
    script = tmp_path / "child.py"
    script.write_text(MULTIHOST_CHILD)
    single = tmp_path / "single.py"
    single.write_text(SINGLE_CHILD)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = str(s.getsockname()[1])
    env = _env(JAX_NUM_CPU_DEVICES="1")
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(i), port, str(tmp_path / f"p{i}.npz"), str(tmp_path)],
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
    alone = subprocess.run(
        [sys.executable, str(single), str(tmp_path / "alone.npz")],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert alone.returncode == 0, alone.stderr[-3000:]
    with (
        np.load(tmp_path / "p0.npz") as a,
        np.load(tmp_path / "p1.npz") as b,
        np.load(tmp_path / "alone.npz") as one,
    ):
        assert int(a["n"]) == int(b["n"]) == 2  # the blocks span both processes
        assert int(one["n"]) == 1
        for k in ("loss", "accuracy", "w"):
            np.testing.assert_array_equal(a[k], b[k], err_msg=k)  # both hold all runs
            np.testing.assert_array_equal(a[k], one[k], err_msg=k)  # = one process alone
        np.testing.assert_array_equal(a["loss2"], one["loss"])
        assert bool(a["ck_same"]) and bool(b["ck_same"])
        for r in (a, b):
            assert "processes of this job disagree" in str(r["disagree"])
    assert not list(tmp_path.glob(".*.tmp"))


# --------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------


@pytest.fixture
def no_compile(monkeypatch):
    """Fail the test if a sweep gets as far as compiling a program."""

    def refuse(*args, **kwargs):
        raise AssertionError("the sweep compiled before rejecting its input")

    monkeypatch.setattr(engine, "_compile", refuse)
    monkeypatch.setattr(engine, "_CACHE", engine.collections.OrderedDict())


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
        ({"steps": 10**12}, ValueError, r"`steps`: expected at most 2147483647"),
        ({"steps": 10**9, "log_every": 1}, ValueError, r"`steps`.*limit of 268435456"),
        ({"seeds": 10**5, "steps": 10**5}, ValueError, r"`steps`.*values per metric"),
        ({"block": 0}, ValueError, r"`block`"),
        ({"precision": "fast"}, ValueError, r"`precision`.*highest"),
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


def test_checkpoint_path_is_checked_before_training(tmp_path, no_compile):
    x = np.random.default_rng(0).normal(size=(8, 2)).astype(np.float32)
    y = np.arange(8) % 2
    blocker = tmp_path / "file"
    blocker.write_text("a file, not a folder")
    with pytest.raises(ValueError, match=r"`checkpoint`: .*file.* is a file, so"):
        ja.sweep((x, y), **GOOD, checkpoint=blocker / "sub" / "ck.npz")
    with pytest.raises(ValueError, match=r"`checkpoint`: expected a file path, got the folder"):
        ja.sweep((x, y), **GOOD, checkpoint=tmp_path)
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        try:
            with pytest.raises(ValueError, match=r"`checkpoint`: cannot write in"):
                ja.sweep((x, y), **GOOD, checkpoint=locked / "ck.npz")
        finally:
            locked.chmod(0o700)


def test_checkpoint_leftovers_removed_and_permissions(iris, tmp_path):
    path = tmp_path / "ck.npz"
    stale = tmp_path / ".ck.npz.abc123.tmp"  # what a writer killed mid-write leaves
    stale.write_bytes(b"half a checkpoint")
    other = tmp_path / ".other.npz.abc123.tmp"  # another file's: left alone
    other.write_bytes(b"x")
    ja.sweep(iris, activations=["relu"], seeds=2, steps=10, log_every=5, progress=False,
             checkpoint=path)  # fmt: skip
    assert not stale.exists() and other.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.npz.abc123.tmp", "ck.npz"]
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_exploding_runs_are_flagged_and_left_out(iris):
    """Adam at lr 1e30: losses of 1e29-1e31, finite but exploded; flagged, out of the
    means, and no overflow warning (warnings are errors in the tests)."""
    r = ja.sweep(iris, activations=["tanh", "relu"], seeds=4, steps=20, log_every=5,
                 grid={"learning_rate": [1e-2, 1e30]}, progress=False)  # fmt: skip
    assert not r.diverged[:, 0].any() and r.diverged[:, 1].all()
    rows = r.summary()
    assert [w["diverged"] for w in rows] == [0, 4, 0, 4]
    assert math.isnan(rows[1]["loss_mean"]) and rows[0]["loss_mean"] < 2
    # the rule: non-finite, or the final loss above 100 x the loss at step 0
    loss = np.array([[1.0, 2.0, 99.0], [1.0, 2.0, 101.0], [1.0, np.inf, 0.5]])
    assert flag_diverged(loss, np.ones(3, bool)).tolist() == [False, True, True]
    assert flag_diverged(loss[:1], np.zeros(1, bool)).tolist() == [True]


def test_csv_tables_stack_across_sweeps(iris, tmp_path):
    kw = dict(activations=["relu"], seeds=2, steps=10, log_every=5, progress=False)
    a = ja.sweep(iris, learning_rate=1e-2, **kw)
    b = ja.sweep(iris, grid={"learning_rate": [1e-3, 3e-2]}, **kw)
    tables = {}
    for name, r in (("a", a), ("b", b)):
        for table in ("runs", "final", "summary"):
            r.to_csv(tmp_path / f"{name}_{table}.csv", table=table)
            with (tmp_path / f"{name}_{table}.csv").open() as f:
                tables[name, table] = list(csv.DictReader(f))
    for table in ("runs", "final", "summary"):  # the same columns, by name
        assert set(tables["a", table][0]) == set(tables["b", table][0]), table
    final = tables["b", "final"]
    assert len(final) == 1 * 2 * 2 and "step" not in final[0]
    assert float(final[3]["loss"]) == b.loss[0, 1, 1, -1]
    assert {r["learning_rate"] for r in tables["a", "final"]} == {"0.01"}
    assert {r["learning_rate"] for r in final} == {"0.001", "0.03"}


# --------------------------------------------------------------------------------------
# Architectures in the grid; held-out data
# --------------------------------------------------------------------------------------

ARCHS = [(6,), (5, 5, 5)]


@pytest.fixture(scope="module")
def split(iris):
    return ja.split_task(iris, test_fraction=0.2, seed=0)


@pytest.fixture(scope="module")
def archgrid(split):
    """2 activations x 2 architectures x 2 learning rates x 2 seeds, with held-out data."""
    train, test = split
    return ja.sweep(
        train,
        grid={"learning_rate": [1e-2, 3e-2], "hidden": ARCHS},
        test=test,
        **BASE,
    )


def test_architecture_axis_labels_and_params(archgrid):
    t = len(ja.logged_steps(STEPS, LOG))
    assert archgrid.dims == ("activation", "hidden", "learning_rate", "seed", "step")
    assert archgrid.coords["hidden"] == ARCHS
    for m in ("loss", "accuracy", "test_loss", "test_accuracy"):
        assert getattr(archgrid, m).shape == (2, 2, 2, 2, t), m
        assert np.all(np.isfinite(getattr(archgrid, m))), m
    assert archgrid.diverged.shape == (2, 2, 2, 2)
    assert archgrid.sizes == [[(4, 6), (6, 3)], [(4, 5), (5, 5), (5, 5), (5, 3)]]
    assert archgrid.architecture["dim"] == "hidden"
    # parameters: one pytree per architecture, leaves with axes (learning rate, seed)
    deep = archgrid.params["tanh"][1]
    assert len(deep) == 4 and deep[1]["w"].shape == (2, 2, 5, 5)
    assert archgrid.params["tanh"][0][0]["w"].shape == (2, 2, 4, 6)


def test_a_run_is_the_same_in_a_sweep_of_its_architecture_alone(archgrid, split):
    """Each architecture's runs are bit for bit those of a sweep with only that architecture
    (as `hidden`, or as the `depth` / `width` shorthand), and replay gives them too."""
    train, test = split
    for i, h in enumerate(ARCHS):
        alone = ja.sweep(train, hidden=h, grid={"learning_rate": [1e-2, 3e-2]}, test=test, **BASE)
        assert alone.dims == ("activation", "learning_rate", "seed", "step")
        for m in ("loss", "accuracy", "test_loss", "test_accuracy"):
            np.testing.assert_array_equal(getattr(archgrid, m)[:, i], getattr(alone, m))
        for got, want in zip(
            jax.tree.leaves(archgrid.params["relu"][i]),
            jax.tree.leaves(alone.params["relu"]),
            strict=True,
        ):
            np.testing.assert_array_equal(got, want)
    # negative control: the two architectures are different runs
    assert not np.allclose(archgrid.loss[:, 0], archgrid.loss[:, 1])
    # the depth shorthand: depth 3 of width 5 is the second architecture
    by_depth = ja.sweep(
        train, depth=[3, 1], width=5, grid={"learning_rate": [1e-2, 3e-2]}, test=test, **BASE
    )
    assert by_depth.dims[:2] == ("activation", "depth") and by_depth.coords["depth"] == [3, 1]
    np.testing.assert_array_equal(by_depth.loss[:, 0], archgrid.loss[:, 1])
    np.testing.assert_array_equal(by_depth.test_accuracy[:, 0], archgrid.test_accuracy[:, 1])
    # replay of one run, with its architecture and its held-out metrics
    r = archgrid.replay("tanh", 3, hidden=(5, 5, 5), learning_rate=3e-2)
    np.testing.assert_array_equal(r.history["loss"], archgrid.loss[1, 1, 1, 1])
    np.testing.assert_array_equal(r.history["test_loss"], archgrid.test_loss[1, 1, 1, 1])
    r = by_depth.replay("relu", 0, depth=1, learning_rate=1e-2)
    np.testing.assert_array_equal(r.history["accuracy"], by_depth.accuracy[0, 1, 0, 0])
    np.testing.assert_array_equal(r.history["test_loss"], by_depth.test_loss[0, 1, 0, 0])
    with pytest.raises(ValueError, match="`hidden`: expected one of"):
        archgrid.replay("tanh", 3, hidden=(7,), learning_rate=3e-2)
    with pytest.raises(ValueError, match="`point`"):
        archgrid.replay("tanh", 3, learning_rate=3e-2)


def test_depth_and_width_lists_sweep_their_product(split):
    train, _ = split
    r = ja.sweep(train, depth=[1, 2], width=[3, 4], **{**BASE, "keep_params": False})
    assert r.dims[:2] == ("activation", "hidden")
    assert r.coords["hidden"] == [(3,), (4,), (3, 3), (4, 4)]
    w = ja.sweep(train, depth=2, width=[3, 4], **{**BASE, "keep_params": False})
    assert w.dims[:2] == ("activation", "width") and w.coords["width"] == [3, 4]
    np.testing.assert_array_equal(w.loss, r.loss[:, 2:])
    one = ja.sweep(train, depth=2, width=4, **{**BASE, "keep_params": False})
    assert one.dims == ("activation", "seed", "step") and one.sizes[1] == (4, 4)
    np.testing.assert_array_equal(one.loss, r.loss[:, 3])


def test_architecture_grid_compiles_once(split):
    """One program per (activation, architecture): a repeated call with other seeds or
    learning rates compiles nothing; a new architecture compiles (positive control)."""
    train, test = split
    # one block for every sweep (the default block follows a sweep's size)
    kw = dict(steps=STEPS, log_every=LOG, progress=False, dtype=jnp.float64, block=4)
    grid = {"hidden": [(4,), (4, 4)]}
    ja.sweep(train, activations=["relu", "elu"], seeds=2, grid=grid, test=test, **kw)
    with compiles() as names:
        again = ja.sweep(
            train, activations=["elu"], seeds=[5, 1, 2], grid=grid, test=test,
            learning_rate=0.03, **kw,
        )  # fmt: skip
        ja.sweep(train, activations=["relu"], seeds=2, depth=[2, 1], width=4, test=test, **kw)
    assert names == [], names
    assert again.timing["compile"] == 0.0
    with compiles() as names:
        ja.sweep(train, activations=["relu"], seeds=2, grid={"hidden": [(4,), (7, 2)]}, **kw)
    assert len(names) >= 1  # (7, 2) is another program


def test_held_out_metrics(split, archgrid):
    """Held-out metrics are those of the parameters at each logged step, and leave the
    training numbers unchanged."""
    train, test = split
    plain = ja.sweep(train, grid={"learning_rate": [1e-2, 3e-2], "hidden": ARCHS}, **BASE)
    assert plain.test_loss is None and plain.test_accuracy is None
    np.testing.assert_array_equal(plain.loss, archgrid.loss)
    np.testing.assert_array_equal(plain.accuracy, archgrid.accuracy)
    # final entries: the held-out loss and accuracy of the kept final parameters
    xt, yt = jnp.asarray(test.x, jnp.float64), jnp.asarray(test.y)
    for a, act in enumerate(ACTS):
        for i in range(len(ARCHS)):
            p = jax.tree.map(lambda v: v[1, 0], archgrid.params[act][i])  # lr 3e-2, seed 0
            logits = ja.mlp_apply(p, xt, activation=act)
            want_loss = float(ja.loss_for("softmax")(logits, yt))
            want_acc = float(ja.accuracy(logits, yt, "softmax"))
            np.testing.assert_allclose(archgrid.test_loss[a, i, 1, 0, -1], want_loss, rtol=1e-10)
            assert archgrid.test_accuracy[a, i, 1, 0, -1] == want_acc
    # the held-out curve is not the training curve (negative control)
    assert not np.allclose(archgrid.test_loss, archgrid.loss)
    # fit takes the same held-out data
    f = ja.fit(jax.random.key(3), train, hidden=(6,), activation="relu", optimizer="adam",
               steps=STEPS, log_every=LOG, dtype=jnp.float64, test=test,
               block=archgrid.config["block"])  # fmt: skip
    np.testing.assert_array_equal(f.history["test_accuracy"], archgrid.test_accuracy[0, 0, 0, 1])


def test_export_with_architectures_and_held_out(archgrid, tmp_path):
    s = archgrid.summary()
    assert len(s) == 2 * 2 * 2
    assert s[0]["hidden"] == (6,) and s[0]["learning_rate"] == 0.01
    assert {"test_loss_mean", "test_accuracy_ci95", "accuracy_mean"} <= set(s[0])
    assert math.isfinite(s[0]["test_accuracy_mean"])
    archgrid.to_csv(tmp_path / "runs.csv")
    with (tmp_path / "runs.csv").open() as f:
        rows = list(csv.DictReader(f))
    head = list(rows[0])
    assert head[:5] == ["activation", "hidden", "depth", "width", "learning_rate"]
    assert head[7:11] == ["loss", "accuracy", "test_loss", "test_accuracy"]
    assert "network" not in head
    assert len(rows) == 2 * 2 * 2 * 2 * len(archgrid.steps)
    deep = [r for r in rows if r["hidden"] == "5-5-5"]
    assert {(r["depth"], r["width"]) for r in deep} == {("3", "5")}
    r0 = rows[-1]
    assert float(r0["test_loss"]) == archgrid.test_loss[1, 1, 1, 1, -1]
    archgrid.to_csv(tmp_path / "summary.csv", table="summary")
    with (tmp_path / "summary.csv").open() as f:
        srows = list(csv.DictReader(f))
    assert srows[0]["hidden"] == "6" and srows[0]["depth"] == "1"
    assert float(srows[0]["test_accuracy_mean"]) == s[0]["test_accuracy_mean"]
    archgrid.to_json(tmp_path / "s.json")
    doc = json.loads((tmp_path / "s.json").read_text())
    assert doc["dims"][1] == "hidden" and doc["coords"]["hidden"] == [[6], [5, 5, 5]]
    assert np.asarray(doc["test_accuracy"]).shape == archgrid.test_accuracy.shape
    assert doc["architecture"]["dim"] == "hidden"
    archgrid.plot(tmp_path / "c.png")
    assert (tmp_path / "c.png").read_bytes().startswith(PNG_MAGIC)


def test_checkpoint_covers_architectures_and_held_out(split, archgrid, tmp_path, monkeypatch):
    train, test = split
    path = tmp_path / "ck"
    kw = dict(grid={"learning_rate": [1e-2, 3e-2], "hidden": ARCHS}, **BASE)
    write = sw._ckpt.write

    def stop_after_first_chunk(p, arrays):
        write(p, arrays)
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(sw._ckpt, "write", stop_after_first_chunk)
        with pytest.raises(KeyboardInterrupt):
            ja.sweep(train, test=test, checkpoint=path, chunk_steps=LOG, **kw)
    with np.load(path) as z:
        assert int(z["done"]) == LOG
    resumed = ja.sweep(train, test=test, checkpoint=path, chunk_steps=LOG, **kw)
    for m in ("loss", "accuracy", "test_loss", "test_accuracy"):
        np.testing.assert_array_equal(getattr(resumed, m), getattr(archgrid, m))
    other = {**kw, "grid": {"learning_rate": [1e-2, 3e-2], "hidden": [(6,), (5, 5)]}}
    with pytest.raises(ValueError, match=r"differs in: .*architecture"):
        ja.sweep(train, test=test, checkpoint=path, chunk_steps=LOG, **other)
    with pytest.raises(ValueError, match=r"differs in: .*test"):
        ja.sweep(train, checkpoint=path, chunk_steps=LOG, **kw)
    shifted = (test.x + 1.0, test.y)
    with pytest.raises(ValueError, match=r"differs in: test"):
        ja.sweep(train, test=shifted, checkpoint=path, chunk_steps=LOG, **kw)


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        ({"grid": {"hidden": [(4,)]}, "hidden": (3,)}, ValueError, r"`grid\['hidden'\]`.*`hidden`"),
        ({"grid": {"hidden": [(4,), (4,)]}}, ValueError, r"each architecture once"),
        ({"grid": {"hidden": []}}, ValueError, r"`grid\['hidden'\]`: expected at least one"),
        ({"grid": {"hidden": [(4, 0)]}}, ValueError, r"`grid\['hidden'\]\[0\]\[1\]`"),
        ({"grid": {"hidden": [4]}}, TypeError, r"`grid\['hidden'\]\[0\]`: expected hidden"),
        ({"grid": {"hidden": (4, 8)}}, TypeError, r"`grid\['hidden'\]\[0\]`"),
        ({"depth": [1, 2], "hidden": (3,)}, ValueError, r"`depth` / `width`.*`hidden`"),
        ({"depth": 2, "sizes": (2, 3, 1)}, ValueError, r"`depth` / `width`.*`sizes`"),
        ({"depth": []}, ValueError, r"`depth`: expected at least one"),
        ({"depth": [1, 1]}, ValueError, r"`depth`: each value once"),
        ({"depth": -1}, ValueError, r"`depth`: expected ints >= 0"),
        ({"width": [0, 3]}, ValueError, r"`width`: expected ints >= 1"),
        ({"width": 2.5}, TypeError, r"`width`: expected an int"),
        ({"depth": [0, 1], "width": [2, 3]}, ValueError, r"each architecture once"),
        ({"test": (np.zeros((3, 5)), np.zeros(3, int))}, ValueError, r"`test`: expected 2 feat"),
        ({"test": (np.zeros((3, 2)), np.arange(3))}, ValueError, r"`test`: .*labels"),
        ({"test": (np.zeros((3, 2)), np.zeros(4, int))}, ValueError, r"`test`: .*one per row"),
        ({"test": "iris"}, TypeError, r"`test`: expected a Task"),
    ],
)
def test_bad_architectures_and_held_out_data_are_rejected(no_compile, change, error, match):
    x = np.random.default_rng(0).normal(size=(8, 2)).astype(np.float32)
    y = np.arange(8) % 2
    with pytest.raises(error, match=match):
        ja.sweep((x, y), **{**GOOD, **change})


def test_held_out_task_of_another_kind_or_classes_is_rejected(no_compile, iris):
    wine = ja.Task("three", iris.x[:, :2], iris.y, "softmax", 3, "")
    with pytest.raises(ValueError, match=r"`test`: expected 4 features"):
        ja.sweep(iris, test=wine, **GOOD)
    reg = ja.Task("reg", iris.x, iris.x[:, :1].copy(), "regression", None, "")
    with pytest.raises(ValueError, match=r"`test`: expected a 'softmax' task.*'regression'"):
        ja.sweep(iris, test=reg, **GOOD)
    two = ja.Task("two", iris.x, (iris.y % 2).astype(np.int32), "softmax", 2, "")
    with pytest.raises(ValueError, match=r"`test`: expected 3 classes.*with 2"):
        ja.sweep(iris, test=two, **GOOD)


# --------------------------------------------------------------------------------------
# The block follows the sweep's size; seeded mini-batches; programs for accelerators
# --------------------------------------------------------------------------------------


def test_default_block_computes_almost_no_padding():
    """For any number of runs per (activation, architecture), at least 80% of the computed
    runs are real (in fact more than 96%), within the cap of each platform."""
    for platform, cap in (("cpu", 32), ("gpu", 1024)):
        for runs in [*range(1, 300), 1023, 1025, 2049, 4097, 10**5 + 3]:
            b = engine.default_block(runs, platform)
            slots = -(-runs // b) * b
            assert 1 <= b <= cap and runs / slots > 0.96, (platform, runs, b)
            assert b == runs or runs > cap
    # negative control: the fixed block of 32 for 4 seeds computed 1/8 real runs
    assert 4 / (-(-4 // 32) * 32) < 0.8


def test_block_is_recorded_and_replayed(iris):
    """A 3-seed sweep trains one block of 3 (no padding), records it, and replay uses it."""
    r = ja.sweep(iris, activations=["tanh"], seeds=[5, 1, 7], steps=STEPS, log_every=LOG,
                 progress=False, dtype=jnp.float64)  # fmt: skip
    assert r.config["block"] == 3 and r.settings()["block"] == 3
    np.testing.assert_array_equal(r.replay("tanh", 7).history["loss"], r.loss[0, 2])
    f = ja.fit(jax.random.key(1), iris, activation="tanh", optimizer="adam", steps=STEPS,
               log_every=LOG, dtype=jnp.float64, block=3)  # fmt: skip
    np.testing.assert_array_equal(f.history["loss"], r.loss[0, 1])


MINI = dict(activations=["tanh"], steps=STEPS, log_every=LOG, progress=False, batch_size=16,
            block=4)  # fmt: skip


@pytest.fixture(scope="module")
def minibatched(iris):
    return ja.sweep(iris, seeds=[0, 1, 2, 3], **MINI)


def test_minibatches_are_seeded_and_independent_of_the_block(minibatched, iris):
    """Each run draws its batches from its own key: the same bits alone in a block (its
    copies around it), again, in fit and in replay; another batch size is another run."""
    a = minibatched
    alone = ja.sweep(iris, seeds=[2], **MINI)
    np.testing.assert_array_equal(alone.loss[0, 0], a.loss[0, 2])
    np.testing.assert_array_equal(ja.sweep(iris, seeds=[0, 1, 2, 3], **MINI).loss, a.loss)
    f = ja.fit(jax.random.key(2), iris, activation="tanh", optimizer="adam", steps=STEPS,
               log_every=LOG, batch_size=16, block=4)  # fmt: skip
    np.testing.assert_array_equal(f.history["loss"], a.loss[0, 2])
    np.testing.assert_array_equal(a.replay("tanh", 2).history["loss"], a.loss[0, 2])
    assert a.config["batch_size"] == 16 and a.settings()["batch_size"] == 16
    # negative controls: full batch, and another seed's batches, train other runs
    full = ja.sweep(iris, seeds=[0, 1, 2, 3], **{**MINI, "batch_size": None})
    assert not np.array_equal(full.loss[..., 1:], a.loss[..., 1:])
    assert not np.array_equal(a.loss[0, 1, 1:], a.loss[0, 2, 1:])
    # every row without replacement: the full batch up to the order of the sums
    every = ja.sweep(iris, seeds=[0, 1, 2, 3], **{**MINI, "batch_size": 150})
    np.testing.assert_allclose(every.loss, full.loss, rtol=1e-4)


def test_batch_size_is_in_the_fingerprint(iris, tmp_path):
    kw = dict(seeds=[0, 1], checkpoint=tmp_path / "ck", **{**MINI, "steps": 5})
    ja.sweep(iris, **kw)
    with pytest.raises(ValueError, match="differs in: batch_size"):
        ja.sweep(iris, **{**kw, "batch_size": 8})


@pytest.mark.parametrize("bad", [0, -3, 1.5, True, "8", 151])
def test_bad_batch_size_is_named(iris, bad):
    with pytest.raises((ValueError, TypeError), match="`batch_size`"):
        ja.sweep(iris, activations=["tanh"], seeds=1, steps=2, batch_size=bad, progress=False)
    with pytest.raises((ValueError, TypeError), match="`batch_size`"):
        ja.fit(jax.random.key(0), iris, activation="tanh", optimizer="adam", steps=2,
               batch_size=bad)  # fmt: skip


@pytest.mark.parametrize("held_out, batch", [(False, None), (True, 16), (True, None), (False, 16)])
def test_every_program_exports_for_cuda_and_tpu(iris, held_out, batch):
    """Each program the engine compiles for a sweep (start; advance for each chunk
    length) and for fit (with diagnostics), with and without held-out data and
    mini-batches, serializes for CUDA and TPU: no CPU-only custom call, no host
    callback. Negative control: an activation computed by a host callback fails."""
    s = ja.sweep_settings(iris, activations=["gelu", "prelu"], seeds=3, steps=12, log_every=4,
                          test=iris if held_out else None, batch_size=batch)  # fmt: skip
    dev = jax.devices()[0]
    keys = [s.program_key(g, dev) for g in s.groups]
    keys.append(dataclasses.replace(keys[0], diagnostics=True, block=1))
    for k in keys:
        for what in ("start", *sorted(set(s.chunks))):
            exported = engine.export(k, s.tx, what, platforms=("cuda", "tpu"))
            assert exported.platforms == ("cuda", "tpu")
            assert "callback" not in exported.mlir_module()

    @jax.custom_jvp
    def host_tanh(x):
        out = jax.ShapeDtypeStruct(x.shape, x.dtype)
        return jax.pure_callback(np.tanh, out, x, vmap_method="broadcast_all")

    host_tanh.defjvps(lambda g, ans, x: g * (1 - ans**2))
    with pytest.raises((ValueError, NotImplementedError)):
        engine.export(dataclasses.replace(keys[0], activation=host_tanh), s.tx, s.chunks[0])
