"""Every README snippet runs as written, and every README command is valid.

The checks are those of ``ci/readme_check.py`` (which ``make install-check`` also runs
against a ``pip install .`` outside the checkout); here they run against the checkout.
"""

from __future__ import annotations

import importlib.util
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")

_spec = importlib.util.spec_from_file_location("readme_check", ROOT / "ci" / "readme_check.py")
rc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(rc)


@pytest.mark.parametrize("i", range(len(rc.blocks(README, "python"))))
def test_python_snippet_runs_on_its_own(i, tmp_path):
    ok, why = rc.check_python(rc.blocks(README, "python")[i], tmp_path)
    assert ok, why


@pytest.mark.parametrize("line", rc.commands(README))
def test_command(line, tmp_path):
    ok, why = rc.check_command(line, tmp_path, ROOT / "Makefile")
    assert ok, why


def test_the_readme_has_snippets_and_the_commands_of_the_issue():
    assert len(rc.blocks(README, "python")) >= 2
    lines = rc.commands(README)
    for needed in ("jaxact list", "jaxact check relu gelu", "jaxact experiments --quick"):
        assert needed in lines


def test_negative_controls_fail(tmp_path):
    # The failure the check exists for: a snippet that leans on an earlier one.
    ok, why = rc.check_python("import jaxact as ja\nja.fit(jax.random.key(0))\n", tmp_path)
    assert not ok and "NameError" in why
    assert not rc.check_command("jaxact sweep --task iris --nope", tmp_path, None)[0]
    assert not rc.check_command("jaxact shw gelu", tmp_path, None)[0]
    assert not rc.check_command("make no-such-target", tmp_path, ROOT / "Makefile")[0]
    assert not rc.check_command("python -m jaxact.no_such_module", tmp_path, None)[0]


def test_blocks_and_commands_parse_fences_and_continuations():
    text = "```bash\njaxact a \\\n   --b 1   # note\n# only a comment\n```\n```python\nx = 1\n```\n"
    assert rc.commands(text) == ["jaxact a --b 1"]
    assert rc.blocks(text, "python") == ["x = 1\n"]
