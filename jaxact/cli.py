"""The ``jaxact`` command: the catalog, activation cards, the derivative checker, training
sweeps and the experiments.

Usage::

    jaxact list
    jaxact show gelu --plot gelu.png
    jaxact check relu gelu
    jaxact sweep --task iris --activations relu,tanh,gelu --seeds 16 --steps 500 --out runs/iris
    jaxact sweep --data flowers.csv --label species --activations relu,tanh --out runs/mine
    jaxact experiments --quick piecewise

``python -m jaxact ...`` is the same command. A mistake in the arguments or in the data
(unknown name, bad number, missing file, non-numeric column ...) prints one line
``jaxact: error: ...`` and exits with status 2; ``check`` exits with 1 when a derivative
check fails, ``experiments`` when a claim fails.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

__all__: list[str] = []

PROG = "jaxact"
DEFAULT_ACTIVATIONS = "identity,sigmoid,tanh,relu,leaky_relu,elu,gelu"


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line: ``jaxact: error: ...``."""

    def error(self, message: str) -> NoReturn:
        sub = self.prog.removeprefix(PROG).strip()
        hint = f" (see: {PROG} {sub + ' ' if sub else ''}--help)"
        self.exit(2, f"{PROG}: error: {message}{hint}\n")


class UserError(ValueError):
    """A mistake in the command line, reported in one line with exit status 2."""


# --------------------------------------------------------------------------------------
# Argument types
# --------------------------------------------------------------------------------------


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive int, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a positive int, got {v}")
    return v


def _positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not math.isfinite(v) or v <= 0:
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {text!r}")
    return v


