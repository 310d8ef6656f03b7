"""Tests of the experiments runner: the report writer, the exit status, and one quick run."""

from __future__ import annotations

import math
import pathlib
import re
import subprocess
import sys
import types

import numpy as np
import pytest

import experiments as experiments
from experiments import _report
from experiments.__main__ import main

ROOT = pathlib.Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------------------
# The report writer
# --------------------------------------------------------------------------------------


def _result(name: str, passed: bool, out: pathlib.Path, *, figure: bool = True) -> _report.Result:
    figures = []
    if figure:
        path = out / f"{name}.png"
        path.write_bytes(b"\x89PNG\r\n\x1a\n")  # a stand-in: only the link is tested here
        figures.append(path)
    return _report.Result(
        name=name,
        title=f"Title of {name}",
        claim="A claim.",
        source=_report.sources("000"),
        method="A method.",
        criterion="value ≤ 1",
        checks=[_report.check("value", 0.5 if passed else 2.0, "<=", 1.0)],
        metrics={"value": 0.5 if passed else 2.0},
        tables=[
            _report.Table("a table", ["a", "b|c"], [[1, 0.25], ["x", math.nan]], csv=f"{name}.csv")
        ],
        figures=figures,
        finding=f"finding of {name}",
        notes=["a note"],
    )


def test_check_compares_and_rejects_nan():
    assert _report.check("x", 1.0, "<", 2.0).passed
    assert not _report.check("x", 2.0, "<", 2.0).passed
    assert _report.check("x", 2.0, "<=", 2.0).passed
    assert _report.check("x", 0, "==", 0).passed
    assert not _report.check("x", math.nan, "<=", 1.0).passed
    assert not _report.check("x", math.inf, ">=", 1.0).passed
    assert _report.check("x", 3.0, ">", 2.0).required == "> 2"


def test_verdict_is_the_conjunction_of_checks(tmp_path):
    r = _result("a", True, tmp_path)
    assert r.verdict
    r.checks.append(_report.Check("other", "1", "= 0", False))
    assert not r.verdict
    r.checks = []
    assert not r.verdict  # no evidence, no pass


def test_ci95_matches_student_t():
    v = [1.0, 2.0, 3.0, 4.0]
    m, h = _report.ci95(v)
    assert m == 2.5
    # t_{0.975, 3} = 3.182446305284263; s = sqrt(5/3)
    assert h == pytest.approx(3.182446305284263 * math.sqrt(5 / 3) / 2, rel=1e-12)
    m, h = _report.ci95([2.0, math.nan])
    assert m == 2.0 and math.isnan(h)


def test_fmt():
    assert _report.fmt(0.000123456) == "1.23e-4"
    assert _report.fmt(12.3456) == "12.3"
    assert _report.fmt(3) == "3"
    assert _report.fmt(True) == "yes"
    assert _report.fmt(math.nan) == "nan"
    assert _report.fmt(-math.inf) == "−∞"


def test_render_has_answer_verdicts_sections_and_relative_figures(tmp_path):
    results = [_result("one", True, tmp_path), _result("two", False, tmp_path)]
    for i, r in enumerate(results):
        r.seconds = 1.5 + i
    text = _report.render(results, tmp_path, answer="THE ANSWER", header=["run info"])
    assert text.startswith("# What does a nonlinear activation actually do?")
    assert "THE ANSWER" in text
    assert "1 of 2 claims hold" in text
    assert "## 1. Title of one" in text and "## 2. Title of two" in text
    assert "**Verdict: PASS**" in text and "**Verdict: FAIL**" in text
    assert "(#1-title-of-one)" in text  # the verdict table links to the section
    assert "![Title of one](one.png)" in text  # relative to the output folder
    assert "b\\|c" in text  # pipes in cells are escaped
    assert "> a note" in text
    assert "2.5 s" in text


def test_write_tables_writes_csv_at_full_precision(tmp_path):
    r = _result("one", True, tmp_path)
    r.tables[0].rows.append(["pi", math.pi])
    (path,) = _report.write_tables(r, tmp_path)
    lines = path.read_text().splitlines()
    assert lines[0] == "a,b|c"
    assert lines[-1] == f"pi,{math.pi!r}"


