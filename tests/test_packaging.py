"""Packaging metadata: supported Pythons, license, one version, py.typed, core dependencies.

``make install-check`` (ci/install_check.sh) checks the same things on a real
``pip install .`` outside the checkout; these are the quick static checks.
"""

from __future__ import annotations

import importlib.metadata
import pathlib
import subprocess
import sys
import tomllib

import jaxact

ROOT = pathlib.Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]


def test_supported_pythons_are_declared():
    assert PROJECT["requires-python"] == ">=3.11"
    versions = {c.rsplit(" :: ", 1)[1] for c in PROJECT["classifiers"] if "Python :: 3." in c}
    assert versions == {"3.11", "3.12", "3.13"}


def test_license_file_matches_the_declared_license():
    assert PROJECT["license"] == "Apache-2.0" and PROJECT["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text and len(text) > 10_000  # the full text


def test_one_source_for_the_version():
    assert "version" not in PROJECT and "version" in PROJECT["dynamic"]
    attr = PYPROJECT["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert attr == "jaxact._version.__version__"
    from jaxact import _version

    assert jaxact.__version__ == _version.__version__
    assert importlib.metadata.version("jaxact") == jaxact.__version__
    out = subprocess.run(
        [sys.executable, "-m", "jaxact", "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == f"jaxact {jaxact.__version__}"


def test_py_typed_ships():
    assert "py.typed" in PYPROJECT["tool"]["setuptools"]["package-data"]["jaxact"]
    assert (ROOT / "jaxact" / "py.typed").exists()


def test_the_checker_needs_nothing_beyond_the_core_install():
    core = " ".join(PROJECT["dependencies"])
    assert "mpmath" in core
    extras = PROJECT["optional-dependencies"]
    assert not any("mpmath" in d for d in extras["test"])  # one place for the pin


def test_the_wheel_claims_no_generic_top_level_name():
    packages = PYPROJECT["tool"]["setuptools"]["packages"]
    assert all(p == "jaxact" or p.startswith("jaxact.") for p in packages)


def test_every_package_folder_is_in_the_wheel():
    packages = set(PYPROJECT["tool"]["setuptools"]["packages"])
    folders = {
        ".".join(f.parent.relative_to(ROOT).parts) for f in (ROOT / "jaxact").rglob("__init__.py")
    }
    assert folders == packages, folders ^ packages
