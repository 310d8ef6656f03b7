"""The library's imports flow one way, and no module reads another module's private names.

Declared order (``LAYERS``, lowest first): a module may import only modules of a lower
layer. ``jaxact.experiments`` sits on top of the library: nothing in ``jaxact/`` outside
``jaxact/experiments/`` imports it. Names with one leading underscore are private to
their module (a private *module* such as ``jaxact._validate`` is shared within the
package on purpose, and may be imported). The check parses every module with :mod:`ast`
(imports inside functions included) and proves its power on synthetic back-edges.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PKG = ROOT / "jaxact"

LAYERS: list[set[str]] = [
    {"jaxact._validate", "jaxact._version"},  # argument checks (and task kinds), the version
    # leaves over them: losses over optax, data sets, the docstring renderer, the t
    # quantile, checkpoint files
    {"jaxact.losses", "jaxact.tasks", "jaxact._texmath", "jaxact.stats", "jaxact.checkpoint"},
    {"jaxact.oracles"},  # the mpmath references, over mpmath alone
    {"jaxact._catalog"},  # the catalog machinery, where it is a module of its own
    {"jaxact.activations"},
    {"jaxact.ulp_audit"},  # the catalog against the oracles, in ulp
    {"jaxact.init", "jaxact.gradcheck"},
    {"jaxact.mlp"},
    {"jaxact.diagnostics"},
    {"jaxact.train"},
    {"jaxact.engine", "jaxact.results"},  # a sweep's compiled programs, its result
    {"jaxact.sweep"},
    {"jaxact"},  # the package's __init__: re-exports everything below
    {"jaxact.cli"},
    {"jaxact.__main__"},
]
"""activations → init → mlp → train → sweep → cli, with losses and tasks as leaves."""

EXPERIMENTS = "jaxact.experiments"

SHARED_PRIVATE: set[tuple[str, str, str]] = set()
"""(user, module, name) exceptions to the private-name rule: none."""


def module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def library_modules() -> dict[str, pathlib.Path]:
    """Every module of ``jaxact/`` outside ``jaxact/experiments/``."""
    return {
        module_name(p): p
        for p in sorted(PKG.rglob("*.py"))
        if "experiments" not in p.relative_to(PKG).parts and "__pycache__" not in p.parts
    }


def is_module(name: str) -> bool:
    rel = pathlib.Path(*name.split("."))
    return (ROOT / rel).with_suffix(".py").exists() or (ROOT / rel / "__init__.py").exists()


def imports(source: str, module: str) -> tuple[set[str], set[tuple[str, str]]]:
    """The jaxact modules ``source`` imports, and the ``(module, name)`` pairs it reads.

    A name is read by ``from M import name`` or by ``alias.name`` where ``alias`` is
    bound to module M by an import.
    """
    tree = ast.parse(source)
    mods: set[str] = set()
    names: set[tuple[str, str]] = set()
    aliases: dict[str, str] = {}
    package = module if module in ("jaxact", EXPERIMENTS) else module.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "jaxact" or a.name.startswith("jaxact."):
                    mods.add(a.name)
                    aliases[a.asname or a.name.split(".")[0]] = (a.asname and a.name) or "jaxact"
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = parts[: len(parts) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            if not (base == "jaxact" or base.startswith("jaxact.")):
                continue
            for a in node.names:
                full = f"{base}.{a.name}"
                if is_module(full):
                    mods.add(full)
                    aliases[a.asname or a.name] = full
                else:
                    mods.add(base)
                    names.add((base, a.name))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            chain = _dotted(node.value)
            if chain is None or chain.split(".")[0] not in aliases:
                continue
            head, _, rest = chain.partition(".")
            target = ".".join(filter(None, [aliases[head], rest]))
            if is_module(target) and not is_module(f"{target}.{node.attr}"):
                names.add((target, node.attr))
    return mods, names


def _dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of attribute reads on a name, else ``None``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def rank(module: str) -> int:
    for i, layer in enumerate(LAYERS):
        if module in layer:
            return i
    raise AssertionError(f"{module} is not placed in LAYERS of tests/test_layering.py")


def problems(module: str, source: str) -> list[str]:
    """Every rule ``source`` (the text of ``module``) breaks."""
    out = []
    mods, names = imports(source, module)
    for m in sorted(mods):
        if m == EXPERIMENTS or m.startswith(EXPERIMENTS + "."):
            out.append(f"{module} imports {m}: the library never imports the experiments")
        elif m != module and rank(m) >= rank(module):
            out.append(f"{module} imports {m}, which is not below it in LAYERS (a back-edge)")
    for m, name in sorted(names):
        if (module, m, name) in SHARED_PRIVATE:
            continue
        if m != module and name.startswith("_") and not name.startswith("__"):
            out.append(f"{module} uses {m}.{name}, a private name of another module")
    return out


@pytest.mark.parametrize("module", sorted(library_modules()))
def test_module_respects_the_layers(module):
    path = library_modules()[module]
    assert problems(module, path.read_text(encoding="utf-8")) == []


def test_every_module_is_placed():
    for module in library_modules():
        rank(module)


def test_experiments_use_no_private_library_names():
    for path in sorted((PKG / "experiments").glob("*.py")):
        module = module_name(path)
        _, names = imports(path.read_text(encoding="utf-8"), module)
        bad = [
            f"{m}.{n}"
            for m, n in names
            if n.startswith("_")
            and not n.startswith("__")
            and not (m == EXPERIMENTS or m.startswith(EXPERIMENTS + "."))
        ]
        assert not bad, (module, bad)


# Negative controls: the check must catch each kind of breach.


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("jaxact.losses", "from jaxact import mlp as _mlp\n", "back-edge"),
        ("jaxact.mlp", "def f():\n    from jaxact import train\n", "back-edge"),
        ("jaxact.mlp", "import jaxact.sweep\n", "back-edge"),
        ("jaxact.init", "from jaxact.mlp import init_mlp\n", "back-edge"),
        ("jaxact.cli", "import jaxact.experiments as e\n", "never imports the experiments"),
        ("jaxact.cli", "from jaxact.experiments import names\n", "never imports the experiments"),
        ("jaxact.diagnostics", "from jaxact import mlp as m\nm._forward(1)\n", "private"),
        ("jaxact.diagnostics", "from jaxact.mlp import _Act\n", "private"),
        ("jaxact.sweep", "import jaxact.mlp\njaxact.mlp._forward(0)\n", "private"),
    ],
)
def test_the_check_catches_a_breach(module, source, expected):
    found = problems(module, source)
    assert any(expected in p for p in found), found


def test_the_check_accepts_what_is_allowed():
    ok = (
        "from jaxact import _validate\nfrom jaxact import activations as _acts\n"
        "_acts.get('relu')\n_validate.choice('a', 'b', ['b'])\n"
    )
    assert problems("jaxact.mlp", ok) == []