def _int_list(text: str) -> tuple[int, ...]:
    if text.strip().lower() == "none":
        return ()
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated positive ints such as 6,6 (or 'none' for no hidden "
            f"layer), got {text!r}"
        )
    try:
        out = tuple(int(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated positive ints such as 6,6, got {text!r}"
        ) from None
    if any(v < 1 for v in out):
        raise argparse.ArgumentTypeError(f"expected positive ints, got {text!r}")
    return out


def _counts(text: str, lo: int, example: str) -> int | list[int]:
    """One int, or a comma-separated list of distinct ints, each ≥ ``lo``."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    try:
        out = [int(p) for p in parts]
    except ValueError:
        out = []
    if not out:
        raise argparse.ArgumentTypeError(
            f"expected an int or comma-separated ints such as {example}, got {text!r}"
        )
    if any(v < lo for v in out):
        raise argparse.ArgumentTypeError(f"expected ints >= {lo}, got {text!r}")
    if len(set(out)) != len(out):
        raise argparse.ArgumentTypeError(f"expected each value once, got {text!r}")
    return out[0] if len(out) == 1 and "," not in text else out


def _depths(text: str) -> int | list[int]:
    return _counts(text, 0, "1,4,8")


def _widths(text: str) -> int | list[int]:
    return _counts(text, 1, "32 or 16,64")


def _fraction(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1), got {text!r}") from None
    if not 0 < v < 1:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1), got {text!r}")
    return v


def _seed(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an int >= 0, got {text!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"expected an int >= 0, got {v}")
    return v


def _name_list(text: str) -> list[str]:
    out = [p.strip() for p in text.split(",") if p.strip()]
    if not out:
        raise argparse.ArgumentTypeError(f"expected comma-separated names, got {text!r}")
    return out


def _scalar(text: str) -> Any:
    low = text.strip().lower()
    if low in ("true", "yes"):
        return True
    if low in ("false", "no"):
        return False
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    return text


def _key_value(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return key.strip(), _scalar(value)


def _grid_entry(text: str) -> tuple[str, list[float]]:
    key, sep, values = text.partition("=")
    try:
        vals = [float(v) for v in values.split(",") if v.strip()]
    except ValueError:
        vals = []
    if not sep or not key.strip() or not vals:
        raise argparse.ArgumentTypeError(
            f"expected NAME=V1,V2,... such as learning_rate=1e-3,1e-2, got {text!r}"
        )
    return key.strip(), vals


def _devices(text: str) -> str | int:
    if text == "auto":
        return text
    try:
        v = int(text)
    except ValueError:
        v = 0
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected 'auto' or a positive int, got {text!r}")
    return v


# --------------------------------------------------------------------------------------
# Formatting helpers
# --------------------------------------------------------------------------------------


def _num(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if v is None:
        return "-"
    if isinstance(v, int):
        return str(v)
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if math.isnan(f):
        return "-"
    if math.isinf(f):
        return "inf" if f > 0 else "-inf"
    return f"{f:.4g}"


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[str(h) for h in header]] + [[_num(c) for c in r] for r in rows]
    widths = [max(len(r[j]) for r in cells) for j in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _range(rng: tuple[float, float]) -> str:
    return f"{_num(rng[0])} .. {_num(rng[1])}"


def _doc_parts(doc: str | None) -> tuple[str, str]:
    """The description (summary, math, conventions) and the references of a docstring,
    as terminal text (math rendered in Unicode, reST roles resolved)."""
    import inspect

    lines = inspect.cleandoc(doc or "").splitlines()
    sections: dict[str, list[str]] = {"": []}
    current = ""
    for line in lines:
        head = line.strip()
        if (
            line == head
            and head.endswith(":")
            and head[:-1]
            in (
                "Args",
                "Returns",
                "Raises",
                "Examples",
                "References",
                "Attributes",
            )
        ):
            current = head[:-1]
            sections[current] = []
            continue
        sections.setdefault(current, []).append(line)
    from jaxact import _texmath

    desc = _texmath.render_doc(textwrap.dedent("\n".join(sections[""]))).strip()
    refs = _texmath.render_doc(textwrap.dedent("\n".join(sections.get("References", []))))
    return desc, refs.strip()


# --------------------------------------------------------------------------------------
# Subcommands
# --------------------------------------------------------------------------------------


def _cmd_list(args: argparse.Namespace) -> int:
    import jaxact as ja

    rows = []
    for name in ja.names():
        rec = ja.get(name)
        c = rec.card
        kinks = "; ".join(_num(k.x) for k in c.kinks) or "-"
        rows.append(
            [
                name,
                ", ".join(rec.aliases) or "-",
                rec.kind,
                _range(c.range),
                c.monotonic,
                c.zero_centred,
                c.smoothness,
                kinks,
            ]
        )
    header = ["name", "aliases", "kind", "range", "monotonic", "zero-centred", "smooth", "kinks"]
    print(_table(header, rows))
    print(f"\n{len(rows)} activations. Details: {PROG} show NAME")
    return 0


def _activation(name: str) -> Any:
    """The catalog record of ``name``; an unknown name is an error naming ``NAME``."""
    import jaxact as ja

    try:
        return ja.get(name)
    except ValueError as e:
        msg = str(e).removeprefix("`activation`: ")
        raise UserError(f"`NAME`: {msg}") from None


def _cmd_show(args: argparse.Namespace) -> int:
    rec = _activation(args.name)
    plot = Path(args.plot) if args.plot else None
    if plot is not None:
        _check_png("--plot", plot)
    phase = Path(args.phase_plot) if args.phase_plot else None
    if phase is not None:
        _check_png("--phase-plot", phase)
        if rec.kind != "elementwise":
            raise UserError(f"`--phase-plot`: {rec.name} is a vector activation; no phase diagram")
    c = rec.card
    desc, refs = _doc_parts(rec.fn.__doc__)
    out: list[str] = []
    title = rec.name + (f"  (aliases: {', '.join(rec.aliases)})" if rec.aliases else "")
    out += [title, "=" * len(title), "", desc, ""]
    out += ["Properties"]
    props = [
        ("kind", rec.kind),
        ("range", _range(c.range)),
        ("bounded", _num(c.bounded)),
        ("monotonic", _num(c.monotonic)),
        ("zero-centred", "yes, f(0) = 0" if c.zero_centred else "no, f(0) != 0"),
        ("smoothness", c.smoothness),
        ("saturating", c.saturating),
        ("max |f'|", _num(c.max_slope)),
    ]
    out += [f"  {k:<14}{v}" for k, v in props]
    out += [""]
    if c.kinks:
        out += ["Kinks (the value chosen is the minimum-norm subgradient)"]
        rows = [[k.x, k.d1, k.left, k.right, k.d2] for k in c.kinks]
        out += [textwrap.indent(_table(["x", "f'(x)", "f'(x-)", "f'(x+)", "f''(x)"], rows), "  ")]
    else:
        out += ["Kinks: none"]
    out += [""]
    if rec.defaults:
        out += ["Parameters (keyword, default)"]
        for p, v in rec.defaults.items():
            learn = "  learned per unit in a model" if p in rec.learnable else ""
            out += [f"  {p} = {_num(v)}{learn}"]
    else:
        out += ["Parameters: none"]
    if rec.kind == "vector":
        out += ["  acts along `axis` (default -1)"]
    out += ["", "Counterparts"]
    out += [f"  {'jax.nn':<10}" + (f"jax.nn.{rec.jax_nn}" if rec.jax_nn else "-")]
    out += [f"  {'PyTorch':<10}" + (f"torch.nn.functional.{rec.torch}" if rec.torch else "-")]
    out += [f"  {'Keras':<10}" + (f"keras.activations.{rec.keras}" if rec.keras else "-")]
    if rec.notes:
        out += [textwrap.fill(rec.notes, 88, initial_indent="  ", subsequent_indent="  ")]
    out += ["", *_signal_lines(rec)]
    if refs:
        out += ["", "References", textwrap.indent(refs, "  ")]
    print("\n".join(out).rstrip())
    if plot is not None:
        _plot_activation(rec, plot)
        print(f"\nplot: {plot}")
    if phase is not None:
        _plot_phase(rec, phase)
        print(f"phase diagram: {phase}")
    return 0


def _signal_lines(rec: Any) -> list[str]:
    """The card's signal-propagation section, computed by :mod:`jaxact.theory`."""
    from jaxact.theory import meanfield

    head = "Signal propagation (mean field: the edge of chaos, chi1 = 1)"
    if rec.kind != "elementwise":
        return [head, "  not defined: a vector activation mixes units"]
    out = [head]
    # The catalog's entries at their defaults come from the shipped table (tested
    # against the computation); anything else is computed.
    card = meanfield.edge_of_chaos_table(rec.name) or meanfield.edge_of_chaos_card(rec)
    for e in card:
        if not math.isfinite(e.sigma_w2):
            out += [f"  sigma_b2 = {_num(e.sigma_b2)}: no edge of chaos for this sigma_b2"]
            continue
        below, above = (
            f"{v:.3g}" if math.isfinite(v) else "undefined (q* = inf)"
            for v in (e.xi_c_below, e.xi_c_above)
        )
        out += [
            f"  sigma_b2 = {_num(e.sigma_b2)}: sigma_w2 = {e.sigma_w2:.6g} (q* = {e.q_star:.4g}); "
            f"xi_c = inf there, {below} at 0.9x, {above} at 1.1x"
        ]
    return out


def _plot_phase(rec: Any, path: Path) -> None:
    """Draw chi1 over (sigma_w2, sigma_b2) with the edge of chaos."""
    import jax
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from jaxact.theory import meanfield

    sw, sb = np.linspace(0.1, 5.0, 50), np.linspace(0.0, 1.0, 21)
    with jax.enable_x64(True):
        pd = meanfield.phase_diagram(rec, sw, sb)
    chi = np.log(np.asarray(pd.field.chi1))
    lim = max(float(np.nanmax(np.abs(chi[np.isfinite(chi)]), initial=1.0)), 1e-3)
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=100)
    im = ax.pcolormesh(sw, sb, chi, cmap="RdBu_r", vmin=-lim, vmax=lim, shading="auto")
    fig.colorbar(im, ax=ax, label="ln chi1  (< 0 order, > 0 chaos)")
    crit = np.asarray(pd.critical)
    ok = np.isfinite(crit) & (crit <= sw[-1])
    ax.plot(crit[ok], sb[ok], "k-", lw=2, label="edge of chaos (chi1 = 1)")
    unb = ~np.asarray(pd.field.bounded)
    if unb.any():
        ax.contourf(sw, sb, unb.astype(float), levels=[0.5, 1.5], colors="none", hatches=["//"])
        ax.plot([], [], " ", label="hatched: q* = inf (unbounded)")
    ax.set_xlabel("sigma_w2")
    ax.set_ylabel("sigma_b2")
    ax.set_title(f"{rec.name}: mean-field phase diagram")
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _check_png(arg: str, path: Path) -> None:
    """Check, before any work, that a PNG can be drawn and written at ``path``."""
    if path.suffix.lower() != ".png":
        raise UserError(f"`{arg}`: expected a .png file name, got {str(path)!r}")
    if path.is_dir():
        raise UserError(f"`{arg}`: {str(path)!r} is a folder; expected a .png file name")
    _check_folder(arg, path.parent)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UserError(
            f"`{arg}`: drawing needs matplotlib, which is not installed; install it with "
            "pip install 'jaxact[plot]' (or pip install matplotlib)"
        ) from None


