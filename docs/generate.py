"""The generated pages of the documentation site, written from the library at build time.

``docs/conf.py`` calls :func:`generate` before Sphinx reads the sources. It writes

- ``activations/``: a page per activation of ``jaxact.names()`` (formula and docstring,
  f and f′ drawn, the parameter's effect, the card, the measured worst ulps from
  :mod:`jaxact.check.ulp_audit`, the counterparts in jax.nn / PyTorch / Keras, a runnable
  example executed here), and an index of small multiples grouped by family;
- ``api/``: a page per public module of ``jaxact`` (every module with ``__all__``);
- ``experiments/``: a page per experiment of ``experiments.REGISTRY``.

These folders are build outputs (ignored by git). Run alone,
``python docs/generate.py`` writes them and prints what it wrote.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import math
import os
import pathlib
import pkgutil
import shutil
import textwrap
from collections.abc import Iterable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from _ext.plaintext import escape_prose

import jaxact as ja
from jaxact.check import ulp_audit

DOCS = pathlib.Path(__file__).resolve().parent
ROOT = DOCS.parent
GENERATED = ("activations", "api", "experiments")
"""The folders under ``docs/`` that :func:`generate` owns (rewritten on every build)."""

DOCTEST_FLAGS = doctest.NORMALIZE_WHITESPACE
"""The examples are checked for the exact output, spacing aside."""

# The examples run as the test suite runs them (``conftest.py``): float64 available,
# strict dtype promotion, rank promotion raises.
jax.config.update("jax_enable_x64", True)
jax.config.update("jax_numpy_dtype_promotion", "strict")
jax.config.update("jax_numpy_rank_promotion", "raise")

FAMILIES: dict[str, tuple[str, ...]] = {
    "Linear and rectified": (
        "identity",
        "relu",
        "relu6",
        "leaky_relu",
        "prelu",
        "rrelu",
        "threshold",
    ),
    "Exponential linear": ("elu", "celu", "selu"),
    "Self-gated (x times a gate)": (
        "gelu",
        "gelu_tanh",
        "silu",
        "swish_beta",
        "mish",
        "hard_silu",
    ),
    "Sigmoid-shaped": ("sigmoid", "hard_sigmoid", "log_sigmoid", "sparse_sigmoid"),
    "Tanh-shaped and shrinkage": (
        "tanh",
        "hard_tanh",
        "softsign",
        "tanhshrink",
        "softshrink",
        "hardshrink",
    ),
    "Softplus-shaped and exponential": ("softplus", "squareplus", "sparse_plus", "exponential"),
    "Vector-valued": ("glu", "softmax", "log_softmax", "softmin", "sparsemax"),
}
"""How the index groups the catalog; an activation in no family is listed under "Other"."""

X_RANGE = (-6.0, 6.0)


# --------------------------------------------------------------------------------------
# reST helpers
# --------------------------------------------------------------------------------------


def title(text: str, ch: str = "=") -> str:
    """A reST section title."""
    return f"{text}\n{ch * len(text)}\n"


def num(v: Any) -> str:
    """A number as the pages print it: ∞ for infinities, 6 significant digits."""
    if isinstance(v, bool | np.bool_):
        return "yes" if v else "no"
    if v is None:
        return "—"
    v = float(v)
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    return f"{v:.6g}".replace("-", "−")


def escape(text: str) -> str:
    """Plain text as reST: the characters that start markup are escaped."""
    for ch in "\\|*_":
        text = text.replace(ch, "\\" + ch)
    return text


def md_to_rst(text: str) -> str:
    """Text with Markdown code spans (single back-ticks), as in the experiments' constants,
    as reST: code spans become literals, the rest is escaped."""
    parts = text.split("`")
    return "".join(f"``{p}``" if i % 2 else escape(p) for i, p in enumerate(parts))


def list_table(header: Sequence[str], rows: Iterable[Sequence[str]], widths: str = "") -> str:
    """A reST list-table."""
    out = [".. list-table::", "   :header-rows: 1"]
    if widths:
        out.append(f"   :widths: {widths}")
    out.append("")
    for row in [header, *rows]:
        cells = [str(c).replace("\n", " ") or " " for c in row]
        out.append(f"   * - {cells[0]}")
        out += [f"     - {c}" for c in cells[1:]]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------


def along_line(rec: ja.Activation, x: np.ndarray, **params: float) -> tuple[np.ndarray, ...]:
    """f and the hand-written f′ of ``rec`` at the points ``x`` (float64).

    Vector-valued activations are taken along one input coordinate, as the gallery
    experiment draws them: the first output on ``[x, 0]`` in direction e1 (glu on
    ``[x, x]`` in direction ``[1, 1]``, its gate being the second half).
    """
    with jax.enable_x64(True):
        xs = jnp.asarray(x, dtype=jnp.float64)
        if rec.kind == "elementwise":
            return np.asarray(rec.fn(xs, **params)), np.asarray(rec.derivative(xs, **params))
        zero = jnp.zeros_like(xs)
        if rec.name == "glu":
            pts, v = jnp.stack([xs, xs], 1), jnp.stack([zero + 1, zero + 1], 1)
        else:
            pts, v = jnp.stack([xs, zero], 1), jnp.stack([zero + 1, zero], 1)
        return np.asarray(rec.fn(pts))[:, 0], np.asarray(rec.derivative(pts, v))[:, 0]


def parameter_values(default: float) -> list[float]:
    """The values of a parameter drawn beside its default: a quarter, the default, twice."""
    if default == 0.0:
        return [-1.0, 0.0, 1.0]
    return [default / 4, default, 2 * default]


def draw_activation(rec: ja.Activation, path: pathlib.Path) -> None:
    """f and f′ on [−6, 6] with the kinks' chosen f′ marked; one more panel per parameter."""
    x = np.linspace(*X_RANGE, 1201)
    params = list(rec.defaults.items())[:2]
    fig, axes = plt.subplots(1, 1 + len(params), figsize=(5.2 * (1 + len(params)), 3.6))
    axes = np.atleast_1d(axes)
    f, d = along_line(rec, x)
    ax = axes[0]
    ax.plot(x, f, lw=2, label="f")
    ax.plot(x, d, lw=1.5, ls="--", label="f′ (hand-written)")
    for k in rec.card.kinks:
        if X_RANGE[0] <= k.x <= X_RANGE[1]:
            ax.plot([k.x], [k.d1], "o", color="C1", ms=5)
    ax.set_title(rec.name if rec.kind == "elementwise" else f"{rec.name}, along x")
    for ax, (p, default) in zip(axes[1:], params, strict=True):
        for i, v in enumerate(parameter_values(default)):
            fv, _ = along_line(rec, x, **{p: v})
            ax.plot(x, fv, lw=2 if v == default else 1.2, color=f"C{i + 2}", label=f"{p} = {v:g}")
        ax.set_title(f"f for three values of {p}")
    for ax in axes:
        ax.axhline(0, color="0.6", lw=0.6)
        ax.axvline(0, color="0.6", lw=0.6)
        ax.set_xlabel("x")
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def draw_family(names: Sequence[str], path: pathlib.Path) -> None:
    """Small multiples: f (solid) and f′ (dashed) of each activation of a family."""
    cols = 4
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(2.4 * cols, 1.9 * rows), squeeze=False)
    x = np.linspace(*X_RANGE, 401)
    for ax, name in zip(axes.flat, names, strict=False):
        f, d = along_line(ja.get(name), x)
        ax.plot(x, f, lw=1.6)
        ax.plot(x, d, lw=1.0, ls="--")
        ax.axhline(0, color="0.7", lw=0.5)
        ax.axvline(0, color="0.7", lw=0.5)
        ax.set_title(name, fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in axes.flat[len(names) :]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=72)
    plt.close(fig)


