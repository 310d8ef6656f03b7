r"""Docstrings as terminal text: the LaTeX and reST subset of the catalog's docstrings.

``jaxact show`` prints an activation's docstring. Its math is written for Sphinx
(``.. math::`` blocks and ``:math:`` roles in LaTeX, ``:func:`` roles, ````code````);
:func:`render_doc` turns it into plain Unicode text that reads well in a terminal:
``x\,\Phi(x)`` becomes ``x Φ(x)``, ``e^{-x}`` becomes ``e⁻ˣ``, ``\frac{a}{b}`` becomes
``a/b``, a ``cases`` environment becomes ``{x if x > 0; 0 if x ≤ 0}``, and each
formula of a block separated by ``\qquad`` goes on a line of its own.

The subset is what the catalog uses. A command outside it is kept as it is written
(``\foo``), so that a test over every docstring finds it.
"""

from __future__ import annotations

import re

__all__ = ["render_doc", "render_math"]

_SYMBOLS = {
    # Greek
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ε",
    "varepsilon": "ε",
    "eta": "η",
    "theta": "θ",
    "kappa": "κ",
    "lambda": "λ",
    "mu": "μ",
    "nu": "ν",
    "pi": "π",
    "rho": "ρ",
    "sigma": "σ",
    "tau": "τ",
    "phi": "ϕ",
    "varphi": "φ",
    "psi": "ψ",
    "omega": "ω",
    "Gamma": "Γ",
    "Delta": "Δ",
    "Theta": "Θ",
    "Lambda": "Λ",
    "Sigma": "Σ",
    "Phi": "Φ",
    "Psi": "Ψ",
    "Omega": "Ω",
    # relations and operators
    "le": "≤",
    "leq": "≤",
    "ge": "≥",
    "geq": "≥",
    "ne": "≠",
    "neq": "≠",
    "approx": "≈",
    "in": "∈",
    "to": "→",
    "infty": "∞",
    "pm": "±",
    "times": "×",
    "cdot": "·",
    "odot": "⊙",
    "sum": "Σ",
    "prod": "Π",
    "langle": "⟨",
    "rangle": "⟩",
    "lVert": "‖",
    "rVert": "‖",
    "|": "‖",
    # spacing
    ",": " ",
    ";": " ",
    ":": " ",
    " ": " ",
    "!": "",
    "quad": "  ",
    # escaped characters
    "{": "{",
    "}": "}",
    "%": "%",
    "_": "_",
    "&": "&",
}
_FUNCTIONS = ("tanh", "sinh", "cosh", "log", "exp", "sin", "cos", "max", "min", "sup", "inf")
_DELIMITERS = ("left", "right", "bigl", "bigr", "Bigl", "Bigr", "big", "Big", "biggl", "biggr")
_BLACKBOARD = {"1": "𝟙", "R": "ℝ", "N": "ℕ", "Z": "ℤ", "E": "𝔼"}
_SUPER = dict(zip("0123456789+-=()nixT", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱˣᵀ", strict=True))
_SUB = dict(zip("0123456789+-=()aeijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", strict=True))
_BREAK = "\x00"  # a \qquad: the formulas on either side go on lines of their own
_FN = "\x01"  # after a function name: a space if a word follows, else nothing
_FRAC = "\x02"  # after a fraction: a space if a word or "(" follows, else nothing
_WORD = r"[\w√∂α-ωΑ-Ωϕ𝟙]"

_TOKEN = re.compile(r"\\[A-Za-z]+\*?|\\.|[{}^_&]|\s+|[^\\{}^_&\s]+", re.S)


class _Parser:
    """A recursive-descent reader of the LaTeX math subset."""

    def __init__(self, text: str) -> None:
        self.tokens = _TOKEN.findall(text)
        self.i = 0

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> str:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def skip_space(self) -> None:
        while (t := self.peek()) is not None and t.isspace():
            self.i += 1

    def argument(self) -> str:
        """A command's argument: a ``{group}``, a command, or one character."""
        self.skip_space()
        tok = self.peek()
        if tok is None:
            return ""
        if tok == "{":
            self.take()
            return self.until("}")
        if tok.startswith("\\"):
            self.take()
            return self.command(tok)
        # One character of a run such as "12" in \tfrac12; the rest stays for later.
        self.tokens[self.i] = tok[1:]
        if not self.tokens[self.i]:
            self.i += 1
        return tok[0]

    def until(self, end: str | None) -> str:
        """Render tokens up to ``end`` (consumed), or to the end of the text."""
        out: list[str] = []
        while (tok := self.peek()) is not None:
            if tok == end:
                self.take()
                break
            if end == "}" and tok.startswith("\\end"):
                break
            out.append(self.one())
        return "".join(out)

    def one(self) -> str:
        tok = self.take()
        if tok == "{":
            return self.until("}")
        if tok in ("^", "_"):
            return _script(self.argument(), tok)
        if tok.isspace():
            return " "
        if tok.startswith("\\"):
            return self.command(tok)
        return tok

    def command(self, tok: str) -> str:
        name = tok[1:]
        if name in _SYMBOLS:
            return _SYMBOLS[name]
        if name == "qquad":
            return _BREAK
        if name in _FUNCTIONS:
            return name + _FN
        if name in ("operatorname", "operatorname*"):
            return self.argument() + _FN
        if name in ("text", "mathrm", "mathit", "mathbf"):
            return self.argument()
        if name == "mathbb":
            arg = self.argument()
            return _BLACKBOARD.get(arg, arg)
        if name in ("frac", "tfrac", "dfrac"):
            num, den = self.argument(), self.argument()
            return f"{_atom(num)}/{_tight(den)}{_FRAC}"
        if name == "sqrt":
            return "√" + _tight(self.argument())
        if name == "partial":
            self.skip_space()
            return "∂"
        if name == "dot":
            return self.argument() + "\u0307"
        if name in _DELIMITERS:
            self.skip_space()
            d = self.take() if self.peek() is not None else ""
            return "" if d == "." else (self.command(d) if d.startswith("\\") else d)
        if name == "begin":
            return self.environment(self.argument())
        if name == "\\":
            return "; "
        return tok  # outside the subset: kept, so that it shows

    def environment(self, env: str) -> str:
        body = self._env_body()
        rows = [r.strip() for r in body.split("; ") if r.strip()]
        if env == "cases":
            cells = []
            for r in rows:
                value, _, cond = r.partition("&")
                cond = cond.strip()
                cells.append(f"{value.strip()} if {cond}" if cond else value.strip())
            return "{" + "; ".join(c.replace(" if otherwise", " otherwise") for c in cells) + "}"
        return "[" + "; ".join(r.replace("&", ",") for r in rows) + "]"

    def _env_body(self) -> str:
        out: list[str] = []
        while (tok := self.peek()) is not None:
            if tok == "\\end":
                self.take()
                self.argument()
                break
            if tok == "&":
                self.take()
                out.append("&")
                continue
            out.append(self.one())
        return "".join(out)


def _atom(s: str) -> str:
    """``s`` alone if it reads as one term (no space outside brackets), else ``(s)``."""
    s = s.strip().replace(_FRAC, "")
    depth = 0
    for c in s:
        depth += c in "([{⟨"
        depth -= c in ")]}⟩"
        if depth == 0 and c in " +-−,":
            return f"({s})"
    return s


def _tight(s: str) -> str:
    """``s`` alone if it is one token (a name, a number, ``|x|``, a bracketed group),
    else ``(s)``: for exponents, subscripts, roots and denominators."""
    s = s.strip().replace(_FRAC, "").replace(_FN, "")
    one = re.fullmatch(
        r"∂?[\w.′']+|\|[^|]+\||√[\w.]+|(?:\w+|√)?\([^()]*(\([^()]*\))*[^()]*\)[²³⁻ⁿ]*", s
    )
    return s if one else f"({s})"


def _script(arg: str, kind: str) -> str:
    """A superscript (``^``) or subscript (``_``) in Unicode where it has the characters."""
    table = _SUPER if kind == "^" else _SUB
    s = arg.strip()
    if s and all(c in table for c in s):
        return "".join(table[c] for c in s)
    return kind + _tight(s)


def render_math(tex: str) -> list[str]:
    """LaTeX math as lines of text: one line per formula (``\\qquad`` separates them).

    Args:
      tex: a LaTeX math expression (the body of a ``.. math::`` block or a role).

    Returns:
      The lines of text, stripped of surrounding spaces.

    Examples:
      >>> render_math(r"f(x) = x\\,\\Phi(x), \\qquad f'(x) = e^{-x}")
      ['f(x) = x Φ(x),', "f'(x) = e⁻ˣ"]
    """
    text = _Parser(tex).until(None)
    text = re.sub(_FN + r"(?=[_^⁰¹²³⁴⁵⁶⁷⁸⁹⁻ⁿ])", "", text)
    text = re.sub(_FN + r"(?=" + _WORD + ")", " ", text).replace(_FN, "")
    text = re.sub(_FRAC + r"(?=" + _WORD + r"|\()", " ", text).replace(_FRAC, "")
    text = re.sub(r"([⟨\[]) +| +([⟩\]])", r"\1\2", text)
    lines = [re.sub(r"\s+", " ", ln).strip() for ln in text.split(_BREAK)]
    return [ln for ln in lines if ln]


def _inline(text: str) -> str:
    """reST roles and literals of one line of prose as plain text."""
    text = re.sub(r":math:`([^`]*)`", lambda m: " ".join(render_math(m.group(1))), text)
    text = re.sub(r":(?:func|class|meth|mod|data|attr|obj):`~?([^`]*)`", r"\1", text)
    return re.sub(r"``([^`]*)``", r"`\1`", text)


def render_doc(doc: str) -> str:
    """A docstring's text (reST with LaTeX math) as plain text for a terminal.

    ``.. math::`` blocks become indented lines, one formula a line; ``:math:`` roles
    are rendered in place; ``:func:`name``` becomes ``name``; ````code```` becomes
    ```code```.

    Args:
      doc: the text, already dedented.

    Returns:
      The text, with math blocks indented by two spaces.

    Examples:
      >>> print(render_doc(".. math:: f(x) = \\\\max(x, 0)\\n\\nSee :func:`relu6`."))
        f(x) = max(x, 0)
      <BLANKLINE>
      See relu6.
    """
    out: list[str] = []
    lines = doc.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        head = line.strip()
        if head.startswith(".. math::"):
            indent = len(line) - len(line.lstrip())
            block = [head.removeprefix(".. math::")]
            i += 1
            while i < len(lines) and (
                not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent
            ):
                if not lines[i].strip() and (
                    i + 1 >= len(lines) or len(lines[i + 1]) - len(lines[i + 1].lstrip()) <= indent
                ):
                    break
                block.append(lines[i])
                i += 1
            out += [" " * indent + "  " + ln for ln in render_math("\n".join(block))]
            continue
        out.append(_inline(line))
        i += 1
    return "\n".join(out)
