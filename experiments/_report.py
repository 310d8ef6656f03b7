"""Shared pieces of the experiments: the result record, statistics, tables, figures, and
the REPORT.md writer.

Every experiment returns a :class:`Result`. Its verdict is computed from a list of
:class:`Check` rows — each one a measured value compared with a bound — so the report
shows exactly which number decided it.
"""

from __future__ import annotations

import csv
import dataclasses
import math
import os
import pathlib
import re
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

import jaxact as ja

# The figures are files, never windows.
os.environ.setdefault("MPLBACKEND", "Agg")

SEEDS = {
    "000": "seeds/000_50f7b9ce6e4e215a.txt",
    "001": "seeds/001_4285a594ea223547.txt",
    "002": "seeds/002_ebf1362a5d40580b.txt",
    "003": "seeds/003_f32c24a22f62777f.txt",
    "004": "seeds/004_401ecc5fa4a457e6.txt",
}
"""The source texts (in ``shared/``), by number."""


def sources(*numbers: str) -> str:
    """The source files of a claim, as Markdown: ``seeds/000_….txt, seeds/002_….txt``."""
    return ", ".join(f"`{SEEDS[n]}`" for n in numbers)


# --------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------


@dataclasses.dataclass
class Check:
    """One measured quantity against its bound.

    Attributes:
      name: what is measured, in words.
      measured: the measured value, formatted.
      required: the bound, in words (``"≤ 0.75"``).
      passed: whether the measured value satisfies the bound.
    """

    name: str
    measured: str
    required: str
    passed: bool


@dataclasses.dataclass
class Table:
    """A table of the report, also written as CSV.

    Attributes:
      title: a short caption.
      columns: the column names.
      rows: the rows; each a sequence of cells (numbers are formatted on output).
      csv: the CSV file name (written next to REPORT.md), or ``None`` for none.
    """

    title: str
    columns: Sequence[str]
    rows: list[Sequence[Any]]
    csv: str | None = None


@dataclasses.dataclass
class Result:
    """What an experiment returns.

    Attributes:
      name: the experiment's module name (``"linear_collapse"``).
      title: a human title.
      claim: the claim, in substance.
      source: the source texts, as Markdown.
      method: how it is measured.
      criterion: the pass criterion, in words.
      checks: the measured checks; ``verdict`` is their conjunction.
      metrics: the key numbers, by name.
      tables: the tables.
      figures: paths of the figures (inside the output folder).
      finding: one or two sentences of what was measured, in plain words.
      notes: caveats and refinements of the claim, each a paragraph.
      seconds: wall time of the experiment (set by the runner).
    """

    name: str
    title: str
    claim: str
    source: str
    method: str
    criterion: str
    checks: list[Check]
    metrics: dict[str, Any] = dataclasses.field(default_factory=dict)
    tables: list[Table] = dataclasses.field(default_factory=list)
    figures: list[pathlib.Path] = dataclasses.field(default_factory=list)
    finding: str = ""
    notes: list[str] = dataclasses.field(default_factory=list)
    seconds: float = 0.0

    @property
    def verdict(self) -> bool:
        """True when every check passed (and there is at least one)."""
        return bool(self.checks) and all(c.passed for c in self.checks)


# --------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------


def fmt(x: Any, digits: int = 3) -> str:
    """A number with ``digits`` significant digits; scientific when very small or large."""
    if isinstance(x, bool | np.bool_):
        return "yes" if x else "no"
    if isinstance(x, int | np.integer):
        return str(int(x))
    if isinstance(x, float | np.floating):
        x = float(x)
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "∞" if x > 0 else "−∞"
        if x == 0:
            return "0"
        if 1e-3 <= abs(x) < 1e5:
            s = f"{x:.{digits}g}"
            return s
        m, e = f"{x:.{digits - 1}e}".split("e")
        return f"{m}e{int(e)}"
    return str(x)


def ci95(values: Iterable[float]) -> tuple[float, float]:
    """Mean and half-width of the 95% confidence interval of the mean (Student t).

    Args:
      values: the per-seed values (NaNs are dropped).

    Returns:
      ``(mean, half_width)``; the half-width is NaN for fewer than two values.
    """
    from jaxact.training.stats import mean_std_ci

    mean, _, half_width = mean_std_ci(np.asarray(list(values), dtype=np.float64))
    return mean, half_width


def pm(values: Iterable[float], digits: int = 3) -> str:
    """``"mean ± half-width"`` of the 95% CI of the mean."""
    m, h = ci95(values)
    return f"{fmt(m, digits)} ± {fmt(h, 2)}"


def check(name: str, value: float, op: str, bound: float, *, shown: str | None = None) -> Check:
    """A :class:`Check` of ``value op bound``, with ``op`` one of ``<, <=, >, >=, ==``."""
    ops: dict[str, Callable[[float, float], bool]] = {
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
        "==": lambda a, b: a == b,
    }
    words = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "="}
    ok = bool(np.isfinite(value)) and ops[op](float(value), float(bound))
    return Check(name, shown if shown is not None else fmt(value), f"{words[op]} {fmt(bound)}", ok)


# --------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------


