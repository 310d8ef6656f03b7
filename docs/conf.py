"""Sphinx configuration of the jaxact documentation site (``make docs``).

The pages under ``activations/``, ``api/`` and ``experiments/`` are generated from the
library by ``generate.py`` when the build starts. Math is converted to MathML at build
time (``_ext/mathml.py``): the site loads nothing from another host.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent
sys.path[:0] = [str(DOCS.parent), str(DOCS), str(DOCS / "_ext")]

import generate  # noqa: E402

import jaxact  # noqa: E402

project = "jaxact"
author = "the jaxact authors"
copyright = "the jaxact authors, Apache-2.0"
release = version = jaxact.__version__

extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "mathml", "plaintext"]
html_math_renderer = "mathml"
html_theme = "furo"
html_title = f"jaxact {release}"
html_static_path = ["_static"]
html_css_files = ["jaxact.css"]
html_copy_source = False
html_show_sourcelink = False
html_permalinks_icon = "#"
exclude_patterns = ["_build", "README.md"]
templates_path: list[str] = []

autodoc_typehints = "signature"
autodoc_type_aliases = {"ArrayLike": "ArrayLike", "DTypeLike": "DTypeLike"}
autodoc_member_order = "bysource"
autodoc_preserve_defaults = True
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
napoleon_attr_annotations = True
default_role = "code"

# Strict (-n): a broken reference to jaxact fails the build. Names of other packages in
# type hints resolve to no page here (the site makes no request to their sites).
nitpicky = True
nitpick_ignore_regex = [
    (
        r"py:.*",
        r"(jax|jaxlib|jnp|numpy|np|optax|chex|matplotlib|collections|typing|pathlib|os|"
        r"enum|argparse|types|concurrent|contextlib|numbers|mpmath|scipy|dataclasses)(\..*)?",
    ),
    (r"py:.*", r"(Array|ArrayLike|DTypeLike|PyTree|Path|Callable|Sequence|Mapping|Any)"),
    (r"py:class", r"TypeAliasForwardRef"),  # how Sphinx marks an alias kept by name
    (r"py:.*", r"(int|float|str|bool|None|tuple|list|dict|object|type|bytes|complex)"),
    (r"py:exc", r"[A-Za-z]*Error( / [A-Za-z]*Error)*|KeyboardInterrupt"),
]


def _lookup(path: str) -> Any:
    """The object at a dotted path (a module, then attributes), or ``None``."""
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr, None)
        return obj
    return None


def _resolve_reexport(app: Any, env: Any, node: Any, contnode: Any) -> Any:
    """Resolve a reference to a name of jaxact that is documented under another path.

    ``jaxact.fit`` (re-exported) and ``Card`` written inside another module resolve to
    the page of the module that defines them. A name that exists in the package but is
    not public (a type alias in a signature) is shown as text without a link. Anything
    else stays unresolved, and the strict build fails on it.
    """
    target = node.get("reftarget", "")
    if node.get("refdomain") != "py":
        return None
    module = node.get("py:module")
    path = target if target.startswith("jaxact.") else f"{module}.{target}" if module else ""
    obj = _lookup(path) if path.startswith("jaxact.") else None
    home_module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if obj is None or not home_module or not home_module.startswith("jaxact") or not qualname:
        return None
    domain = env.get_domain("py")
    found = domain.resolve_xref(
        env,
        node["refdoc"],
        app.builder,
        node["reftype"],
        f"{home_module}.{qualname}",
        node,
        contnode,
    )
    if found is not None:
        return found
    public = getattr(importlib.import_module(home_module), "__all__", ())
    return contnode if qualname.split(".")[0] not in public else None


def setup(app: Any) -> None:
    only = os.environ.get("JAXACT_DOCS_ACTIVATIONS")
    generate.generate(activations=only.split(",") if only else None)
    app.connect("missing-reference", _resolve_reexport)