def _check_folder(arg: str, folder: Path) -> None:
    """Check that files can be written in ``folder`` (which must exist)."""
    for parent in (folder, *folder.parents):
        if parent.exists():
            if not parent.is_dir():
                raise UserError(
                    f"`{arg}`: {str(parent)!r} is a file, not a folder; choose another path"
                )
            break
    if not folder.is_dir():
        raise UserError(f"`{arg}`: no such folder {str(folder)!r}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UserError(f"`{arg}`: cannot write in folder {str(folder)!r} (permission denied)")


def _plot_activation(rec: Any, path: Path) -> None:
    """Draw f and f′ on [−6, 6], with the kinks' chosen values marked."""
    import matplotlib

    matplotlib.use("Agg")
    import jax.numpy as jnp
    import matplotlib.pyplot as plt
    import numpy as np

    x = np.linspace(-6.0, 6.0, 1201, dtype=np.float32)
    if rec.kind == "elementwise":
        f = np.asarray(rec.fn(jnp.asarray(x)))
        d = np.asarray(rec.derivative(jnp.asarray(x)))
        what = f"{rec.name}(x)"
    else:
        # Vector activations along one coordinate: the first output on [x, 0]
        # (glu on [x, x], its gate being the second half), direction e1 (glu: [1, 1]).
        if rec.name == "glu":
            pts, v = np.stack([x, x], 1), np.ones((x.size, 2), np.float32)
            what = "glu([x, x])"
        else:
            pts = np.stack([x, np.zeros_like(x)], 1)
            v = np.stack([np.ones_like(x), np.zeros_like(x)], 1)
            what = f"{rec.name}([x, 0])[0]"
        f = np.asarray(rec.fn(jnp.asarray(pts)))[:, 0]
        d = np.asarray(rec.derivative(jnp.asarray(pts), jnp.asarray(v)))[:, 0]
    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=100)
    ax.plot(x, f, label=f"f = {what}", lw=2)
    dlabel = "f′ (hand-written)" if rec.kind == "elementwise" else "f′ along x (hand-written JVP)"
    ax.plot(x, d, label=dlabel, lw=1.5, ls="--")
    for k in rec.card.kinks:
        if -6 <= k.x <= 6:
            ax.plot([k.x], [k.d1], "o", color="C1", ms=5)
    ax.axhline(0, color="0.6", lw=0.6)
    ax.axvline(0, color="0.6", lw=0.6)
    ax.set_xlabel("x")
    ax.set_title(rec.name)
    ax.legend(loc="best")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _load_data(args: argparse.Namespace) -> Any:
    import jaxact as ja

    options = dict(args.option or [])
    if args.data is not None:
        if args.label is None:
            raise UserError("`--label`: required with --data (the name of the label column)")
        if options:
            raise UserError("`--option`: task options apply to --task, not to --data")
        return ja.load_task_file(
            args.data,
            label=args.label,
            features=args.features,
            loss=args.kind,
            standardize=args.standardize,
        )
    for flag, val in (
        ("--label", args.label),
        ("--features", args.features),
        ("--kind", args.kind),
    ):
        if val is not None:
            raise UserError(f"`{flag}`: applies to --data FILE, not to --task")
    return ja.load_task(args.task, standardize=args.standardize, **options)


