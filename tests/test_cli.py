"""The ``jaxact`` command, end to end, in a fresh process each time, as a user runs it."""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import jax
import pytest

import jaxact as ja

ROOT = Path(__file__).resolve().parents[1]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


_JIT_CACHE: dict[str, str] = {}


@pytest.fixture(scope="module", autouse=True)
def _shared_compilation_cache(tmp_path_factory):
    """One JAX compilation cache for this module's processes: a sweep of a shape that an
    earlier process compiled loads the program instead of compiling it again."""
    _JIT_CACHE["dir"] = str(tmp_path_factory.mktemp("jit-cache"))
    yield
    _JIT_CACHE.clear()


def jaxact(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``python -m jaxact ARGS`` from the repository root with default JAX settings."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("JAX_ENABLE_X64", None)
    env.pop("JAX_NUM_CPU_DEVICES", None)
    if "dir" in _JIT_CACHE:
        env["JAX_COMPILATION_CACHE_DIR"] = _JIT_CACHE["dir"]
    return subprocess.run(
        [sys.executable, "-m", "jaxact", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=timeout,
    )


def ok(proc: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    assert "Traceback" not in proc.stderr
    return proc


def _has(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


needs_sweep = pytest.mark.skipif(
    not callable(getattr(ja, "sweep", None)), reason="jaxact.training.sweep is not written yet"
)
needs_gradcheck = pytest.mark.skipif(
    not _has("jaxact.check.gradcheck"), reason="jaxact.check.gradcheck is not written yet"
)


def test_import_is_light():
    code = (
        "import sys, jaxact.cli; "
        "print(sorted(m for m in ('matplotlib', 'experiments') if m in sys.modules))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_help_and_version(capsys):
    out = ok(jaxact("--help")).stdout
    for cmd in ("list", "show", "check", "sweep", "experiments"):
        assert cmd in out
    from jaxact.cli import main

    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"jaxact {ja.__version__}"


def test_list_shows_the_whole_catalog():
    out = ok(jaxact("list")).stdout
    lines = out.splitlines()
    header = lines[0].split()
    assert header == [
        "name",
        "aliases",
        "kind",
        "range",
        "monotonic",
        "zero-centred",
        "smooth",
        "kinks",
    ]
    rows = {ln.split()[0]: ln for ln in lines[2:] if ln.strip() and not ln.startswith(" ")}
    for name in ja.names():
        assert name in rows, name
        card = ja.get(name).card
        assert card.smoothness in rows[name]
    relu = rows["relu"].split()
    assert relu[1:] == ["-", "elementwise", "0", "..", "inf", "yes", "no", "C0", "0"]
    assert "linear" in rows["identity"]  # aliases listed
    assert f"{len(ja.names())} activations" in out


def test_show_card_and_plot(tmp_path):
    png = tmp_path / "leaky.png"
    proc = ok(jaxact("show", "leaky_relu", "--plot", str(png)))
    out = proc.stdout
    rec = ja.get("leaky_relu")
    assert out.startswith("leaky_relu\n")
    assert "f(x) = {x if x ≥ 0; a x if x < 0}" in out  # the docstring's math, rendered
    assert "f'(x)" in out  # the derivative
    assert "minimum-norm subgradient" in out  # the kink convention
    assert "negative_slope = 0.01" in out  # parameter default
    assert "jax.nn.leaky_relu" in out and "torch.nn.functional.leaky_relu" in out
    assert "keras.activations.leaky_relu" in out
    assert rec.notes.split()[0] in out  # where the anchors differ
    assert "Args:" not in out and ">>>" not in out
    data = png.read_bytes()
    assert len(data) > 5000 and data.startswith(PNG_MAGIC)


def test_show_alias_and_vector_activation(tmp_path, capsys):
    from jaxact.cli import main

    assert main(["show", "logistic"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("sigmoid  (aliases: logistic)")
    assert "saturating    both" in out and "Kinks: none" in out
    png = tmp_path / "softmax.png"
    out = ok(jaxact("show", "softmax", "--plot", str(png))).stdout
    assert "vector" in out and "axis" in out
    assert png.read_bytes().startswith(PNG_MAGIC)


@pytest.mark.parametrize("name", ja.names())
def test_show_every_card(capsys, name):
    """Every catalog entry has a card the command can print (in-process: no plot, fast)."""
    from jaxact.cli import main

    assert main(["show", name]) == 0
    out = capsys.readouterr().out
    rec = ja.get(name)
    assert out.startswith(name)
    assert f"smoothness    {rec.card.smoothness}" in out
    assert "Counterparts" in out and ("Kinks" in out)
    for k in rec.card.kinks:
        assert f"{k.d1:.4g}" in out
    for p, v in rec.defaults.items():
        assert f"{p} = {v:.4g}" in out


@needs_gradcheck
def test_check_reports_on_named_activations():
    proc = ok(jaxact("check", "relu", "tanh", "--checks", "kinks,oracle"))
    rows = [ln.split()[0] for ln in proc.stdout.splitlines()[2:-1]]
    assert set(rows) == {"relu", "tanh"}
    assert proc.stdout.splitlines()[-1].endswith("all passed.")


@needs_gradcheck
def test_check_exits_1_when_a_derivative_is_wrong(monkeypatch, capsys):
    """A negative control through the command: relu with f′(0) = 1 (not the card's 0)."""
    import dataclasses

    import jax.numpy as jnp

    from jaxact.catalog import activations
    from jaxact.cli import main

    rec = ja.get("relu")
    bad = dataclasses.replace(rec, derivative=lambda x: jnp.where(x >= 0, 1.0, 0.0))
    monkeypatch.setitem(activations.REGISTRY, "relu", bad)
    assert main(["check", "relu", "--checks", "kinks"]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "failed (relu)" in out


@needs_gradcheck
def test_check_flags_are_the_checkers_make_references_included(monkeypatch, tmp_path, capsys):
    """`jaxact check` and `python -m jaxact.check` parse the same flags, defined once."""
    from jaxact.check import gradcheck, oracles
    from jaxact.cli import main, parser

    args = parser().parse_args(["check", "relu", "--checks", "kinks,oracle", "--failures"])
    assert args.run is gradcheck.run
    assert (args.names, args.checks, args.failures) == (["relu"], ["kinks", "oracle"], True)
    assert parser().parse_args(["check", "--make-references"]).make_references == str(
        oracles.REFERENCES
    )
    written = []
    monkeypatch.setattr(oracles, "make_references", lambda recs, path, **kw: written.append(path))
    target = str(tmp_path / "refs.npz")
    assert main(["check", "--make-references", target]) == 0
    assert gradcheck.main(["--make-references", target]) == 0
    assert written == [target, target]
    assert main(["check", "relu", "--checks", "kinks,oracel"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("jaxact: error: `--checks`") and "closest: oracle" in err


def test_experiments_help_is_the_runners():
    """`jaxact experiments` hands its arguments to `python -m experiments`, whose parser
    is the only definition of the runner's flags."""
    if not _experiments_with("gallery"):
        pytest.skip("the experiments package is not importable")
    out = ok(jaxact("experiments", "--help")).stdout
    assert out.startswith("usage: jaxact experiments")
    for flag in ("--quick", "--out", "--jobs", "--fresh", "--list", "8 seeds, fewer steps"):
        assert flag in out, flag


FLOWERS_CSV = "x1,x2,x3,label\n5,1,2,yes\n3,9,8,no\n1,2,3,yes\n9,9,9,no\n"
TINY = ("--activations", "relu,tanh", "--seeds", "2", "--steps", "20", "--log-every", "5")


def _check_outputs(out_dir: Path, acts: list[str]) -> list[dict]:
    for f in ("summary.csv", "sweep.csv", "sweep.json", "sweep.png"):
        assert (out_dir / f).stat().st_size > 0, f
    with (out_dir / "summary.csv").open() as f:
        assert [r["activation"] for r in csv.DictReader(f)] == acts
    assert (out_dir / "sweep.png").read_bytes().startswith(PNG_MAGIC)
    json.loads((out_dir / "sweep.json").read_text())
    with (out_dir / "sweep.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert rows
    text = (out_dir / "sweep.csv").read_text()
    for a in acts:
        assert a in text
    return rows


@pytest.mark.slow
@needs_sweep
def test_sweep_writes_table_and_files_then_resumes(tmp_path):
    out_dir = tmp_path / "xor"
    args = ("sweep", "--task", "xor", *TINY, "--out", str(out_dir))
    first = ok(jaxact(*args))
    # the summary table names both activations; the progress bar went to stderr
    table = [ln for ln in first.stdout.splitlines() if ln.startswith(("relu ", "tanh "))]
    assert len(table) == 2
    assert first.stdout.splitlines()[-1].startswith("wrote: ")
    assert "20/20" in first.stderr
    # by default a CPU is split into one device per core, and the header says so
    platform = jax.default_backend()
    n = os.cpu_count() if platform == "cpu" else jax.device_count()
    assert f"; {n} {platform} device{'s' * (n > 1)}; output: " in first.stdout
    rows = _check_outputs(out_dir, ["relu", "tanh"])
    assert len(rows) == 2 * 2 * 5  # activations x seeds x logged steps 0, 5, 10, 15, 20
    assert (out_dir / "checkpoint.npz").is_file()
    saved = (out_dir / "sweep.csv").read_bytes()
    # Same command, same folder: the sweep finishes from its checkpoint, same numbers.
    second = ok(jaxact(*args))
    assert "resuming from" in second.stdout
    assert (out_dir / "sweep.csv").read_bytes() == saved
    assert [ln for ln in second.stdout.splitlines() if ln.startswith(("relu ", "tanh "))] == table


@pytest.mark.slow
@needs_sweep
def test_sweep_interrupted_then_resumed_gives_the_same_numbers(tmp_path, monkeypatch, capsys):
    """Ctrl-C after the first chunk's checkpoint; the same command again completes it."""
    from jaxact.cli import main

    sweep_module = sys.modules["jaxact.training.checkpoint"]  # the sweep's checkpoint writer
    write = sweep_module.write
    calls = []

    def write_then_interrupt(path, arrays):
        write(path, arrays)
        calls.append(int(arrays["done"]))
        raise KeyboardInterrupt

    args = ["sweep", "--task", "moons", "-o", "n=40", *TINY, "--no-progress"]
    assert main([*args, "--out", str(tmp_path / "whole")]) == 0
    monkeypatch.setattr(sweep_module, "write", write_then_interrupt)
    assert main([*args, "--out", str(tmp_path / "cut")]) == 130
    err = capsys.readouterr().err
    assert len(calls) == 1 and 0 < calls[0] < 20  # stopped after a first, partial chunk
    assert "run the same command again to resume" in err
    assert not (tmp_path / "cut" / "sweep.csv").exists()
    monkeypatch.setattr(sweep_module, "write", write)
    assert main([*args, "--out", str(tmp_path / "cut")]) == 0
    assert "resuming from" in capsys.readouterr().out
    whole = (tmp_path / "whole" / "sweep.csv").read_text()
    assert (tmp_path / "cut" / "sweep.csv").read_text() == whole


@pytest.mark.slow
@needs_sweep
def test_sweep_on_a_user_csv(tmp_path):
    # XOR as a user's file: the same shapes as the built-in task, so the same program.
    data = tmp_path / "gates.csv"
    data.write_text("a,b,out\n0,0,off\n0,1,on\n1,0,on\n1,1,off\n")
    out_dir = tmp_path / "mine"
    proc = ok(jaxact("sweep", "--data", str(data), "--label", "out", *TINY, "--out", str(out_dir)))
    assert proc.stdout.startswith("gates: gates.csv: 4 rows, 2 features, label 'out' (binary")
    assert "network 2-6-6-1" in proc.stdout
    _check_outputs(out_dir, ["relu", "tanh"])
    # the same numbers as the built-in task: "on" is class 1, as x1 != x2 is in `xor`
    builtin = tmp_path / "builtin"
    ok(jaxact("sweep", "--task", "xor", *TINY, "--out", str(builtin)))

    def numbers(folder: Path) -> list[dict]:  # every column but the task's name
        with (folder / "sweep.csv").open() as f:
            return [{k: v for k, v in r.items() if k != "task"} for r in csv.DictReader(f)]

    assert numbers(out_dir) == numbers(builtin)


def _experiments_with(*names: str) -> list[str]:
    try:
        import experiments as experiments
    except ImportError:
        return []
    return [n for n in names if n in experiments.names() and _has(f"experiments.{n}")]


@pytest.mark.slow
def test_experiments_quick(tmp_path):
    names = _experiments_with("xor_logistic")
    if not names:
        pytest.skip("the experiments package has no `xor_logistic` experiment yet")
    out_dir = tmp_path / "results"
    args = ("experiments", "--quick", "--jobs", "1", *names, "--out", str(out_dir))
    proc = ok(jaxact(*args, timeout=600))
    assert "[1/1] xor_logistic: PASS" in proc.stdout and "(reused" not in proc.stdout
    assert "xor_logistic" in (out_dir / "REPORT.md").read_text()
    assert (out_dir / "verdicts.csv").read_text().splitlines()[1].startswith("xor_logistic,PASS")


def test_experiments_list():
    if not _experiments_with("gallery"):
        pytest.skip("the experiments package is not importable")
    import experiments as experiments

    out = ok(jaxact("experiments", "--list")).stdout.split()
    assert out == experiments.names()


# --------------------------------------------------------------------------------------
# User mistakes: one line on stderr, exit status 2, no traceback
# --------------------------------------------------------------------------------------

MISTAKES = [
    # (arguments, text the message must contain)
    ((), "required"),
    (("bogus",), "invalid choice"),
    (("show", "relux"), "closest: relu"),
    (("show", "relu", "--plot", "relu.jpg"), "`--plot`"),
    (("show", "relu", "--plot", "{tmp}/no/such/dir/relu.png"), "no such folder"),
    (("check", "tanhh"), "closest: tanh"),
    (("experiments", "--jobs", "0"), "--jobs"),
    (("sweep", "--task", "irsi"), "closest: iris"),
    (("sweep", "--task", "xor", "--activations", "relu,tanhh"), "closest: tanh"),
    (("sweep", "--task", "xor", "--activations", "relu,relu"), "each activation once"),
    (("sweep", "--task", "xor", "--seeds", "two"), "--seeds"),
    (("sweep", "--task", "xor", "--steps", "0"), "--steps"),
    (("sweep", "--task", "xor", "--lr", "-1"), "--lr"),
    (("sweep", "--task", "xor", "--hidden", "6,x"), "--hidden"),
    (("sweep", "--task", "xor", "--devices", "many"), "--devices"),
    (("sweep", "--task", "xor", "--activations", "relu", "--devices", "4096"), "--cpu-devices"),
    (("sweep", "--task", "xor", "--grid", "learning_rate"), "--grid"),
    (("sweep", "--task", "xor", "-o", "nosie=0.1"), "closest: noise"),
    (("sweep", "--task", "xor", "-o", "noise"), "NAME=VALUE"),
    (("sweep", "--task", "xor", "--label", "y"), "`--label`"),
    (("sweep", "--task", "iris", "--data", "{tmp}/flowers.csv"), "not allowed with"),
    (("sweep", "--data", "{tmp}/missing.csv", "--label", "y"), "no such file"),
    (("sweep", "--data", "{tmp}/text.csv", "--label", "label"), "not numeric"),
    (("sweep", "--data", "{tmp}/flowers.csv", "--label", "lable"), "closest: label"),
    (("sweep", "--data", "{tmp}/flowers.csv"), "`--label`"),
    (("sweep", "--data", "{tmp}/flowers.csv", "--label", "label", "-o", "n=3"), "`--option`"),
    (
        ("sweep", "--task", "xor", "--activations", "relu", "--out", "{tmp}/flowers.csv"),
        "not a folder",
    ),
    (("experiments", "lineer_collapse"), "closest: linear_collapse"),
]
# The same mistakes made in a fresh process, as a user makes them (each pays the JAX
# import, so only one of each family: argparse, library name, file, file content), and
# those that the command hands to a process of its own (`jaxact experiments ARGS`).
IN_CHILD = {("experiments", "lineer_collapse"), ("experiments", "--jobs", "0")}
END_TO_END = {
    *IN_CHILD,
    (),
    ("show", "relux"),
    ("sweep", "--data", "{tmp}/missing.csv", "--label", "y"),
    ("sweep", "--data", "{tmp}/text.csv", "--label", "label"),
}


def _ids(v):
    return "_".join(v)[:48] or "none" if isinstance(v, tuple) else "-"


def _mistake_files(tmp_path: Path) -> None:
    (tmp_path / "flowers.csv").write_text(FLOWERS_CSV)
    (tmp_path / "text.csv").write_text("x1,name,label\n1,ab,0\n2,cd,1\n3,ef,0\n")


def _assert_one_line(code, stdout: str, stderr: str, needle: str) -> None:
    assert code == 2, f"exit {code}\n{stdout}\n{stderr}"
    assert "Traceback" not in stderr + stdout
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("jaxact: error: ")
    assert needle in lines[0]


@pytest.mark.parametrize(
    ("args", "needle"), [m for m in MISTAKES if m[0] not in IN_CHILD], ids=_ids
)
def test_user_mistake_one_line_exit_2(tmp_path, capsys, args, needle):
    from jaxact.cli import main

    _mistake_files(tmp_path)
    if args and args[0] == "experiments" and not _experiments_with("linear_collapse"):
        pytest.skip("the experiments package has no `linear_collapse` experiment yet")
    try:
        code = main([a.format(tmp=tmp_path) for a in args])
    except SystemExit as e:  # argparse's own errors
        code = e.code
    out, err = capsys.readouterr()
    _assert_one_line(code, out, err, needle)


@pytest.mark.parametrize(("args", "needle"), [m for m in MISTAKES if m[0] in END_TO_END], ids=_ids)
def test_user_mistake_end_to_end(tmp_path, args, needle):
    _mistake_files(tmp_path)
    proc = jaxact(*(a.format(tmp=tmp_path) for a in args))
    _assert_one_line(proc.returncode, proc.stdout, proc.stderr, needle)


def _descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (from /proc)."""
    parent = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            parent[int(stat.parent.name)] = int(fields[1])
    out, todo = set(), [pid]
    while todo:
        p = todo.pop()
        kids = {c for c, pp in parent.items() if pp == p}
        out |= kids
        todo += list(kids)
    return out


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("sig", ["SIGTERM", "SIGKILL"])
def test_a_signal_to_the_command_ends_the_experiments_and_their_workers(tmp_path, sig):
    """SIGTERM is passed on; a SIGKILLed command ends its runner as SIGTERM would."""
    import signal
    import time

    log = tmp_path / "log.txt"
    out = str(tmp_path / "out")
    argv = ["experiments", "piecewise", "dying_relu", "--jobs", "2", "--quick", "--out", out]
    with log.open("w") as f:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jaxact", *argv],
            stdout=f,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
    below: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            below = _descendants(proc.pid)
            if "running 2 experiments" in log.read_text() and len(below) >= 3:
                break  # the experiments process and its two workers
            assert proc.poll() is None, log.read_text()
            time.sleep(0.2)
        else:
            pytest.fail(f"the workers did not start within 120 s: {log.read_text()}")
        proc.send_signal(getattr(signal, sig))
        code = proc.wait(timeout=60)
        assert code == (130 if sig == "SIGTERM" else -signal.SIGKILL), log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    deadline = time.monotonic() + 30
    while (alive := below & {int(p) for p in _live()}) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive, f"processes outlived the command: {alive}"
    text = log.read_text()
    assert "interrupted" in text and "Traceback" not in text
    assert not list((tmp_path / "out").rglob("*.tmp"))


def _live() -> list[str]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if stat.read_text().rsplit(")", 1)[1].split()[0] != "Z":
                out.append(stat.parent.name)
        except OSError:
            continue
    return out