def test_band_draws_mean_and_ci(tmp_path):
    plt = _report.pyplot()
    fig, ax = plt.subplots()
    v = np.array([[1.0, 2.0], [3.0, 4.0], [np.nan, 6.0]])
    line = _report.band(ax, [0, 1], v, label="x")
    np.testing.assert_allclose(line.get_ydata(), [2.0, 4.0])
    _report.save(fig, tmp_path, "band.png")
    assert (tmp_path / "band.png").stat().st_size > 0


# --------------------------------------------------------------------------------------
# The runner: registry, exit status
# --------------------------------------------------------------------------------------


def _fake_module(name: str, behaviour: str) -> types.ModuleType:
    mod = types.ModuleType(name)
    mod.TITLE = f"Fake {behaviour}"
    mod.CLAIM = "fake claim"
    mod.SOURCE = _report.sources("000")
    mod.CRITERION = "fake criterion"

    def run(quick: bool, out: pathlib.Path) -> _report.Result:
        if behaviour == "raise":
            raise RuntimeError("boom")
        return _result(name, behaviour == "pass", out, figure=False)

    mod.run = run
    return mod


@pytest.fixture
def fake_registry(monkeypatch):
    """Replace the registry by three fake experiments: one passes, one fails, one raises."""
    reg = {}
    for behaviour in ("pass", "fail", "raise"):
        name = f"fake_{behaviour}"
        monkeypatch.setitem(sys.modules, f"fakeexp.{name}", _fake_module(name, behaviour))
        reg[name] = f"fakeexp.{name}"
    monkeypatch.setattr(experiments, "REGISTRY", reg)
    return reg


def test_main_returns_zero_when_every_claim_holds(fake_registry, tmp_path):
    assert main(["fake_pass", "--jobs", "1", "--out", str(tmp_path)]) == 0
    text = (tmp_path / "REPORT.md").read_text()
    assert "**Verdict: PASS**" in text and "1 of 1 claims hold" in text
    assert (tmp_path / "fake_pass.csv").exists()
    assert (tmp_path / "verdicts.csv").read_text().splitlines()[1].startswith("fake_pass,PASS,")


def test_main_returns_nonzero_when_a_claim_fails(fake_registry, tmp_path):
    assert main(["fake_pass", "fake_fail", "--jobs", "1", "--out", str(tmp_path)]) == 1
    text = (tmp_path / "REPORT.md").read_text()
    assert "**Verdict: FAIL**" in text and "1 of 2 claims hold" in text
    assert "(claim not confirmed)" in text  # flagged in the opening answer too


def test_main_reports_an_experiment_that_raises_as_failed(fake_registry, tmp_path, capsys):
    assert main(["fake_raise", "--jobs", "1", "--out", str(tmp_path)]) == 1
    text = (tmp_path / "REPORT.md").read_text()
    assert "RuntimeError" in text and "boom" in text
    assert "fake_raise: FAIL" in capsys.readouterr().out


