"""Run the experiments and write the report.

Usage::

    python -m experiments [NAMES ...] [--quick] [--out DIR] [--jobs N] [--fresh]

Writes ``DIR/REPORT.md`` (default ``results/``) with the claims, verdicts, tables and
figures, plus the CSV and PNG files it links, ``verdicts.csv`` and ``metrics.json``. The
experiments run in N worker processes at once (default: one per CPU core; each experiment
is single-threaded, mostly XLA compilation), except the timing experiment, which runs
alone at the end. Exits with status 1 if any claim fails (or an experiment raises), 2 on
bad arguments.

A long run loses nothing when interrupted: each experiment's result is saved in
``DIR/.done/`` as soon as it finishes, with a digest of the sources of ``jaxact`` and
``experiments``, the mode and the JAX version. Started again, the run reuses what it had
finished and runs the rest; a change to the code, or ``--fresh``, runs everything again.
A run that completes removes ``DIR/.done/``, so the next one measures afresh.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import difflib
import json
import math
import multiprocessing
import os
import pathlib
import platform
import shutil
import signal
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import experiments as experiments
from experiments import _report
from experiments._report import Result


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, ``NAME: error: ...``, exit status 2
    (``NAME`` is ``jaxact`` when run as ``jaxact experiments``)."""

    def __init__(self, name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.name = name

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.name}: error: {message} (see: {self.prog} --help)\n")


def _jobs(text: str) -> int:
    """``--jobs``'s value: an int >= 1."""
    try:
        v = int(text)
    except ValueError:
        v = 0
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected N >= 1, got {text!r}")
    return v


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the runner's flags to ``parser``: their one definition, which ``python -m
    experiments`` and ``jaxact experiments`` (a child process running this module) share."""
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"experiments to run (default: all): {', '.join(experiments.names())}",
    )
    parser.add_argument("--quick", action="store_true", help="8 seeds, fewer steps and repeats")
    parser.add_argument(
        "--out",
        default="results",
        metavar="DIR",
        help="output folder for REPORT.md, CSV and PNG files (default: results)",
    )
    parser.add_argument(
        "--jobs",
        type=_jobs,
        metavar="N",
        help="experiments run in N processes at once (default: one per CPU core); "
        "timing experiments always run alone at the end",
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="run every experiment, even one that an interrupted earlier run of the same code "
        "finished (by default such results are reused)",
    )
    parser.add_argument("--list", action="store_true", help="list the experiments and exit")


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _out_problem(out: pathlib.Path) -> str | None:
    """Create the output folder; what stands in the way, in words, or ``None``."""
    for parent in (out, *out.parents):
        if parent.exists():
            if not parent.is_dir():
                return f"{str(parent)!r} is a file, not a folder; choose another --out"
            break
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        return f"cannot create folder {str(out)!r} ({e.strerror or e})"
    if not os.access(out, os.W_OK | os.X_OK):
        return f"cannot write in folder {str(out)!r} (permission denied)"
    return None


def _end_workers(pool: concurrent.futures.ProcessPoolExecutor) -> None:
    """Cancel what has not started and end the worker processes now."""
    pool.shutdown(wait=False, cancel_futures=True)
    workers = multiprocessing.active_children()
    for w in workers:
        w.terminate()
    for w in workers:
        w.join(timeout=5)
        if w.is_alive():
            w.kill()
            w.join(timeout=5)


def _run_parallel(
    names: Sequence[str],
    quick: bool,
    out: pathlib.Path,
    jobs: int,
    record: Callable[[str, Result, float], None],
) -> None:
    """Run ``names`` in ``jobs`` worker processes, recording each result as it comes.

    Interrupted (Ctrl-C, or SIGTERM turned into ``KeyboardInterrupt``), the queued
    experiments are cancelled and the workers ended before the interruption goes on.
    Killed (SIGKILL), the runner can do nothing: each worker ends itself when its parent
    is gone (:func:`experiments.worker_init`).
    """
    ctx = multiprocessing.get_context("spawn")  # never fork a process that may hold JAX
    pool = concurrent.futures.ProcessPoolExecutor(
        jobs, mp_context=ctx, initializer=experiments.worker_init, initargs=(os.getpid(),)
    )
    try:
        futures = {pool.submit(experiments.run_one, n, quick, str(out)): n for n in names}
        for fut in concurrent.futures.as_completed(futures):
            name = futures[fut]
            try:
                r, cpu = fut.result()
            except Exception as err:  # the worker process itself died
                r, cpu = experiments.crashed(name, None, err), 0.0
            record(name, r, cpu)
    except BaseException:
        _end_workers(pool)
        raise
    pool.shutdown()


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM ends the run as Ctrl-C does: finished results kept, workers ended."""
    raise KeyboardInterrupt