def _compile_cache(option: str | None) -> str | None:
    """Turn on JAX's persistent compilation cache; return its folder (``None``: off).

    ``--compile-cache`` wins, then ``JAXACT_COMPILE_CACHE``, then JAX's own
    ``JAX_COMPILATION_CACHE_DIR``; by default ``$XDG_CACHE_HOME/jaxact/xla`` (or
    ``~/.cache/jaxact/xla``). ``off`` turns it off. Every program is cached, however
    small or quick to compile.
    """
    import jax

    value = option if option is not None else os.environ.get("JAXACT_COMPILE_CACHE")
    if value is None:
        value = os.environ.get("JAX_COMPILATION_CACHE_DIR")
    if value is None:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        value = os.path.join(base, "jaxact", "xla")
    if value.strip().lower() == "off":
        return None
    folder = Path(value).expanduser()
    if folder.exists() and not folder.is_dir():
        raise UserError(f"`--compile-cache`: {str(folder)!r} is a file, expected a folder or off")
    jax.config.update("jax_compilation_cache_dir", str(folder))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)
    return str(folder)


def _check_out(out: Path) -> None:
    """The output folder: created if missing, and writable (errors name ``--out``)."""
    import tempfile

    if out.exists() and not out.is_dir():
        raise UserError(f"`--out`: {str(out)!r} exists and is not a folder")
    for parent in out.parents:
        if parent.exists() and not parent.is_dir():
            raise UserError(f"`--out`: {str(parent)!r} is a file, so {str(out)!r} cannot be made")
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".jaxact-probe.", dir=out)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise UserError(f"`--out`: cannot write in {str(out)!r} ({e.strerror or e})") from None