def test_main_rejects_an_unknown_name(fake_registry, tmp_path, capsys):
    assert main(["fake_pas", "--jobs", "1", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "unknown experiment 'fake_pas'" in err and "closest: fake_pass" in err
    assert not (tmp_path / "REPORT.md").exists()


def test_an_interrupted_run_resumes_with_what_it_had_not_finished(
    fake_registry, tmp_path, monkeypatch, capsys
):
    args = ["fake_pass", "fake_fail", "--jobs", "1", "--out", str(tmp_path)]
    calls = []
    fail_mod, pass_mod = sys.modules["fakeexp.fake_fail"], sys.modules["fakeexp.fake_pass"]
    run_fail, run_pass = fail_mod.run, pass_mod.run

    def interrupted(quick, out):
        calls.append("fail")
        raise KeyboardInterrupt

    monkeypatch.setattr(fail_mod, "run", interrupted)
    assert main(args) == 130
    assert calls == ["fail"] and not (tmp_path / "REPORT.md").exists()
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "interrupted; 1 finished experiment kept" in err
    assert "Traceback" not in err and not list(tmp_path.rglob("*.tmp"))
    # Started again: fake_pass had finished before the interruption and is not run again.
    monkeypatch.setattr(
        fail_mod, "run", lambda quick, out: (calls.append("fail"), run_fail(quick, out))[1]
    )
    monkeypatch.setattr(pass_mod, "run", lambda quick, out: pytest.fail("fake_pass ran twice"))
    assert main(args) == 1
    assert "fake_pass: PASS (reused" in capsys.readouterr().out and calls == ["fail", "fail"]
    assert "1 of 2 claims hold" in (tmp_path / "REPORT.md").read_text()
    # That run completed: the next one runs everything.
    assert not (tmp_path / ".done").exists()
    monkeypatch.setattr(pass_mod, "run", run_pass)
    assert main(args) == 1
    assert "(reused" not in capsys.readouterr().out and calls == ["fail"] * 3


_DRIVER = """
import pathlib, sys, time
sys.path[:0] = [{here!r}, {root!r}]
import experiments as experiments

# Module level, so that the spawned workers (which import this file) see it too.
experiments.REGISTRY = {{n: "fakeslow." + n for n in ("quick", "slow_a", "slow_b")}}
{setup}

if __name__ == "__main__":
    import signal
    from experiments.__main__ import _interrupt, main

    signal.signal(signal.SIGTERM, _interrupt)
    sys.exit(main(["quick", "slow_a", "slow_b", "--jobs", "2", "--out", {out!r}]))
"""

_SLOW = """
import os, pathlib, time
from experiments import _report
TITLE = CLAIM = CRITERION = "fake"
SOURCE = _report.sources("000")

def run(quick, out):
    pids = pathlib.Path(out) / "pids"
    pids.mkdir(exist_ok=True)
    (pids / str(os.getpid())).write_text("")
    if __name__.endswith("quick"):
        return _report.Result(name="quick", title="quick", claim="", source="", method="",
                              criterion="", checks=[_report.check("v", 0.0, "<=", 1.0)])
    time.sleep(300)
"""


def _alive(pid: int) -> bool:
    try:
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended


def _children(pid: int) -> set[int]:
    out = set()
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.add(int(stat.parent.name))
    return out


@pytest.mark.skipif(not pathlib.Path("/proc/self/stat").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_a_signalled_run_ends_its_workers_and_keeps_what_finished(tmp_path, sig):
    import os
    import signal
    import time

    pkg = tmp_path / "fakeslow"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    for name in ("quick", "slow_a", "slow_b"):
        (pkg / f"{name}.py").write_text(_SLOW)
    out = tmp_path / "out"
    driver = tmp_path / "driver.py"
    driver.write_text(_DRIVER.format(here=str(tmp_path), root=str(ROOT), out=str(out), setup=""))
    errfile = tmp_path / "stderr.txt"
    with errfile.open("w") as err_out:
        proc = subprocess.Popen(
            [sys.executable, str(driver)], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=err_out
        )
    pids: list[int] = []
    workers: set[int] = set()
    try:
        # The quick experiment finished and saved, both workers busy with a slow one.
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            pids = [int(p.name) for p in out.glob("pids/*")]
            if len(pids) >= 2 and (out / ".done" / "quick.full.pkl").exists():
                break
            assert proc.poll() is None, errfile.read_text()
            time.sleep(0.2)
        else:
            pytest.fail("the workers did not start within 180 s")
        workers = _children(proc.pid)
        assert set(pids) <= workers, (pids, workers)
        proc.send_signal(getattr(signal, sig))
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for p in workers | set(pids):  # never leave a stray process behind, even on failure
            if _alive(p):
                os.kill(p, signal.SIGKILL)
    err = errfile.read_text()
    assert proc.returncode == 130, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "interrupted; 1 finished experiment kept" in lines[0], err
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in workers | set(pids)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [p for p in workers | set(pids) if _alive(p)], "worker processes outlived the run"
    assert not list(out.rglob("*.tmp")) and not (out / "REPORT.md").exists()
    digest = experiments.fingerprint(quick=False)
    assert experiments.load_done(out, "quick", False, digest) is not None


_WATCH = {
    "pdeathsig": "",  # the default on Linux: the kernel signals the orphaned worker
    "thread": "experiments._USE_PDEATHSIG = False",  # the portable fallback
    "none": "experiments.end_with_parent = lambda parent, sig=None: None",  # negative control
}


@pytest.mark.skipif(not pathlib.Path("/proc/self/stat").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("watch", list(_WATCH))
def test_a_killed_run_leaves_no_worker_behind(tmp_path, watch):
    """SIGKILL gives the runner no chance to end its workers: they end themselves."""
    import os
    import signal
    import time

    pkg = tmp_path / "fakeslow"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    for name in ("quick", "slow_a", "slow_b"):
        (pkg / f"{name}.py").write_text(_SLOW)
    out = tmp_path / "out"
    driver = tmp_path / "driver.py"
    driver.write_text(
        _DRIVER.format(here=str(tmp_path), root=str(ROOT), out=str(out), setup=_WATCH[watch])
    )
    errfile = tmp_path / "stderr.txt"
    with errfile.open("w") as err_out:
        proc = subprocess.Popen(
            [sys.executable, str(driver)], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=err_out
        )
    pids: set[int] = set()
    try:
        # Both workers have started an experiment (the quick one has finished).
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            pids = {int(p.name) for p in out.glob("pids/*")}
            if len(pids) >= 2 and (out / ".done" / "quick.full.pkl").exists():
                break
            assert proc.poll() is None, errfile.read_text()
            time.sleep(0.2)
        else:
            pytest.fail("the workers did not start within 180 s")
        assert pids <= _children(proc.pid)
        proc.kill()
        proc.wait(timeout=60)
        deadline = time.monotonic() + (3 if watch == "none" else 10)
        while any(_alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        alive = [p for p in pids if _alive(p)]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for p in pids:  # never leave a stray process behind, even on failure
            if _alive(p):
                os.kill(p, signal.SIGKILL)
    if watch == "none":
        assert alive, "without the watch the workers should outlive the killed run"
    else:
        assert not alive, f"worker processes outlived the killed run: {alive}"


def test_saved_results_are_reused_only_for_the_same_code_and_mode(tmp_path):
    digest = experiments.fingerprint(quick=False)
    assert digest != experiments.fingerprint(quick=True)
    good = _result("fake_pass", True, tmp_path)
    experiments.save_done(tmp_path, good, False, digest)
    back = experiments.load_done(tmp_path, "fake_pass", False, digest)
    assert back is not None and back.verdict and back.figures == good.figures
    assert experiments.load_done(tmp_path, "fake_pass", True, digest) is None  # other mode
    assert experiments.load_done(tmp_path, "fake_pass", False, "other code") is None
    assert experiments.load_done(tmp_path, "fake_fail", False, digest) is None  # not saved
    # a result whose figure is gone, or a torn file, is not reused (and is no error)
    good.figures[0].unlink()
    assert experiments.load_done(tmp_path, "fake_pass", False, digest) is None
    (tmp_path / ".done" / "fake_pass.full.pkl").write_bytes(b"\x80\x04 torn")
    assert experiments.load_done(tmp_path, "fake_pass", False, digest) is None
    # an experiment that raised is not saved: it runs again
    crashed = experiments.crashed("fake_raise", None, RuntimeError("boom"))
    experiments.save_done(tmp_path, crashed, False, digest)
    assert experiments.load_done(tmp_path, "fake_raise", False, digest) is None


def test_registry_modules_state_claim_source_and_criterion():
    names = experiments.names()
    assert len(names) >= 11 and len(set(names)) == len(names)
    for name in names:
        mod = experiments.load(name)
        for attr in ("CLAIM", "SOURCE", "CRITERION", "TITLE"):
            assert isinstance(getattr(mod, attr), str) and getattr(mod, attr), (name, attr)
        assert "seeds/" in mod.SOURCE, name
        assert mod.__doc__ and "Pass criterion" in mod.__doc__, name
        assert callable(mod.run)


# --------------------------------------------------------------------------------------
# One quick run of everything
# --------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.exclusive  # compute_cost times activations: nothing else may run meanwhile
def test_quick_run_passes_and_writes_the_report(tmp_path):
    out = tmp_path / "results"
    proc = subprocess.run(
        [sys.executable, "-m", "experiments", "--quick", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    text = (out / "REPORT.md").read_text(encoding="utf-8")
    for i, name in enumerate(experiments.names(), 1):
        title = experiments.load(name).TITLE
        section = re.search(rf"^## {i}\. {re.escape(title)}\n\n\*\*Verdict: (\w+)\*\*", text, re.M)
        assert section, f"no section with a verdict for {name}"
        assert section.group(1) == "PASS", name
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(links) >= len(experiments.names())
    for link in links:
        assert (out / link).stat().st_size > 10_000, link  # a real PNG, not an empty file
    csvs = re.findall(r"\]\(([\w.-]+\.csv)\)", text)
    assert len(csvs) >= len(experiments.names())
    for c in csvs:
        assert len((out / c).read_text().splitlines()) >= 2, c
    assert (out / "verdicts.csv").exists() and (out / "metrics.json").exists()