# --------------------------------------------------------------------------------------
# The example of an activation page: written here, executed here
# --------------------------------------------------------------------------------------


def example_source(rec: ja.Activation) -> list[str]:
    """The statements of an activation's example (each one shown with its output)."""
    name = rec.name
    lines = ["import jax, jax.numpy as jnp, jaxact as ja", f'rec = ja.get("{name}")']
    if rec.kind == "vector":
        lines += [
            "x = jnp.array([[1.0, -2.0, 0.5, 3.0]])",
            "v = jnp.array([[1.0, 0.0, 0.0, 0.0]])",
            f"ja.{name}(x)",
            "rec.derivative(x, v)  # the hand-written JVP in direction v",
            f"bool(jnp.allclose(jax.jvp(ja.{name}, (x,), (v,))[1], rec.derivative(x, v)))",
        ]
        return lines
    lines += [
        "x = jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0])",
        f"ja.{name}(x)",
        "rec.derivative(x)  # the hand-written f′",
        f"bool(jnp.array_equal(jax.vmap(jax.grad(ja.{name}))(x), rec.derivative(x)))",
    ]
    for p, default in list(rec.defaults.items())[:1]:
        other = parameter_values(default)[-1]
        lines.append(f"ja.{name}(x, {p}={other!r})")
    return lines