def _cmd_sweep(args: argparse.Namespace) -> int:
    _compile_cache(args.compile_cache)
    import jaxact as ja

    if args.cpu_devices is not None:
        try:
            ja.use_cpu_devices(args.cpu_devices)
        except RuntimeError as e:
            raise UserError(f"`--cpu-devices`: {e}") from None
    elif "JAX_NUM_CPU_DEVICES" not in os.environ:
        # Default: one virtual device per core, so that every core trains (the numbers
        # do not depend on it). Where JAX's backend already runs (the command called
        # from Python), its devices stay as they are; the header line says how many.
        with contextlib.suppress(RuntimeError):
            ja.use_cpu_devices()
    if isinstance(args.devices, int):
        import jax

        have = jax.devices()
        if args.devices > len(have):
            hint = (
                f"; on a CPU, add --cpu-devices {args.devices}" if have[0].platform == "cpu" else ""
            )
            raise UserError(
                f"`--devices`: asked for {args.devices}, JAX sees {len(have)} "
                f"{have[0].platform} device(s){hint}"
            )
    task = _load_data(args)
    test, name = None, task.name
    if args.test_fraction is not None:
        try:
            task, test = ja.split_task(
                task, test_fraction=args.test_fraction, seed=args.split_seed or 0
            )
        except ValueError as e:
            raise UserError(f"`--test-fraction`: {e}") from None
    elif args.split_seed is not None:
        raise UserError("`--split-seed`: applies with --test-fraction")
    out = Path(args.out) if args.out else Path(f"sweep-{name}")
    checkpoint = out / "checkpoint.npz"
    grid = dict(args.grid) if args.grid else None
    try:
        settings = ja.sweep_settings(
            task, activations=args.activations, seeds=args.seeds, steps=args.steps,
            optimizer=args.optimizer, learning_rate=args.lr, hidden=args.hidden,
            depth=args.depth, width=args.width, grid=grid, test=test,
            log_every=args.log_every, devices=args.devices, checkpoint=str(checkpoint),
            progress=not args.no_progress, block=args.block, batch_size=args.batch_size,
        )  # fmt: skip
    except (ValueError, TypeError) as e:
        raise UserError(_as_flags(str(e))) from None
    _check_out(out)
    print(_header(name, task, settings, args, out), flush=True)
    if checkpoint.exists():
        print(f"resuming from {checkpoint}", flush=True)
    try:
        result = ja.run_sweep(settings)
    except KeyboardInterrupt:
        # Programs still compiling finish in their threads before the process exits.
        again = f"resume from {checkpoint}" if checkpoint.exists() else "start again"
        print(f"\n{PROG}: interrupted; run the same command again to {again}", file=sys.stderr)
        return 130
    summary = result.summary()
    _print_summary(summary)
    files = [
        out / "summary.csv",
        out / "sweep.csv",
        out / "final.csv",
        out / "sweep.json",
        out / "sweep.png",
    ]
    result.to_csv(files[0], table="summary")
    result.to_csv(files[1])
    result.to_csv(files[2], table="final")
    result.to_json(files[3])
    result.plot(files[4])
    timing = ", ".join(f"{k} {v:.2f} s" for k, v in result.timing.items())
    print(f"\ntiming: {timing}")
    print("wrote: " + ", ".join(str(f) for f in files))
    return 0


