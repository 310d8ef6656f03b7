"""The experiments: each claim of the source texts (``shared/seeds/``) as an executable check.

Each module states one claim, its source, the method and the pass criterion in its
docstring and in the constants ``CLAIM``, ``SOURCE``, ``CRITERION``, and has
``run(quick, out) -> Result`` that measures, draws its figure and computes the verdict;
``run`` reads as design → measure → judge → draw, each step a short function of the module.
``python -m experiments`` runs them in the order of :data:`REGISTRY` and writes
``REPORT.md``, CSV and PNG files.
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib
import os
import pathlib
import pickle
import signal
import sys
import tempfile
import threading
import time
import traceback
from types import ModuleType

from experiments._report import Check, Result

HERE = pathlib.Path(__file__).resolve().parent
"""The folder of the experiments (top level of a jaxact checkout)."""

REGISTRY: dict[str, str] = {
    name: f"experiments.{name}"
    for name in (
        "linear_collapse",
        "xor_logistic",
        "piecewise",
        "vanishing_gradients",
        "zero_centred",
        "dying_relu",
        "exploding_gradients",
        "signal_propagation",
        "edge_of_chaos",
        "iris_network",
        "activation_advice",
        "rational_activations",
        "compute_cost",
        "gallery",
    )
}
"""Experiment name -> importable module, in report order."""

EXCLUSIVE: frozenset[str] = frozenset({"compute_cost"})
"""Experiments that time things: they run after the others, alone on the machine."""

LONGEST_FIRST: tuple[str, ...] = (
    "edge_of_chaos",
    "activation_advice",
    "piecewise",
    "vanishing_gradients",
    "dying_relu",
    "exploding_gradients",
    "linear_collapse",
    "iris_network",
    "zero_centred",
    "signal_propagation",
    "gallery",
    "xor_logistic",
)
"""The order in which parallel workers take experiments (longest first balances the load);
names not listed go last. It changes nothing but the wall time."""


CRASHED = "the experiment ran to the end"
"""The name of the failing check of an experiment that raised."""


def names() -> list[str]:
    """The experiment names, in report order."""
    return list(REGISTRY)


def load(name: str) -> ModuleType:
    """Import the module of experiment ``name``."""
    return importlib.import_module(REGISTRY[name])


def crashed(name: str, module: ModuleType | None, err: BaseException) -> Result:
    """A failing result for an experiment that raised ``err``, with the traceback."""
    tb = "".join(traceback.format_exception(err)).strip()
    return Result(
        name=name,
        title=getattr(module, "TITLE", name),
        claim=getattr(module, "CLAIM", ""),
        source=getattr(module, "SOURCE", ""),
        method=getattr(module, "METHOD", ""),
        criterion=getattr(module, "CRITERION", ""),
        checks=[Check(CRASHED, type(err).__name__, "no error", False)],
        notes=[f"The experiment raised:\n\n```\n{tb}\n```".replace("\n", "\n> ")],
    )


def fingerprint(quick: bool) -> str:
    """A digest of everything a result depends on: the sources, the mode, the JAX version.

    A result saved under another fingerprint is never reused.
    """
    import jax

    h = hashlib.sha256(f"{'quick' if quick else 'full'} jax {jax.__version__}\n".encode())
    for root in (pathlib.Path(importlib.import_module("jaxact").__file__).parent, HERE):
        for f in sorted(root.rglob("*")):
            if f.suffix in (".py", ".csv", ".gz", ".npz") and "__pycache__" not in f.parts:
                h.update(f"{f.relative_to(root.parent).as_posix()}\n".encode())
                h.update(f.read_bytes())
    return h.hexdigest()


def _saved_path(out: pathlib.Path, name: str, quick: bool) -> pathlib.Path:
    return out / ".done" / f"{name}.{'quick' if quick else 'full'}.pkl"


def save_done(out: pathlib.Path, result: Result, quick: bool, digest: str) -> None:
    """Keep a finished experiment's result, so that a rerun after an interruption skips it.

    Written to a temporary file renamed over the old one: never half a file. Results of
    experiments that raised are not kept.
    """
    if result.checks and result.checks[0].name == CRASHED:
        return
    path = _saved_path(out, result.name, quick)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(pickle.dumps((digest, result)))
        os.replace(tmp, path)
    except BaseException:
        pathlib.Path(tmp).unlink(missing_ok=True)
        raise


def load_done(out: pathlib.Path, name: str, quick: bool, digest: str) -> Result | None:
    """The result that an earlier run of the same code and mode saved, if its figures are
    still there; else ``None``."""
    path = _saved_path(out, name, quick)
    try:
        saved, result = pickle.loads(path.read_bytes())
    except (
        OSError,
        EOFError,
        ImportError,
        pickle.UnpicklingError,
        AttributeError,
        ValueError,
        TypeError,
    ):
        return None
    if saved != digest or not isinstance(result, Result) or result.name != name:
        return None
    if not all(pathlib.Path(f).exists() for f in result.figures):
        return None
    return result


def worker_init(parent: int | None = None) -> None:
    """Set up a worker process: Ctrl-C is the parent's to handle (it ends the workers),
    and the worker ends when its parent ``parent`` (a process id) does, however it ends.

    A runner that is interrupted or sent SIGTERM ends its workers itself; one that is
    killed (SIGKILL) cannot, so each worker watches its parent: on Linux the kernel sends
    it SIGKILL when the parent dies (``PR_SET_PDEATHSIG``), elsewhere a thread polls
    ``os.getppid()`` once a second. Defined here, not in ``__main__``, so that spawned
    workers can import it.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent is not None:
        end_with_parent(parent)


_PR_SET_PDEATHSIG = 1
"""``prctl`` option (``<linux/prctl.h>``): the signal this process gets when its parent dies."""

_USE_PDEATHSIG = sys.platform.startswith("linux")
"""Whether a worker asks the kernel for a signal on its parent's death (else: a thread)."""


def end_with_parent(parent: int, sig: int = signal.SIGKILL) -> None:
    """Send this process ``sig`` when its parent ``parent`` dies: by the kernel where it
    can (``PR_SET_PDEATHSIG`` on Linux), else from a thread that polls ``os.getppid()``.

    Workers take SIGKILL; the runner started by ``jaxact experiments`` takes SIGTERM, so a
    killed command ends it as Ctrl-C would (finished results kept, workers ended).
    """
    if _USE_PDEATHSIG:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
        except (OSError, AttributeError):  # no libc with prctl: use the thread
            armed = False
        if armed:
            # The parent may have died before prctl armed the signal: then it never comes.
            if os.getppid() != parent:
                os.kill(os.getpid(), sig)
            return
    threading.Thread(target=_watch_parent, args=(parent, sig), daemon=True).start()


def _watch_parent(parent: int, sig: int) -> None:
    """Poll the parent's id; once this process is orphaned, send it ``sig``."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os.kill(os.getpid(), sig)


def run_one(name: str, quick: bool, out: str | pathlib.Path) -> tuple[Result, float]:
    """Run experiment ``name``; an exception becomes a failing result.

    Returns:
      The result (with its wall time in ``seconds``) and the CPU seconds it used.
    """
    t0, c0 = time.perf_counter(), time.process_time()
    module = None
    try:
        module = load(name)
        r = module.run(quick=quick, out=pathlib.Path(out))
    except Exception as err:  # reported as a failed claim, with its traceback
        r = crashed(name, module, err)
        traceback.print_exc()
    r.seconds = time.perf_counter() - t0
    return r, time.process_time() - c0
