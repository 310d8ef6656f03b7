"""The library's imports flow one way, and no module reads another module's private names.

Declared order (``LAYERS``, lowest first): a module may import only modules of a lower
layer. ``experiments`` sits on top of the library: nothing in ``jaxact/`` outside
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
    # the wings' folders (docstrings only), argument checks (and task kinds), the version
    {"jaxact.catalog", "jaxact.check", "jaxact.data", "jaxact.nn", "jaxact.training"},
    {"jaxact.theory"},
    {"jaxact._validate", "jaxact._version"},
    # leaves over them: data sets, the docstring renderer, the t
    # quantile, checkpoint files
    {
        "jaxact.data.tasks",
        "jaxact._texmath",
        "jaxact.training.stats",
        "jaxact.training.checkpoint",
    },
    {"jaxact.catalog.registry"},  # the catalog machinery, where it is a module of its own
    {"jaxact.catalog.activations"},
    {"jaxact.catalog.rational"},  # the rational family, over the catalog (its fits)
    {"jaxact.check.oracles"},  # the precision machinery over the records' mpmath formulas
    {"jaxact.check.ulp_audit"},  # the catalog against the oracles, in ulp
    {"jaxact.nn.init", "jaxact.nn.losses", "jaxact.check.gradcheck"},
    {"jaxact.check.__main__"},  # python -m jaxact.check
    {"jaxact.theory.gaussian"},  # Gaussian expectations of the catalog's activations
    {"jaxact.theory.meanfield"},  # the mean-field maps, over the expectations and init
    {"jaxact.theory.__main__"},  # rebuilds the shipped table of edges of chaos
    {"jaxact.nn.mlp"},
    {"jaxact.nn.diagnostics"},
    {"jaxact.training.train"},
    {"jaxact.training.engine"},  # the block engine: plan, programs, training a plan
    {"jaxact.training.settings", "jaxact.training.fit"},  # a sweep's settings; one run
    {"jaxact.training.results"},  # a sweep's result
    {"jaxact.training.sweep"},
    {"jaxact"},  # the package's __init__: re-exports everything below
    {"jaxact.cli"},
    {"jaxact.__main__"},
]
"""activations → init → mlp → train → sweep → cli, with losses and tasks as leaves."""

WINGS: list[set[str]] = [
    {"jaxact._validate", "jaxact._version", "jaxact._texmath"},  # shared private modules
    {"jaxact.catalog", "jaxact.data"},  # the activations; tasks and data sets
    {"jaxact.check", "jaxact.nn"},  # the checks; the network
    {"jaxact.theory", "jaxact.training"},  # signal propagation; training and sweeps
    {"jaxact", "jaxact.cli", "jaxact.__main__"},  # the re-exports and the command
]
"""catalog → check / nn → theory / training → cli, with data as a leaf."""

EXPERIMENTS = "experiments"

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
                if a.name.split(".")[0] == EXPERIMENTS:
                    mods.add(a.name)
                elif a.name == "jaxact" or a.name.startswith("jaxact."):
                    mods.add(a.name)
                    aliases[a.asname or a.name.split(".")[0]] = (a.asname and a.name) or "jaxact"
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = parts[: len(parts) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            if base.split(".")[0] == EXPERIMENTS:
                mods.add(base)
                continue
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


def wing(module: str) -> int:
    """The index in ``WINGS`` of the wing that holds ``module`` (its longest prefix)."""
    best, found = -1, None
    for i, names in enumerate(WINGS):
        for w in names:
            if (module == w or module.startswith(w + ".")) and len(w) > best:
                best, found = len(w), i
    if found is None:
        raise AssertionError(f"{module} is in no wing of WINGS in tests/test_layering.py")
    return found


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
        elif m != module and wing(m) > wing(module):
            out.append(f"{module} imports {m}, which is in a higher wing (a back-edge)")
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
        wing(module)


def test_every_wing_is_a_folder_with_a_docstring():
    import ast as _ast

    for names in WINGS[1:-1]:
        for w in names:
            init = ROOT / pathlib.Path(*w.split(".")) / "__init__.py"
            if w == "jaxact.theory" and not init.exists():
                continue
            doc = _ast.get_docstring(_ast.parse(init.read_text(encoding="utf-8")))
            assert doc and "import" in doc, f"{init}: a docstring saying what it may import"


def test_experiments_use_no_private_library_names():
    for path in sorted((ROOT / "experiments").glob("*.py")):
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
        ("jaxact.nn.losses", "from jaxact.nn import mlp as _mlp\n", "back-edge"),
        ("jaxact.nn.mlp", "def f():\n    from jaxact.training import train\n", "back-edge"),
        ("jaxact.catalog.activations", "from jaxact.check import oracles\n", "higher wing"),
        ("jaxact.data.tasks", "import jaxact.nn.losses\n", "higher wing"),
        ("jaxact.nn.mlp", "import jaxact.training.sweep\n", "back-edge"),
        ("jaxact.nn.init", "from jaxact.nn.mlp import init_mlp\n", "back-edge"),
        ("jaxact.cli", "import experiments as e\n", "never imports the experiments"),
        ("jaxact.cli", "from experiments import names\n", "never imports the experiments"),
        ("jaxact.nn.diagnostics", "from jaxact.nn import mlp as m\nm._forward(1)\n", "private"),
        ("jaxact.nn.diagnostics", "from jaxact.nn.mlp import _Act\n", "private"),
        ("jaxact.training.sweep", "import jaxact.nn.mlp\njaxact.nn.mlp._forward(0)\n", "private"),
    ],
)
def test_the_check_catches_a_breach(module, source, expected):
    found = problems(module, source)
    assert any(expected in p for p in found), found


def test_the_check_accepts_what_is_allowed():
    ok = (
        "from jaxact import _validate\nfrom jaxact.catalog import activations as _acts\n"
        "_acts.get('relu')\n_validate.choice('a', 'b', ['b'])\n"
    )
    assert problems("jaxact.nn.mlp", ok) == []