def run_example(lines: Sequence[str]) -> str:
    """Execute the statements and write them as a doctest with their outputs.

    Expressions show their ``repr`` as the interactive interpreter does; statements show
    nothing. The outputs come from this run, so the doctest written here is what the
    code prints.
    """
    env: dict[str, Any] = {}
    out = []
    for line in lines:
        out.append(f">>> {line}")
        try:
            code = compile(line, "<example>", "eval")
        except SyntaxError:
            exec(compile(line, "<example>", "exec"), env)
            continue
        value = eval(code, env)
        if value is not None:
            out.append(repr(value))
    return "\n".join(out) + "\n"


def check_example(text: str, name: str) -> None:
    """Run ``text`` as a doctest; raise ``RuntimeError`` if any example fails."""
    test = doctest.DocTestParser().get_doctest(text, {}, name, name, 0)
    runner = doctest.DocTestRunner(optionflags=DOCTEST_FLAGS)
    runner.run(test, out=lambda s: None)
    if runner.failures:
        raise RuntimeError(f"the example of {name!r} fails as a doctest:\n{text}")


def check_page(path: pathlib.Path) -> int:
    """Run the examples of a hand-written page as doctests; the number of examples run.

    Raises:
      RuntimeError: an example fails (its report is in the message).
    """
    name = path.name
    text = path.read_text(encoding="utf-8")
    test = doctest.DocTestParser().get_doctest(text, {}, name, str(path), 0)
    runner = doctest.DocTestRunner(optionflags=DOCTEST_FLAGS | doctest.ELLIPSIS)
    report: list[str] = []
    runner.run(test, out=report.append)
    if runner.failures:
        raise RuntimeError(f"an example of {name} fails:\n{''.join(report)}")
    return runner.tries


def example(rec: ja.Activation) -> str:
    """The executed and checked example of an activation, as doctest text."""
    text = run_example(example_source(rec))
    check_example(text, rec.name)
    return text


# --------------------------------------------------------------------------------------
# Activation pages
# --------------------------------------------------------------------------------------


