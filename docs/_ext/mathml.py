r"""Math rendered at build time: LaTeX to MathML with latex2mathml.

The pages need no script and no font from another host: every ``:math:`` role and
``.. math::`` block becomes a ``<math>`` element, which browsers render natively
(MathML Core). A formula that latex2mathml cannot convert, or that keeps a LaTeX command
it does not know (it would show as ``\foo`` on the page), is a warning, and the strict
build (``-W``) fails on it.
"""

from __future__ import annotations

import html
import re
from typing import Any

import latex2mathml.converter
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

# latex2mathml writes a named space for ``\!`` that MathML Core does not know.
_NAMED_SPACES = {
    "negativethinmathspace": "0em",
    "negativemediummathspace": "0em",
    "negativethickmathspace": "0em",
}
# Operator names that latex2mathml does not know, written as it does know them.
_OPERATORS = {r"\arg": r"\operatorname{arg}"}
_UNKNOWN = re.compile(r"<m[io]>(\\[A-Za-z]+)</m[io]>")


def to_mathml(latex: str, *, display: bool) -> str:
    """The MathML of ``latex``; raises ``ValueError`` naming a command it cannot render.

    Args:
      latex: a formula in the LaTeX subset of the docstrings.
      display: ``True`` for a block (``display="block"``), ``False`` inline.

    Returns:
      A ``<math>`` element as a string.
    """
    for command, known in _OPERATORS.items():
        latex = re.sub(re.escape(command) + r"(?![A-Za-z])", lambda _, k=known: k, latex)
    try:
        out = latex2mathml.converter.convert(latex, display="block" if display else "inline")
    except Exception as e:  # latex2mathml raises its own exception types
        raise ValueError(f"cannot convert {latex!r} to MathML: {e}") from None
    unknown = _UNKNOWN.search(out)
    if unknown:
        raise ValueError(f"unknown LaTeX command {unknown.group(1)} in {latex!r}")
    for name, width in _NAMED_SPACES.items():
        out = out.replace(f'width="{name}"', f'width="{width}"')
    return out


def _render(node: nodes.Node, latex: str, display: bool) -> str:
    try:
        return to_mathml(latex, display=display)
    except ValueError as e:
        logger.warning("math: %s", e, location=node)
        return f"<code>{html.escape(latex)}</code>"


def visit_math(self: Any, node: nodes.Node) -> None:
    self.body.append(f'<span class="math">{_render(node, node.astext(), False)}</span>')
    raise nodes.SkipNode


def visit_displaymath(self: Any, node: nodes.Node) -> None:
    latex = node.astext()
    self.body.append(self.starttag(node, "div", CLASS="math"))
    if node.get("number"):
        self.body.append(f'<span class="eqno">({node["number"]})</span>')
    # Sphinx's convention: formulas separated by a blank line are separate equations.
    for part in re.split(r"\n\s*\n", latex.strip()):
        self.body.append(_render(node, part, True))
    self.body.append("</div>\n")
    raise nodes.SkipNode


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_html_math_renderer("mathml", (visit_math, None), (visit_displaymath, None))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