def _summary(results: Sequence[Result]) -> list[str]:
    """The short answer: one sentence per group of experiments that ran, from their metrics."""
    # Only claims that hold speak in the summary; the others are flagged in the list below.
    m = {r.name: r.metrics for r in results if r.metrics and r.verdict}
    fmt = _report.fmt
    out = []
    if "linear_collapse" in m:
        lc = m["linear_collapse"]
        out.append(
            "**Without one, depth buys nothing.** A stack of linear layers is a single affine "
            "map: jaxact's networks of up to 17 linear layers equal their multiplied-out "
            f"`x W + b` to {fmt(lc['max_rel_diff_float64'], 2)} (float64 rounding), and trained "
            f"they stop exactly at the least-squares line's loss ({fmt(lc['least_squares_loss'])})."
            + (
                " With a sigmoid on top they are logistic regression: they never get more than "
                f"{100 * m['xor_logistic']['identity_max_accuracy']:.0f}% of XOR right."
                if "xor_logistic" in m
                else ""
            )
        )
    if "piecewise" in m:
        pw = m["piecewise"]
        out.append(
            "**What it does is bend.** Each hidden unit adds one bent piece to the output, and a "
            "sum of bent pieces can follow any curve: seed 003's two hand-set sigmoids fit its "
            f"piecewise function with MSE {fmt(pw['hand_set_mse'])} where the best line gets "
            f"{fmt(pw['least_squares_mse'])}, and more units fit wigglier curves."
            + (
                " On XOR, tanh hidden units reach 100% in every seed."
                if "xor_logistic" in m and m["xor_logistic"]["tanh_min_accuracy"] >= 1
                else ""
            )
        )
    trouble = []
    if "vanishing_gradients" in m:
        trouble.append(
            "sigmoid's slope (at most ¼) shrinks the gradient about "
            f"×{m['vanishing_gradients']['factor_sigmoid']:.2f} per layer, so deep sigmoid "
            "networks stall"
        )
    if "dying_relu" in m:
        trouble.append(
            "ReLU keeps gradients whole where it is active but its units can die "
            f"({100 * m['dying_relu']['relu_dead_lr_0.1']:.0f}% after Adam at lr 0.1; none for "
            "Leaky ReLU, PReLU, ELU)"
        )
    if "exploding_gradients" in m:
        trouble.append(
            "ReLU is unbounded, so weights twice too large multiply the gradient by "
            f"{fmt(m['exploding_gradients']['grad_ratio_large_over_he'], 2)} over 10 layers"
        )
    if "zero_centred" in m:
        zc = m["zero_centred"]
        trouble.append(
            f"tanh trains faster than sigmoid ({fmt(zc['steps_tanh'])} against "
            f"{fmt(zc['steps_sigmoid'])} steps), mostly thanks to its 4× steeper slope rather "
            "than its zero centre"
        )
    if "signal_propagation" in m:
        trouble.append(
            "the initializer has to match the activation (He keeps ReLU's signal, LeCun keeps "
            "SELU's)"
        )
    if trouble:
        out.append(
            "**Which bend you choose decides whether the network trains:** "
            + "; ".join(trouble)
            + "."
        )
    if "compute_cost" in m:
        cc = m["compute_cost"]
        out.append(
            f"**Exponentials cost more:** {cc['exp_ratio_min']:.1f}–{cc['exp_ratio_max']:.1f}× "
            "ReLU's time per element — little next to the dense layer feeding them "
            f"({cc['dense_layer_ratio']:.0f}× ReLU)."
        )
    return out


