"""The ``jaxact sweep`` command: checks before training, the persistent compilation cache,
Ctrl-C while compiling, exploding runs, the output files."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
TINY = ("--task", "xor", "--activations", "relu,tanh", "--seeds", "2", "--steps", "20",
        "--log-every", "5", "--no-progress")  # fmt: skip


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    for k in ("JAX_ENABLE_X64", "JAX_NUM_CPU_DEVICES", "JAX_COMPILATION_CACHE_DIR"):
        env.pop(k, None)
    env.update(extra)
    return env


def jaxact(*args: str, cache: str = "off", timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "jaxact", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=_env(JAXACT_COMPILE_CACHE=cache),
        timeout=timeout,
    )


def _one_line_error(p: subprocess.CompletedProcess, option: str) -> str:
    assert p.returncode == 2, p.stdout + p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("jaxact: error: "), p.stderr
    assert option in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("hidden", [",", "", " , "])
def test_hidden_without_widths_is_an_error(tmp_path, hidden):
    p = jaxact("sweep", *TINY, "--hidden", hidden, "--out", str(tmp_path / "o"))
    _one_line_error(p, "--hidden")
    assert not (tmp_path / "o").exists()


def test_steps_beyond_what_can_be_done(tmp_path):
    p = jaxact("sweep", *TINY, "--steps", str(10**12), "--out", str(tmp_path / "o"))
    line = _one_line_error(p, "`--steps`")
    assert "2147483647" in line
    p = jaxact("sweep", *TINY, "--steps", str(10**9), "--log-every", "1", "--out", str(tmp_path))
    assert "268435456" in _one_line_error(p, "`--steps`")


def test_out_errors_name_out(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    assert "is not a folder" in _one_line_error(jaxact("sweep", *TINY, "--out", str(f)), "--out")
    sub = f / "deeper"
    assert "is a file" in _one_line_error(jaxact("sweep", *TINY, "--out", str(sub)), "--out")
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        try:
            p = jaxact("sweep", *TINY, "--out", str(locked / "o"))
            assert "cannot write" in _one_line_error(p, "--out")
        finally:
            locked.chmod(0o700)
    p = jaxact("sweep", *TINY, "--compile-cache", str(f), "--out", str(tmp_path / "o"))
    _one_line_error(p, "--compile-cache")


@pytest.mark.slow
def test_compile_cache_second_process_loads(tmp_path):
    cache = tmp_path / "xla"
    args = ("sweep", *TINY, "--compile-cache", str(cache))
    first = jaxact(*args, "--out", str(tmp_path / "a"), cache="off")
    assert first.returncode == 0, first.stderr
    entries = sorted(p.name for p in cache.iterdir())
    assert len(entries) >= 3  # relu's and tanh's chunk programs, the initializations
    second = jaxact(*args, "--out", str(tmp_path / "b"), cache="off")
    assert second.returncode == 0, second.stderr
    assert sorted(p.name for p in cache.iterdir()) == entries  # loaded, nothing new
    assert (tmp_path / "a" / "sweep.csv").read_text() == (tmp_path / "b" / "sweep.csv").read_text()
    # the environment variable does the same; "off" writes nothing
    env_cache = tmp_path / "env-xla"
    assert (
        jaxact("sweep", *TINY, "--out", str(tmp_path / "c"), cache=str(env_cache)).returncode == 0
    )
    assert any(env_cache.iterdir())
    for name in ("final.csv", "summary.csv", "sweep.csv", "sweep.json", "sweep.png"):
        assert (tmp_path / "c" / name).is_file(), name
    with (tmp_path / "c" / "final.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2 * 2 and rows[0]["task"] == "xor" and rows[0]["network"] == "2-6-6-1"


@pytest.mark.slow
def test_exploding_learning_rate_is_flagged_without_warnings(tmp_path):
    p = jaxact("sweep", *TINY, "--lr", "1e30", "--out", str(tmp_path / "o"))
    assert p.returncode == 0, p.stderr
    assert "Warning" not in p.stderr and "overflow" not in p.stderr, p.stderr
    with (tmp_path / "o" / "summary.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert [r["diverged"] for r in rows] == ["2", "2"]
    assert all(r["loss_mean"] == "nan" for r in rows)


@pytest.mark.slow
@pytest.mark.parametrize("attempt", [0, 1])
def test_ctrl_c_while_compiling_exits_130_cleanly(tmp_path, attempt):
    out = tmp_path / "o"
    proc = subprocess.Popen(
        [sys.executable, "-m", "jaxact", "sweep", "--task", "iris", "--activations",
         "relu,tanh,elu,gelu", "--seeds", "4", "--steps", "50", "--out", str(out)],
        cwd=ROOT,
        env=_env(JAXACT_COMPILE_CACHE="off"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        line = ""
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if line.startswith("compiling") or not line:
                break
        assert line.startswith("compiling"), line
        time.sleep(0.3 + 0.4 * attempt)  # inside XLA's compile
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, (proc.returncode, stderr[-2000:])
    assert "interrupted; run the same command again to start again" in stderr
    assert "Segmentation" not in stderr and "Traceback" not in stderr, stderr[-2000:]
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("--depth", "1,x"), "--depth"),
        (("--depth", "-1"), "--depth"),
        (("--depth", "2,2"), "--depth"),
        (("--width", "0"), "--width"),
        (("--width", ","), "--width"),
        (("--depth", "1,2", "--hidden", "4"), "--depth"),
        (("--depth", "0,1", "--width", "3,4"), "--depth"),
        (("--test-fraction", "1.5"), "--test-fraction"),
        (("--test-fraction", "x"), "--test-fraction"),
        (("--test-fraction", "0.2", "--split-seed", "-3"), "--split-seed"),
        (("--split-seed", "2"), "--split-seed"),
        (("--test-fraction", "0.01"), "--test-fraction"),  # a class with no example left
    ],
)
def test_depth_width_and_split_errors_name_the_option(tmp_path, args, option):
    p = jaxact("sweep", *TINY, *args, "--out", str(tmp_path / "o"))
    _one_line_error(p, option)
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_depth_grid_with_a_held_out_split(tmp_path):
    out = tmp_path / "o"
    p = jaxact("sweep", "--task", "iris", "--activations", "relu,tanh", "--seeds", "2",
               "--steps", "20", "--log-every", "10", "--no-progress", "--depth", "1,3",
               "--width", "5", "--test-fraction", "0.2", "--split-seed", "1",
               "--out", str(out))  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert "networks 4-5-3, 4-5-5-5-3" in p.stdout
    table = p.stdout[p.stdout.index("\nactivation ") + 1 :].splitlines()
    assert table[0].split()[:2] == ["activation", "depth"]
    assert "test_accuracy_mean" in table[0].split()
    assert [r.split()[:2] for r in table[2:6]] == [["relu", "1"], ["relu", "3"], ["tanh", "1"],
                                                   ["tanh", "3"]]  # fmt: skip
    with (out / "final.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2 * 2 * 2
    assert {(r["hidden"], r["depth"], r["width"]) for r in rows} == {
        ("5", "1", "5"),
        ("5-5-5", "3", "5"),
    }
    assert all(0 <= float(r["test_accuracy"]) <= 1 for r in rows)
    import json

    doc = json.loads((out / "sweep.json").read_text())
    assert doc["dims"][:2] == ["activation", "depth"]
    assert doc["config"]["test"] is not None
    assert np.asarray(doc["test_accuracy"]).shape == (2, 2, 2, 3)  # 20 steps logged every 10


@pytest.mark.parametrize(
    "args",
    [("--batch-size", "0"), ("--batch-size", "2.5"), ("--batch-size", "5"), ("--block", "0")],
)
def test_batch_size_and_block_errors_name_the_option(tmp_path, args):
    """xor has 4 rows: a batch of 5 is refused by the sweep's own check, named as the flag."""
    p = jaxact("sweep", *TINY, *args, "--out", str(tmp_path / "o"))
    _one_line_error(p, args[0])
    assert not (tmp_path / "o").exists()


def test_block_and_batch_size_reach_the_sweep(tmp_path):
    out = tmp_path / "o"
    p = jaxact("sweep", *TINY, "--block", "3", "--batch-size", "2", "--out", str(out))
    assert p.returncode == 0, p.stderr
    assert "batches of 2; block 3;" in p.stdout
    with (out / "final.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert {(r["block"], r["batch_size"]) for r in rows} == {("3", "2")}