def card_table(rec: ja.Activation) -> str:
    """The card as a two-column table."""
    c = rec.card
    rows = [
        ("kind", rec.kind),
        ("range", f"[{num(c.range[0])}, {num(c.range[1])}]"),
        ("bounded", num(c.bounded)),
        ("monotonic", num(c.monotonic)),
        ("zero-centred", "yes, f(0) = 0 and f takes both signs" if c.zero_centred else "no"),
        ("smoothness", c.smoothness),
        ("saturating", c.saturating),
        ("max abs f′", num(c.max_slope)),
    ]
    for p, v in rec.defaults.items():
        learned = " (learned per unit in an MLP)" if p in rec.learnable else ""
        rows.append((f"parameter ``{p}``", f"default {num(v)}{learned}"))
    out = list_table(["property", "value"], rows, "30 70")
    if c.kinks:
        out += "\nKinks, with the minimum-norm subgradient chosen for f′ there:\n\n"
        krows = [[num(k.x), num(k.d1), num(k.left), num(k.right), num(k.d2)] for k in c.kinks]
        out += list_table(["x", "f′(x) chosen", "f′(x⁻)", "f′(x⁺)", "f″(x)"], krows)
    else:
        out += "\nNo kinks: f′ is continuous everywhere.\n"
    return out


def ulp_section(rec: ja.Activation, rows: Sequence[ulp_audit.UlpRow]) -> str:
    """The measured worst ulps of each quantity in float32 and float64, and the exceptions."""
    if not rows:
        return (
            "Vector-valued activations are not in the ulp audit: their JVP is normwise "
            "stable, not componentwise; :mod:`jaxact.check.gradcheck` holds them to "
            "normwise bounds against the mpmath oracle.\n"
        )
    body = [
        [
            f"``{r.quantity}``",
            r.dtype,
            num(r.max_ulps),
            num(r.ulps),
            num(r.x),
            num(r.budget),
            "✓" if r.ok else "✗",
        ]
        for r in rows
    ]
    n = {r.dtype: r.n for r in rows}
    out = (
        f"Measured by :func:`jaxact.check.ulp_audit.audit` at this build, against the "
        f"mpmath truths on {n.get('float64', 0):,} float64 and {n.get('float32', 0):,} "
        f"float32 points (every binade of both signs, dense in [−64, 64]). The budget is "
        f"{num(ulp_audit.DEFAULT_BUDGET)} ulps unless the card states an exception.\n\n"
    )
    out += list_table(
        ["quantity", "dtype", "worst ulps", "ulps at the tightest point", "x there", "budget", ""],
        body,
    )
    budgets = rec.card.ulp_budgets
    if budgets:
        out += "\nThe card's stated exceptions:\n\n"
        for b in budgets:
            where = "for every x" if b.within is None else f"for x in [{num(b.within[0])}, "
            where += "" if b.within is None else f"{num(b.within[1])}]"
            reason = md_to_rst(b.reason)
            out += f"- ``{b.quantity}``, {b.dtype}, {num(b.ulps)} ulps {where}: {reason}\n"
    return out


def peers_section(rec: ja.Activation) -> str:
    """The counterparts in jax.nn, PyTorch and Keras, and where conventions differ."""
    jax_nn = f"``jax.nn.{rec.jax_nn}``" if rec.jax_nn else "—"
    if rec.jax_nn and rec.jax_nn_kwargs:
        kw = ", ".join(f"{k}={v!r}" for k, v in rec.jax_nn_kwargs.items())
        jax_nn = f"``jax.nn.{rec.jax_nn}(x, {kw})``"
    rows = [
        ("jax.nn", jax_nn),
        ("PyTorch", f"``torch.nn.functional.{rec.torch}``" if rec.torch else "—"),
        ("Keras 3", f"``keras.activations.{rec.keras}``" if rec.keras else "—"),
    ]
    out = list_table(["library", "name"], rows, "30 70")
    notes = md_to_rst(rec.notes)
    out += "\n" + (notes or "The conventions agree with jaxact's.") + "\n"
    return out