def answer(results: Sequence[Result]) -> str:
    """The report's opening: a plain-language answer built from the measured results."""
    lines = [
        "A neural-network layer computes an affine map, `x W + b`; the activation function is "
        "the only thing between two such maps. Measured on this machine, each claim taken "
        "from the source texts (`shared/seeds/`):",
        "",
    ]
    for paragraph in _summary(results):
        lines += [paragraph, ""]
    lines += ["What each experiment found:", ""]
    for r in results:
        if r.finding:
            mark = "" if r.verdict else " **(claim not confirmed)**"
            lines.append(f"- **{r.title}.** {r.finding.strip()}{mark}")
    return "\n".join(lines)


def _environment(quick: bool, total: float, jobs: int) -> list[str]:
    import jax

    devs = jax.devices()
    return [
        f"Mode: {'quick' if quick else 'full'}; {jobs} worker process"
        f"{'es' if jobs > 1 else ''} ({_cores()} CPU cores available). Wall time of the whole "
        f"run: {total:.1f} s. JAX {jax.__version__} on {len(devs)} "
        f"{devs[0].platform.upper()} device(s); Python {platform.python_version()}, "
        f"{platform.machine()}.",
    ]


def _jsonable(v):
    """Metrics as plain JSON: NumPy scalars as numbers, NaN and infinities as null."""
    if isinstance(v, dict):
        return {str(k): _jsonable(u) for k, u in v.items()}
    if isinstance(v, list | tuple):
        return [_jsonable(u) for u in v]
    if hasattr(v, "item") and not isinstance(v, str):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _wanted(args: argparse.Namespace, parser: _Parser) -> list[str]:
    """The experiments to run, in the order asked; an unknown name is a one-line error."""
    known = experiments.names()
    wanted = list(dict.fromkeys(args.names)) or known
    for n in wanted:
        if n not in known:
            near = difflib.get_close_matches(n, known, n=3, cutoff=0.6)
            hint = f"; closest: {', '.join(near)}" if near else ""
            parser.exit(
                2,
                f"{parser.name}: error: `NAME`: unknown experiment {n!r}{hint}. "
                f"Valid: {', '.join(known)}\n",
            )
    return wanted


def _reuse(wanted: Sequence[str], out: pathlib.Path, quick: bool, digest: str) -> dict[str, Result]:
    """The results an interrupted earlier run of the same code and mode had finished."""
    done: dict[str, Result] = {}
    for name in wanted:
        r = experiments.load_done(out, name, quick, digest)
        if r is not None:
            done[name] = r
            verdict = "PASS" if r.verdict else "FAIL"
            print(
                f"[{len(done)}/{len(wanted)}] {name}: {verdict} (reused: finished by an earlier "
                f"run of the same code; --fresh runs it again)",
                flush=True,
            )
    return done


def _measure(
    wanted: Sequence[str],
    done: dict[str, Result],
    args: argparse.Namespace,
    out: pathlib.Path,
    digest: str,
) -> int:
    """Run the experiments not in ``done`` (workers first, then the timing ones alone),
    adding each result to ``done`` and saving it as it finishes; return the job count."""
    todo = [n for n in wanted if n not in done]
    rank = {n: i for i, n in enumerate(experiments.LONGEST_FIRST)}
    parallel = sorted(
        (n for n in todo if n not in experiments.EXCLUSIVE),
        key=lambda n: rank.get(n, len(rank)),
    )
    alone = [n for n in todo if n in experiments.EXCLUSIVE]
    jobs = min(args.jobs or _cores(), max(len(parallel), 1))

    def record(name: str, r: Result, cpu: float) -> None:
        done[name] = r
        _report.write_tables(r, out)
        experiments.save_done(out, r, args.quick, digest)
        verdict = "PASS" if r.verdict else "FAIL"
        print(
            f"[{len(done)}/{len(wanted)}] {name}: {verdict} ({r.seconds:.1f} s, CPU {cpu:.1f} s)",
            flush=True,
        )
        for c in r.checks:
            if not c.passed:
                print(f"    failed: {c.name}: {c.measured} (required {c.required})", flush=True)

    if jobs > 1:
        print(f"running {len(parallel)} experiments on {jobs} processes", flush=True)
        _run_parallel(parallel, args.quick, out, jobs, record)
    else:
        alone = todo
    for name in alone:
        print(f"{name} ...", flush=True)
        record(name, *experiments.run_one(name, args.quick, out))
    return jobs