#: The command's flag of each argument of ``sweep`` that it sets.
_FLAGS = {
    "activations": "--activations", "seeds": "--seeds", "steps": "--steps",
    "optimizer": "--optimizer", "learning_rate": "--lr", "hidden": "--hidden",
    "depth": "--depth", "width": "--width", "grid": "--grid", "test": "--test-fraction",
    "log_every": "--log-every", "devices": "--devices", "block": "--block",
    "batch_size": "--batch-size", "checkpoint": "--out",
}  # fmt: skip


def _as_flags(message: str) -> str:
    """A message of ``sweep``'s checks with its arguments named as the command's flags."""
    import re

    def flag(m: re.Match[str]) -> str:
        return f"`{_FLAGS[m.group(1)]}`" if m.group(1) in _FLAGS else m.group(0)

    return re.sub(r"`([a-z_]+)(?:\[[^`]*\])?`", flag, message)


def _header(name: str, task: Any, s: Any, args: argparse.Namespace, out: Path) -> str:
    """The line that says what the sweep trains, from its settings."""
    nets = ", ".join("-".join(str(v[0]) for v in sp) + f"-{sp[-1][1]}" for sp in s.specs)
    grid_text = "".join(
        f", {k} in {{{', '.join(f'{v:g}' for v in vals)}}}" for k, vals in s.grid.items()
    )
    lr_text = "" if "learning_rate" in s.grid else f" lr {args.lr:g}"
    n_acts, n_seeds = len(s.activations), s.seeds.size
    batch = "" if s.batch_size is None else f", batches of {s.batch_size}"
    return (
        f"{name}: {task.description}\nnetwork{'s' * (len(s.specs) > 1)} {nets}, "
        f"{n_acts} activation{'s' * (n_acts > 1)} x {n_seeds} seed{'s' * (n_seeds > 1)} "
        f"x {s.steps} steps, {args.optimizer}{lr_text}{grid_text}{batch}; block {s.block}; "
        f"{_device_text(args.devices)}; output: {out}"
    )


def _device_text(devices: Any) -> str:
    import jax

    have = jax.devices()
    n = len(have) if devices == "auto" else devices
    return f"{n} {have[0].platform} device{'s' * (n > 1)}"