def activation_page(rec: ja.Activation, rows: Sequence[ulp_audit.UlpRow]) -> str:
    """The reST of an activation's page."""
    head = rec.name + (f" (aliases: {', '.join(rec.aliases)})" if rec.aliases else "")
    param_note = "; right: f for three values of each parameter" if rec.defaults else ""
    parts = [
        f".. _activation-{rec.name}:\n",
        title(head),
        ".. currentmodule:: jaxact.catalog.activations\n",
        f".. autofunction:: jaxact.catalog.activations.{rec.name}\n",
        title("f and f′", "-"),
        f".. figure:: {rec.name}.png\n   :alt: {rec.name} and its derivative\n\n"
        "   f (solid) and the hand-written f′ (dashed) on [−6, 6]; dots: the value of f′ "
        f"chosen at a kink{param_note}.\n",
        title("Card", "-"),
        card_table(rec),
        title("Measured accuracy", "-"),
        ulp_section(rec, rows),
        title("In other libraries", "-"),
        peers_section(rec),
        title("Example", "-"),
        "This example runs when the site is built and in the test suite.\n",
        ".. code-block:: pycon\n\n" + textwrap.indent(example(rec), "   "),
    ]
    return "\n".join(parts)


def family_of(name: str) -> str:
    """The family an activation is listed under on the index page."""
    for fam, members in FAMILIES.items():
        if name in members:
            return fam
    return "Other"


def activations_index(names: Sequence[str]) -> str:
    """The index: per family, small multiples and a table of the card's main properties."""
    out = [
        title("Activations"),
        f"The {len(names)} activations of the catalog, grouped by family: f (solid) and the "
        "hand-written f′ (dashed) on [−6, 6]. Each name links to its page.\n",
        ".. toctree::\n   :hidden:\n\n" + "".join(f"   {n}\n" for n in names),
    ]
    groups: dict[str, list[str]] = {}
    for n in names:
        groups.setdefault(family_of(n), []).append(n)
    for i, (fam, members) in enumerate(groups.items()):
        out.append(title(fam, "-"))
        out.append(f".. image:: family-{i}.png\n   :alt: {fam}\n")
        rows = []
        for n in members:
            c = ja.get(n).card
            rng = f"[{num(c.range[0])}, {num(c.range[1])}]"
            rows.append([f":doc:`{n}`", rng, num(c.monotonic), num(c.zero_centred), c.smoothness])
        out.append(list_table(["name", "range", "monotonic", "zero-centred", "smooth"], rows))
    return "\n".join(out)


def write_activations(folder: pathlib.Path, names: Sequence[str]) -> None:
    """The activation pages, their figures and the index."""
    folder.mkdir(parents=True)
    rows = ulp_audit.audit([n for n in names if ja.get(n).kind == "elementwise"])
    for n in names:
        rec = ja.get(n)
        draw_activation(rec, folder / f"{n}.png")
        page = activation_page(rec, [r for r in rows if r.activation == n])
        (folder / f"{n}.rst").write_text(page, encoding="utf-8")
    groups: dict[str, list[str]] = {}
    for n in names:
        groups.setdefault(family_of(n), []).append(n)
    for i, members in enumerate(groups.values()):
        draw_family(members, folder / f"family-{i}.png")
    (folder / "index.rst").write_text(activations_index(names), encoding="utf-8")


# --------------------------------------------------------------------------------------
# The API reference: every public module of the package, from its __all__
# --------------------------------------------------------------------------------------