def _write_report(
    results: Sequence[Result], out: pathlib.Path, quick: bool, total: float, jobs: int
) -> None:
    """Write ``REPORT.md``, ``verdicts.csv`` and ``metrics.json`` into ``out``."""
    text = _report.render(
        results,
        out,
        answer=answer(results),
        header=_environment(quick, total, jobs),
        quick=quick,
    )
    (out / "REPORT.md").write_text(text, encoding="utf-8")
    _report.write_csv(
        out / "verdicts.csv",
        ["experiment", "verdict", "seconds"],
        [[r.name, "PASS" if r.verdict else "FAIL", r.seconds] for r in results],
    )
    metrics = {r.name: {"verdict": r.verdict, "seconds": r.seconds, **r.metrics} for r in results}
    (out / "metrics.json").write_text(json.dumps(_jsonable(metrics), indent=1) + "\n")


def run(args: argparse.Namespace, parser: _Parser) -> int:
    """Act on the flags of :func:`add_arguments`; return the exit status (mistakes in the
    arguments end through ``parser``, in one line with status 2)."""
    if args.list:
        for n in experiments.names():
            print(n)
        return 0
    wanted = _wanted(args, parser)
    out = pathlib.Path(args.out)
    problem = _out_problem(out)
    if problem:
        parser.exit(2, f"{parser.name}: error: `--out`: {problem}\n")

    start = time.perf_counter()
    digest = experiments.fingerprint(args.quick)
    # Each finished experiment is saved as it finishes: a run that was interrupted (or
    # crashed) resumes with the experiments it had not finished.
    done = {} if args.fresh else _reuse(wanted, out, args.quick, digest)
    try:
        jobs = _measure(wanted, done, args, out, digest)
    except KeyboardInterrupt:
        kept = len(done)
        print(
            f"\n{parser.name}: interrupted; {kept} finished experiment{'s' * (kept != 1)} kept "
            f"in {out / '.done'}; run the same command again to carry on with the rest",
            file=sys.stderr,
            flush=True,
        )
        return 130
    results = [done[n] for n in wanted]
    total = time.perf_counter() - start
    _write_report(results, out, args.quick, total, jobs)
    # The run is complete: the next one measures afresh.
    shutil.rmtree(out / ".done", ignore_errors=True)
    n_fail = sum(not r.verdict for r in results)
    print(
        f"{len(results) - n_fail}/{len(results)} claims hold; report: {out / 'REPORT.md'} "
        f"({total:.1f} s)",
        flush=True,
    )
    return 1 if n_fail else 0


def main(argv: Sequence[str] | None = None, prog: str = "python -m experiments") -> int:
    """Run the experiments named in ``argv`` (all by default); return the exit status.

    ``prog`` names the command in messages (``jaxact`` when run as ``jaxact experiments``).
    """
    parser = _Parser(
        prog,
        prog=f"{prog} experiments" if prog == "jaxact" else prog,
        description="Run jaxact's experiments: every claim of the source texts, measured.",
    )
    add_arguments(parser)
    try:
        return run(parser.parse_args(argv), parser)
    except SystemExit as e:  # argparse's --help, --list and one-line errors
        return e.code if isinstance(e.code, int) else 0 if e.code is None else 2


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _interrupt)
    # `jaxact experiments` runs this module as `python -m experiments --prog jaxact ...`.
    if sys.argv[1:2] == ["--prog"]:
        experiments.end_with_parent(os.getppid(), signal.SIGTERM)  # a killed command ends it
        sys.exit(main(sys.argv[3:], prog=sys.argv[2]))
    sys.exit(main())
