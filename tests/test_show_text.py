"""`jaxact show` prints docstrings as terminal text: LaTeX math in Unicode, reST resolved."""

from __future__ import annotations

import re

import pytest

import jaxact as ja
from jaxact import _texmath
from jaxact.cli import main

_LEFTOVER = re.compile(r"\\[A-Za-z]+|\\[,;!{}|]|:[a-z]+:`|``|\.\. math::")


def _show(name, capsys):
    assert main(["show", name]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("name", ja.names())
def test_show_leaves_no_latex_or_rest_markup(name, capsys):
    text = _show(name, capsys)
    assert not _LEFTOVER.findall(text), (name, _LEFTOVER.findall(text))


def test_the_docstrings_do_use_the_markup_the_renderer_removes():
    # Negative control for the test above: the raw docstrings are full of it.
    raw = [n for n in ja.names() if _LEFTOVER.search(ja.get(n).fn.__doc__ or "")]
    assert len(raw) >= len(ja.names()) - 2


def test_a_command_outside_the_subset_stays_visible():
    # So the test over every docstring catches a docstring that uses something new.
    assert _LEFTOVER.search(" ".join(_texmath.render_math(r"f(x) = \mathfrak{x} + \foo")))


def test_gelu_reads_as_math(capsys):
    text = _show("gelu", capsys)
    assert "f(x) = x Φ(x) = x/2 erfc(-x/√2)," in text
    assert "f''(x) = (2 - x²) φ(x)" in text
    assert "(the gelu_tanh entry of the catalog)" in " ".join(text.split())


@pytest.mark.parametrize(
    ("tex", "lines"),
    [
        (r"\sigma(x) = \frac{1}{1 + e^{-x}}", ["σ(x) = 1/(1 + e⁻ˣ)"]),
        (
            r"f = \begin{cases} x & x > 0 \\ 0 & \text{otherwise} \end{cases}",
            ["f = {x if x > 0; 0 otherwise}"],
        ),
        (r"a, \qquad b", ["a,", "b"]),
        (r"\frac{\partial f}{\partial \alpha} = e^{x/\alpha}", ["∂f/∂α = e^(x/α)"]),
        (r"\tfrac12 \min(x, 0)", ["1/2 min(x, 0)"]),
        (r"\sqrt{x^2 + b}, \sqrt2", ["√(x² + b), √2"]),
        (r"s_i = \sum_j x_j", ["sᵢ = Σⱼ xⱼ"]),
        (r"\langle s, v \rangle \odot \|q\|^2", ["⟨s, v⟩ ⊙ ‖q‖²"]),
        (r"\tanh^2 x = \operatorname{sech}^2 x", ["tanh² x = sech² x"]),
    ],
)
def test_render_math(tex, lines):
    assert _texmath.render_math(tex) == lines


def test_render_doc_resolves_roles_and_literals():
    doc = "See :func:`~jaxact.gelu_tanh` and ``approximate=True``; :math:`\\alpha x`."
    assert _texmath.render_doc(doc) == "See jaxact.gelu_tanh and `approximate=True`; α x."