def public_modules() -> list[str]:
    """The modules of ``jaxact`` with ``__all__`` and no private component, in order."""
    found = ["jaxact"]
    for info in pkgutil.walk_packages(ja.__path__, "jaxact."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        found.append(info.name)
    return [m for m in found if hasattr(importlib.import_module(m), "__all__")]


def home(obj: Any) -> str | None:
    """The module an object is defined in, if it says so."""
    return getattr(obj, "__module__", None) if callable(obj) else None


def api_entry(modname: str, name: str, obj: Any, pages: set[str]) -> str:
    """The reST for one public name of a module (``pages``: the activations with a page)."""
    target = f"{modname}.{name}"
    if modname == "jaxact.catalog.activations" and name in ja.names():
        page = f":doc:`/activations/{name}`" if name in pages else "not built in this build"
        return f"- ``{name}``: its page, {page}\n"
    where = home(obj)
    if inspect.ismodule(obj):
        return f"- ``{name}``: the module :mod:`{obj.__name__}`\n"
    if callable(obj) and getattr(obj, "__name__", name) != name:
        canonical = obj.__name__
        if modname == "jaxact.catalog.activations" and canonical in ja.names():
            link = f":doc:`/activations/{canonical}`" if canonical in pages else "not built"
            return f"- ``{name}``: an alias of ``{canonical}`` ({link})\n"
        return f"- ``{name}``: an alias of :func:`{where}.{canonical}`\n"
    if where is not None and where != modname:
        role = "class" if inspect.isclass(obj) else "func"
        return f"- ``{name}``: re-exported from :{role}:`{where}.{name}`\n"
    if inspect.isclass(obj):
        fields = getattr(obj, "_fields", ())  # a NamedTuple's fields: its Attributes section
        exclude = f"   :exclude-members: {', '.join(fields)}\n" if fields else ""
        return f".. autoclass:: {target}\n   :members:\n{exclude}"
    if callable(obj):
        return f".. autofunction:: {target}\n"
    return data_entry(modname, name, obj)


def data_entry(modname: str, name: str, obj: Any) -> str:
    """A module constant with its ``#:`` comment or docstring, taken as written."""
    from sphinx.pycode import ModuleAnalyzer

    docs = ModuleAnalyzer.for_module(modname).find_attr_docs().get(("", name), [])
    value = repr(obj)
    out = f".. py:data:: {name}\n   :module: {modname}\n"
    if len(value) <= 60:
        out += f"   :value: {value}\n"
    body = escape_prose(" ".join(line.strip() for line in docs if line.strip()))
    return out + ("\n   " + body + "\n" if body else "")


def api_page(modname: str, pages: set[str]) -> str:
    """A module's page: its docstring, then each name of its ``__all__``."""
    mod = importlib.import_module(modname)
    lines = [title(modname), f".. automodule:: {modname}\n   :no-members:\n"]
    entries = [api_entry(modname, n, getattr(mod, n), pages) for n in mod.__all__]
    listed = [e for e in entries if e.startswith("- ")]
    documented = [e for e in entries if not e.startswith("- ")]
    if listed:
        lines.append("Documented elsewhere:\n\n" + "".join(listed))
    lines += documented
    return "\n".join(lines)


def api_index(modules: Sequence[str]) -> str:
    """The reference's entry page: the modules grouped by wing, as the package is."""
    out = [
        title("API reference"),
        "The public names of each module (its ``__all__``), grouped as the package is. "
        "The names of the wings' modules are re-exported from ``jaxact`` "
        "(``ja.fit`` is :func:`jaxact.training.fit.fit`).\n",
        ".. toctree::\n   :hidden:\n\n" + "".join(f"   {m}\n" for m in modules),
    ]
    groups: dict[str, list[str]] = {}
    for m in modules:
        parts = m.split(".")
        wing = parts[1] if len(parts) > 2 else "the package and its command"
        groups.setdefault(wing, []).append(m)
    for wing, mods in groups.items():
        head = f"``jaxact.{wing}``" if not wing.startswith("the ") else wing.capitalize()
        out.append(title(head, "-"))
        for m in mods:
            doc = (inspect.getdoc(importlib.import_module(m)) or "").split("\n")[0]
            out.append(f"- :mod:`{m}`: {escape_prose(doc)}")
        out.append("")
    return "\n".join(out)


def write_api(folder: pathlib.Path, pages: set[str]) -> None:
    """The API reference pages."""
    folder.mkdir(parents=True)
    modules = public_modules()
    for m in modules:
        (folder / f"{m}.rst").write_text(api_page(m, pages), encoding="utf-8")
    (folder / "index.rst").write_text(api_index(modules), encoding="utf-8")


# --------------------------------------------------------------------------------------
# The experiments
# --------------------------------------------------------------------------------------


def experiment_page(name: str, mod: Any, results: pathlib.Path, folder: pathlib.Path) -> str:
    """An experiment's page: claim, source, method, criterion, and its figure if drawn."""
    doc = inspect.getdoc(mod) or ""
    fields = [
        ("Claim", getattr(mod, "CLAIM", "")),
        ("Source", getattr(mod, "SOURCE", "")),
        ("Method", getattr(mod, "METHOD", "")),
        ("Pass criterion", getattr(mod, "CRITERION", "")),
    ]
    out = [f".. _experiment-{name}:\n", title(getattr(mod, "TITLE", name))]
    out.append(f"``python -m experiments {name}`` · module ``experiments/{name}.py``\n")
    for label, text in fields:
        if text:
            out.append(f"**{label}.** {md_to_rst(text.strip())}\n")
    if not any(text for _, text in fields):
        out.append("::\n\n" + textwrap.indent(doc, "   ") + "\n")
    figures = sorted(results.glob(f"{name}*.png")) if (results / "REPORT.md").exists() else []
    if figures:
        out.append(
            "The figure below comes from the last report in ``results/`` (``make run``), "
            "copied when the site was built.\n"
        )
        for f in figures:
            shutil.copyfile(f, folder / f.name)
            out.append(f".. image:: {f.name}\n   :alt: {name}\n")
    else:
        out.append(
            f"No report is present in ``results/`` at this build, so the figure is not "
            f"shown: ``make run`` draws it as ``results/{name}.png``, and the next "
            f"``make docs`` puts it here.\n"
        )
    return "\n".join(out)


def write_experiments(folder: pathlib.Path, results: pathlib.Path) -> None:
    """A page per experiment of ``experiments.REGISTRY`` and their index."""
    import experiments

    folder.mkdir(parents=True)
    names = list(experiments.REGISTRY)
    index = [
        title("Experiments"),
        "Each experiment turns a claim of the source texts into a measured, checked "
        "number: ``make run`` runs them all and writes ``results/REPORT.md``; "
        "``python -m experiments --quick`` is a shorter version. Figures on these pages "
        + (
            "come from the report present in ``results/``.\n"
            if (results / "REPORT.md").exists()
            else "appear once ``make run`` has written ``results/`` (none at this build).\n"
        ),
        ".. toctree::\n   :hidden:\n\n" + "".join(f"   {n}\n" for n in names),
    ]
    for n in names:
        mod = importlib.import_module(experiments.REGISTRY[n])
        (folder / f"{n}.rst").write_text(experiment_page(n, mod, results, folder), "utf-8")
        claim = md_to_rst(getattr(mod, "CLAIM", "").strip().split(". ")[0])
        index.append(f"- :doc:`{n}`: {claim}")
    (folder / "index.rst").write_text("\n".join(index) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------


def generate(
    docs: pathlib.Path = DOCS,
    *,
    activations: Sequence[str] | None = None,
    results: pathlib.Path | None = None,
) -> None:
    """Run the guide's examples, then write the generated folders of ``docs`` afresh.

    Args:
      docs: the documentation source folder (default: this file's).
      activations: the activations to write pages for (default: the whole catalog, and
        the guide's examples are run first; a partial site skips them).
      results: the report folder whose figures the experiment pages show (default:
        ``results/`` of the checkout).
    """
    if activations is None:  # a partial site (the browser test's) leaves them to the tests
        for page in sorted((docs / "guide").glob("*.rst")):
            check_page(page)
    for sub in GENERATED:
        shutil.rmtree(docs / sub, ignore_errors=True)
    names = list(ja.names() if activations is None else activations)
    write_activations(docs / "activations", names)
    write_api(docs / "api", set(names))
    write_experiments(docs / "experiments", ROOT / "results" if results is None else results)


if __name__ == "__main__":
    only = os.environ.get("JAXACT_DOCS_ACTIVATIONS")
    generate(activations=only.split(",") if only else None)
    for sub in GENERATED:
        print(f"{sub}/: {len(list((DOCS / sub).iterdir()))} files")