def _print_summary(rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    keys = list(rows[0])
    # Accuracy columns are empty for a regression task: leave them out.
    keys = [
        k for k in keys if not all(isinstance(r.get(k), float) and math.isnan(r[k]) for r in rows)
    ]

    def cell(v: Any) -> Any:
        return "-".join(map(str, v)) or "none" if isinstance(v, tuple) else v

    print()
    print(_table(keys, [[cell(r.get(k)) for k in keys] for r in rows]))


def _as_list(v: int | list[int]) -> list[int]:
    return v if isinstance(v, list) else [v]


def _checkout() -> Path | None:
    """The jaxact checkout this library runs from (its folder holds ``experiments/``), if any."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "experiments" / "__main__.py").is_file() else None


def _cmd_experiments(args: argparse.Namespace) -> int:
    """Run ``python -m experiments ARGS`` from the checkout; its parser is the only one.

    The experiments sit on top of the library: the command runs them in a process of
    their own instead of importing them, and hands the arguments after ``experiments``
    over as they are (``--help`` included); that process parses them, and its errors are
    one line ``jaxact: error: ...`` with exit status 2.
    """
    import signal
    import subprocess

    root = _checkout()
    if root is None:
        raise UserError(
            "the experiments are not installed with the library: they are the folder "
            "experiments/ of a jaxact checkout; run `make run` or `python -m experiments` there"
        )
    # -P: the current folder is not searched, so only the checkout's experiments/ runs.
    cmd = [sys.executable, "-P", "-m", "experiments", "--prog", PROG, *args.argv]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])),
    }
    # Ctrl-C reaches the child too (same process group): it saves what it finished, ends
    # its workers, says so in one line and exits with 130. A SIGTERM sent to this process
    # is passed on to the child, which ends the same way.
    child = subprocess.Popen(cmd, env=env)

    def forward(signum: int, frame: object) -> None:
        child.send_signal(signum)

    previous = {
        sig: signal.signal(sig, handler)
        for sig, handler in ((signal.SIGINT, signal.SIG_IGN), (signal.SIGTERM, forward))
    }
    try:
        code = child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if code < 0:  # the child was killed by a signal before it could say so itself
        print(f"\n{PROG}: experiments ended by signal {-code}", file=sys.stderr)
        return 128 - code
    return code


# --------------------------------------------------------------------------------------
# The parser and the entry point
# --------------------------------------------------------------------------------------


def _add_catalog(sub: Any) -> None:
    """The ``list``, ``show`` and ``check`` subcommands (``check``'s flags are the checker's)."""
    s = sub.add_parser("list", help="the catalog: every activation and its properties")
    s.set_defaults(run=_cmd_list)

    s = sub.add_parser("show", help="one activation's card: formula, f', properties, anchors")
    s.add_argument("name", metavar="NAME", help="an activation name or alias (see: jaxact list)")
    s.add_argument("--plot", metavar="FILE.png", help="also draw f and f' to this PNG file")
    s.add_argument(
        "--phase-plot",
        metavar="FILE.png",
        help="also draw the mean-field phase diagram (chi1 over sigma_w2, sigma_b2)",
    )
    s.set_defaults(run=_cmd_show)

    from jaxact.check import gradcheck

    s = sub.add_parser("check", help="the derivative checker's report (exit 1 on failure)")
    gradcheck.add_arguments(s)
    s.set_defaults(run=gradcheck.run)


def _add_sweep(sub: Any) -> None:
    """The ``sweep`` subcommand and its flags."""
    s = sub.add_parser(
        "sweep",
        help="train activations x seeds at once; summary table, CSV, JSON and PNG",
        description="Train one MLP per activation and seed (vmapped, one compiled program) "
        "and summarise across seeds. Resumable: an interrupted sweep continues from "
        "OUT/checkpoint.npz when run again with the same arguments (a finished one "
        "is not trained again).",
    )
    data = s.add_mutually_exclusive_group(required=True)
    from jaxact.data.tasks import task_names

    data.add_argument("--task", metavar="TASK", help=f"a built-in task: {', '.join(task_names())}")
    data.add_argument("--data", metavar="FILE", help="a CSV or NPZ file of your own")
    s.add_argument("--label", metavar="COL", help="with --data: the label column")
    s.add_argument(
        "--features", type=_name_list, metavar="A,B,...", help="with --data: feature columns"
    )
    s.add_argument(
        "--kind",
        choices=["binary", "softmax", "regression"],
        help="with --data: the task kind (default: inferred from the label column)",
    )
    s.add_argument(
        "--option",
        "-o",
        type=_key_value,
        action="append",
        metavar="NAME=VALUE",
        help="a task option, e.g. -o n=500 -o noise=0.2 (repeatable)",
    )
    s.add_argument("--standardize", action="store_true", help="scale features to mean 0, std 1")
    _add_sweep_training(s)
    _add_sweep_layout(s)
    s.set_defaults(run=_cmd_sweep)


def _add_sweep_layout(s: argparse.ArgumentParser) -> None:
    """The sweep's mini-batches and block."""
    s.add_argument(
        "--batch-size",
        type=_positive_int,
        metavar="B",
        help="rows per step, drawn for each run from its own seed (default: every row)",
    )
    s.add_argument(
        "--block",
        type=_positive_int,
        metavar="N",
        help="runs per compiled block (default: the runs per activation and network, at "
        "most 32 on CPU, 1024 on accelerators); runs equal bit for bit at equal blocks",
    )


def _add_sweep_training(s: argparse.ArgumentParser) -> None:
    """``sweep``'s flags of what is trained and how: activations, seeds, steps, networks,
    grid, devices, output."""
    s.add_argument(
        "--activations",
        type=_name_list,
        default=_name_list(DEFAULT_ACTIVATIONS),
        metavar="A,B,...",
        help=f"hidden activations (default: {DEFAULT_ACTIVATIONS})",
    )
    s.add_argument("--seeds", type=_positive_int, default=64, help="seeds 0..N-1 (default: 64)")
    s.add_argument("--steps", type=_positive_int, default=2000, help="steps (default: 2000)")
    s.add_argument("--lr", type=_positive_float, default=1e-2, help="learning rate (1e-2)")
    s.add_argument("--optimizer", default="adam", help="an optax optimizer (default: adam)")
    s.add_argument(
        "--hidden",
        type=_int_list,
        metavar="W,W,...",
        help="hidden widths (6,6); 'none' for no hidden layer",
    )
    s.add_argument(
        "--depth",
        type=_depths,
        metavar="D[,D,...]",
        help="hidden layers of --width units, e.g. 1,4,8: one network per depth, in one sweep "
        "(default 2; instead of --hidden)",
    )
    s.add_argument(
        "--width",
        type=_widths,
        metavar="W[,W,...]",
        help="units per hidden layer with --depth (default 6); a list sweeps the widths too",
    )
    s.add_argument(
        "--test-fraction",
        type=_fraction,
        metavar="F",
        help="hold out this share of the task (stratified) and report test loss and accuracy",
    )
    s.add_argument(
        "--split-seed",
        type=_seed,
        metavar="N",
        help="the seed of the held-out split (default 0)",
    )
    s.add_argument(
        "--grid",
        type=_grid_entry,
        action="append",
        metavar="NAME=V1,V2",
        help="also sweep a hyperparameter, e.g. learning_rate=1e-3,1e-2 (repeatable)",
    )
    s.add_argument(
        "--log-every", type=_positive_int, default=10, metavar="N", help="log every N steps (10)"
    )
    s.add_argument(
        "--devices", type=_devices, default="auto", help="'auto' (every device) or a count"
    )
    s.add_argument(
        "--cpu-devices",
        type=_positive_int,
        metavar="N",
        help="on a CPU, split it into N virtual devices so that N cores train at once "
        "(default: one per core; JAX_NUM_CPU_DEVICES, where set, decides)",
    )
    s.add_argument("--out", metavar="DIR", help="output folder (default: sweep-TASK)")
    s.add_argument("--no-progress", action="store_true", help="no progress bar")
    s.add_argument(
        "--compile-cache",
        metavar="DIR|off",
        help="JAX's persistent compilation cache, so that a second run loads its programs "
        "(default: JAXACT_COMPILE_CACHE, else ~/.cache/jaxact/xla; 'off' turns it off)",
    )


def _add_experiments(sub: Any) -> None:
    """The ``experiments`` subcommand: every argument after it goes to ``python -m experiments``,
    whose parser defines the flags (``jaxact experiments --help`` prints them)."""
    s = sub.add_parser(
        "experiments",
        help="run the experiments (python -m experiments); writes a report",
        add_help=False,
        prefix_chars="\0",  # no option is this parser's: they all go to the experiments
    )
    s.add_argument(
        "argv",
        nargs=argparse.REMAINDER,
        metavar="ARGS",
        help="the arguments of python -m experiments (see: jaxact experiments --help)",
    )
    s.set_defaults(run=_cmd_experiments)


def parser() -> argparse.ArgumentParser:
    """The ``jaxact`` command's argument parser (its errors are one line, exit 2)."""
    p = _Parser(
        prog=PROG,
        description="Activation functions in JAX: the catalog, derivative checks, training "
        "sweeps and experiments.",
    )
    from jaxact import __version__

    p.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_catalog(sub)
    _add_sweep(sub)
    _add_experiments(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``jaxact`` command with ``argv`` (default ``sys.argv[1:]``).

    Args:
      argv: the arguments after the program name.

    Returns:
      The exit status: 0 on success, 1 when a check or claim fails, 2 on a mistake in
      the arguments or the data, 130 when interrupted.
    """
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, TypeError) as e:
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        print(f"{PROG}: error: {msg}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (`jaxact list | head`): stop quietly.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as e:
        print(f"{PROG}: error: {e.strerror or e}: {e.filename or ''}".rstrip(": "), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