def pyplot():
    """matplotlib.pyplot with the Agg backend and the report's style."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "figure.dpi": 100,
            "savefig.dpi": 110,
            "font.size": 9.5,
            "axes.titlesize": 10.5,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.fontsize": 8.5,
            "legend.frameon": False,
        }
    )
    return plt


def color(name: str) -> str | None:
    """The activation's colour, from its record (``Activation.colour``), so every figure
    uses the same one; ``None`` (the plot's next colour) for a record without one or a
    name outside the catalog (a control defined by an experiment)."""
    try:
        return ja.get(name).colour
    except ValueError:
        return None


def save(fig, out: pathlib.Path, name: str) -> pathlib.Path:
    """Save ``fig`` as ``out/name`` (PNG) and close it; return the path."""
    path = out / name
    fig.savefig(path, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path


def band(ax, x, values, *, label: str, c: str | None = None, ls: str = "-", marker=None):
    """Plot the mean over seeds (axis 0 of ``values``) with its 95% CI as a band."""
    from jaxact.training.stats import t_quantile

    v = np.asarray(values, dtype=np.float64)
    v = np.where(np.isfinite(v), v, np.nan)
    n = np.sum(np.isfinite(v), axis=0)
    with warnings.catch_warnings():
        # Columns where every run has diverged are NaN: nothing to draw there.
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(v, axis=0)
        sd = np.nanstd(v, axis=0, ddof=1) if v.shape[0] > 1 else np.zeros_like(mean)
        t = t_quantile(0.975, np.maximum(n - 1, 1))
        h = np.where(n > 1, t * sd / np.sqrt(np.maximum(n, 1)), 0.0)
        lo = mean - h
        if np.all(v[np.isfinite(v)] > 0):
            # A positive quantity (often on a log axis): the band stops at the smallest value.
            lo = np.maximum(lo, np.nanmin(v, axis=0))
    (line,) = ax.plot(x, mean, ls=ls, color=c, label=label, marker=marker, ms=3)
    ax.fill_between(x, lo, mean + h, color=line.get_color(), alpha=0.18, lw=0)
    return line


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------


def _cell(x: Any) -> str:
    return fmt(x) if isinstance(x, int | float | np.integer | np.floating | bool) else str(x)


def write_csv(path: pathlib.Path, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write a table as CSV; floats at full precision."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(columns)
        for r in rows:
            w.writerow([repr(float(c)) if isinstance(c, float | np.floating) else c for c in r])


def markdown_table(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A Markdown table; numbers formatted with :func:`fmt`, pipes escaped."""

    def esc(s: str) -> str:
        return s.replace("|", "\\|").replace("\n", " ")

    lines = [
        "| " + " | ".join(esc(str(c)) for c in columns) + " |",
        "|" + "|".join("---" for _ in columns) + "|",
    ]
    lines += ["| " + " | ".join(esc(_cell(c)) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def anchor(title: str) -> str:
    """The GitHub-style anchor of a Markdown heading."""
    s = re.sub(r"[^\w\- ]", "", title.lower()).strip()
    return s.replace(" ", "-")


def write_tables(result: Result, out: pathlib.Path) -> list[pathlib.Path]:
    """Write every table of ``result`` that names a CSV file; return their paths."""
    paths = []
    for t in result.tables:
        if t.csv:
            p = out / t.csv
            write_csv(p, t.columns, t.rows)
            paths.append(p)
    return paths


def render(
    results: Sequence[Result],
    out: pathlib.Path,
    *,
    answer: str,
    header: Sequence[str] = (),
    quick: bool = False,
) -> str:
    """The text of REPORT.md.

    Args:
      results: the experiments' results, in order.
      out: the output folder (figure links are made relative to it).
      answer: the opening plain-language answer (Markdown).
      header: lines describing the run (versions, device, mode).
      quick: whether this was a ``--quick`` run.

    Returns:
      The Markdown text.
    """
    total = sum(r.seconds for r in results)
    n_pass = sum(r.verdict for r in results)
    lines = ["# What does a nonlinear activation actually do?", ""]
    lines += [answer.strip(), ""]
    lines += ["## Verdicts", ""]
    lines += [
        f"{n_pass} of {len(results)} claims hold as measured"
        + (" (quick mode: fewer seeds and steps)." if quick else "."),
        "",
    ]
    rows = []
    for i, r in enumerate(results, 1):
        heading = f"{i}. {r.title}"
        rows.append(
            [
                f"[{heading}](#{anchor(heading)})",
                r.source,
                "**PASS**" if r.verdict else "**FAIL**",
                f"{r.seconds:.1f} s",
            ]
        )
    lines += [markdown_table(["experiment", "source", "verdict", "time"], rows), ""]
    lines += [f"The experiments' own wall times add up to {total:.1f} s.", ""]
    lines += [*header, ""]
    for i, r in enumerate(results, 1):
        lines += [f"## {i}. {r.title}", ""]
        lines += [f"**Verdict: {'PASS' if r.verdict else 'FAIL'}** ({r.seconds:.1f} s)", ""]
        lines += [f"**Claim** ({r.source}). {r.claim.strip()}", ""]
        lines += [f"**Method.** {r.method.strip()}", ""]
        lines += [f"**Pass criterion.** {r.criterion.strip()}", ""]
        if r.finding:
            lines += [f"**Finding.** {r.finding.strip()}", ""]
        lines += [
            markdown_table(
                ["check", "measured", "required", "pass"],
                [[c.name, c.measured, c.required, "✓" if c.passed else "✗"] for c in r.checks],
            ),
            "",
        ]
        for t in r.tables:
            cap = f"*{t.title}*" + (f" ([{t.csv}]({t.csv}))" if t.csv else "")
            lines += [cap, "", markdown_table(t.columns, t.rows), ""]
        for fpath in r.figures:
            rel = os.path.relpath(fpath, out)
            lines += [f"![{r.title}]({rel})", ""]
        for n in r.notes:
            lines += [f"> {n.strip()}", ""]
    return "\n".join(lines).rstrip() + "\n"
