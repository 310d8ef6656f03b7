"""The public catalog as a type checker and an IDE see it, and Keras-style ``get``."""

from __future__ import annotations

import ast
import inspect
import shutil
import subprocess
import sys
from pathlib import Path

import jax.numpy as jnp
import pytest

import jaxact as ja
from jaxact.catalog import activations

ROOT = Path(__file__).resolve().parent.parent


def test_get_none_is_the_identity_record():
    assert ja.get(None) is ja.get("identity")
    assert ja.get(None).fn(jnp.asarray(2.5)) == 2.5


def test_get_catalog_function_gives_its_record():
    assert ja.get(ja.relu) is ja.get("relu")
    assert ja.get(ja.swish) is ja.get("silu")
    assert ja.get(ja.gelu) is ja.get("gelu")


def test_get_other_callable_is_passed_through_unwrapped():
    def f(x):
        return x * x

    assert ja.get(f) is f
    assert ja.get(jnp.tanh) is jnp.tanh


def test_get_rejects_other_types():
    for bad in (3, 2.5, [1], {"a": 1}):
        with pytest.raises(TypeError, match="expected a name \\(str\\), an Activation, a callable"):
            ja.get(bad)


def test_catalog_exported_statically():
    # jaxact/__init__.py names every catalog function and alias in an import statement
    tree = ast.parse((ROOT / "jaxact" / "__init__.py").read_text())
    imported = {
        a.asname or a.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "jaxact.catalog.activations"
        for a in node.names
    }
    assert {*ja.names(), *ja.aliases()} <= imported
    # and jaxact.catalog.activations lists them in an explicit __all__
    assert {*ja.names(), *ja.aliases()} <= set(activations.__all__)
    assert (ROOT / "jaxact" / "py.typed").exists()


def test_static_catalog_lists_are_the_catalog():
    """The static name lists (for type checkers) hold the catalog's names and nothing else.

    They are checked against the registry, not edited by hand to match it: a name in
    the registry but not in a list, or in a list but not in the registry, fails here.
    """
    tree = ast.parse((ROOT / "jaxact" / "__init__.py").read_text())
    imported = {
        a.asname or a.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "jaxact.catalog.activations"
        for a in node.names
    }
    machinery = {"Activation", "Card", "Kink", "UlpBudget", "aliases", "get", "names"}
    catalog = {*ja.names(), *ja.aliases()}
    assert imported - machinery == catalog
    assert set(activations.__all__) - machinery == catalog


@pytest.mark.parametrize("name", ja.names())
def test_typed_signature(name):
    sig = inspect.signature(getattr(ja, name))
    assert next(iter(sig.parameters)) == "x"
    assert sig.parameters["x"].annotation in ("ArrayLike", "jax.typing.ArrayLike")
    assert sig.return_annotation == "Array"


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("mypy") is None and not Path(sys.prefix, "bin", "mypy").exists(),
    reason="mypy is not installed (dev extra)",
)
def test_type_checker_sees_the_api_and_catches_misuse(tmp_path):
    mypy = [
        sys.executable,
        "-m",
        "mypy",
        "--cache-dir",  # the second run reads what the first found in jax and numpy
        str(tmp_path / "mypy-cache"),
        "--config-file",
        str(ROOT / "pyproject.toml"),
    ]
    ok = subprocess.run(
        [*mypy, str(ROOT / "tests" / "typecheck_public_api.py")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert ok.returncode == 0, ok.stdout
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import jaxact as ja\nimport jax.numpy as jnp\n"
        "z: str = ja.relu(jnp.ones(3))\nja.not_there(1)\nja.prelu(jnp.ones(3), slope=2)\n"
    )
    res = subprocess.run([*mypy, str(bad)], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 1
    for what in ('has type "Array"', 'no attribute "not_there"', 'keyword argument "slope"'):
        assert what in res.stdout, res.stdout
