r"""Docstrings read as they are written: ``|x|`` and ``f(x, **params)`` are text.

The docstrings serve two readers: ``jaxact show`` prints them in a terminal, and this
site renders them as reST. In prose they write an absolute value as ``|x|`` and keyword
arguments as ``**params``, which reST would take for a substitution reference and the
start of bold text. This extension escapes those two characters in prose before
napoleon and autodoc read a docstring; inline literals, roles, math and code blocks are
left as they are. Any other markup error still fails the strict build.
"""

from __future__ import annotations

import re
from typing import Any

from sphinx.application import Sphinx

# Inline literals, roles with their content, and interpreted text: left untouched.
_PROTECTED = re.compile(r"``.+?``|:[\w:+-]+:`[^`]*`|`[^`]*`")
# ``**name`` written as a keyword-argument splat (followed by ``)`` or ``,``).
_SPLAT = re.compile(r"(?<=[(,\s])\*\*(?=[A-Za-z_]\w*\s*[),])")
# A line that opens an indented block whose content is not reST prose.
_BLOCK = re.compile(r"^\s*(\.\. (math|code-block|code|highlight)::.*|.*::\s*)$")


def escape_prose(text: str) -> str:
    """``text`` with ``|`` and splat ``**`` escaped outside literals and roles."""
    out, last = [], 0
    for m in _PROTECTED.finditer(text):
        out.append(_escape(text[last : m.start()]))
        out.append(m.group(0))
        last = m.end()
    out.append(_escape(text[last:]))
    return "".join(out)


def _escape(part: str) -> str:
    return _SPLAT.sub(r"\\*\\*", part.replace("|", r"\|"))


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def escape_docstring(lines: list[str]) -> list[str]:
    """The lines of a docstring with prose escaped; math, code and doctest blocks kept."""
    out: list[str] = []
    block_indent: int | None = None  # inside a literal/math block opened at this indent
    doctest = False
    for line in lines:
        stripped = line.strip()
        if block_indent is not None:
            if not stripped or _indent(line) > block_indent:
                out.append(line)
                continue
            block_indent = None
        if stripped.startswith(">>>"):
            doctest = True
        elif not stripped:
            doctest = False
        if doctest:
            out.append(line)
            continue
        if _BLOCK.match(line):
            block_indent = _indent(line)
            # A paragraph ending in "::" is prose itself; only the block after it is code.
            out.append(line if stripped.startswith("..") else escape_prose(line))
            continue
        out.append(escape_prose(line))
    return out


def _process(app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    lines[:] = escape_docstring(lines)


def setup(app: Sphinx) -> dict[str, Any]:
    # Before napoleon (priority 500), which reads the Google-style sections.
    app.connect("autodoc-process-docstring", _process, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
