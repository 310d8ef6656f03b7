"""The documentation site: its generator, math, examples, link checker, and a built page
opened in a headless browser.

``make docs`` (run by ``.ci/run`` before the tests) builds the whole site strictly. Here
the parts are tested on a few activations; the browser test reuses that build when it
is newer than the sources, else builds a site with two activation pages into a
temporary folder.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import pytest

pytest.importorskip("sphinx", reason="the docs extra (pip install '.[docs]') is not installed")
pytest.importorskip("latex2mathml", reason="the docs extra is not installed")

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
sys.path[:0] = [str(DOCS), str(DOCS / "_ext")]

import check_links  # noqa: E402
import generate  # noqa: E402
import mathml  # noqa: E402
import plaintext  # noqa: E402

import jaxact as ja  # noqa: E402

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None
)
BROWSER_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# --------------------------------------------------------------------------------------
# Math: LaTeX to MathML at build time
# --------------------------------------------------------------------------------------


def test_the_docstring_formulas_become_mathml():
    out = mathml.to_mathml(
        r"f(x) = \frac{x}{2}\operatorname{erfc}\!\left(-\frac{x}{\sqrt2}\right)", display=True
    )
    assert out.startswith("<math") and 'display="block"' in out
    assert "<mfrac>" in out and "<msqrt>" in out and "erfc" in out
    assert "\\" not in out and "negativethinmathspace" not in out
    cases = mathml.to_mathml(r"\begin{cases} x & x > 0 \\ 0 & x \le 0 \end{cases}", display=False)
    assert "<mtable>" in cases
    assert "arg" in mathml.to_mathml(r"\arg\max_j z_j", display=False)


def test_an_unknown_command_is_an_error_not_raw_markup():
    with pytest.raises(ValueError, match=r"\\foo"):
        mathml.to_mathml(r"x + \foo{y}", display=False)


# --------------------------------------------------------------------------------------
# Docstring prose: | and ** as text
# --------------------------------------------------------------------------------------


def test_prose_bars_and_splats_are_escaped_and_markup_is_kept():
    assert plaintext.escape_prose("for |x| > 6") == r"for \|x\| > 6"
    assert plaintext.escape_prose("f′(x, **params) by hand") == r"f′(x, \*\*params) by hand"
    kept = "the **ulp audit** and ``|x|`` and :math:`|f'| \\le 1`"
    assert plaintext.escape_prose(kept) == kept
    lines = [
        "Where |x| is large:",
        "",
        ".. math::",
        "  |f(x)| \\le 1",
        "",
        ">>> abs(-1) | 2",
        "3",
        "",
        "and |y| again.",
    ]
    out = plaintext.escape_docstring(lines)
    assert out[0] == r"Where \|x\| is large:"
    assert out[3] == lines[3] and out[5] == lines[5]
    assert out[8] == r"and \|y\| again."


# --------------------------------------------------------------------------------------
# The activation pages' examples: run at build time, checked here too
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["relu6", "leaky_relu", "gelu", "softmax"])
def test_the_example_of_an_activation_page_runs(name):
    text = generate.example(ja.get(name))  # raises if its doctest fails
    assert f"ja.{name}(x)" in text and "True" in text
    generate.check_example(text, name)


def test_a_wrong_example_output_fails_the_check():
    text = generate.example(ja.get("relu"))
    wrong = text.replace("True", "False")
    with pytest.raises(RuntimeError, match="fails as a doctest"):
        generate.check_example(wrong, "relu")


def test_an_activation_page_has_every_part():
    rec = ja.get("leaky_relu")
    rows = [generate.ulp_audit.UlpRow("leaky_relu", "f", "float64", 10, 0.5, -48.0, 0.0, 0.0, 4.0)]
    page = generate.activation_page(rec, rows)
    for part in (
        ".. autofunction:: jaxact.catalog.activations.leaky_relu",
        ".. figure:: leaky_relu.png",
        "Card",
        "Kinks",
        "Measured accuracy",
        "``jax.nn.leaky_relu``",
        "``torch.nn.functional.leaky_relu``",
        "``keras.activations.leaky_relu``",
        ">>> ja.leaky_relu(x, negative_slope=0.02)",
    ):
        assert part in page, part
    assert rec.notes.split(";")[0] in page


def test_every_activation_is_on_the_index_and_new_ones_too():
    names = ja.names()
    assert {generate.family_of(n) for n in names} <= set(generate.FAMILIES)
    assert generate.family_of("a_new_activation") == "Other"
    index = generate.activations_index(names[:3])
    assert all(f":doc:`{n}`" in index for n in names[:3])


def test_the_api_reference_walks_every_public_module():
    modules = generate.public_modules()
    for m in ("jaxact.catalog.activations", "jaxact.check.ulp_audit", "jaxact.nn.mlp"):
        assert m in modules
    assert not any(part.startswith("_") for m in modules for part in m.split("."))
    page = generate.api_page("jaxact.training.fit", set())
    assert ".. autofunction:: jaxact.training.fit.fit" in page


# --------------------------------------------------------------------------------------
# The guide's examples
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", sorted(p.name for p in (DOCS / "guide").glob("*.rst")))
def test_the_guide_examples_run(page):
    assert generate.check_page(DOCS / "guide" / page) > 0


def test_a_failing_guide_example_fails(tmp_path):
    page = tmp_path / "page.rst"
    page.write_text("Text.\n\n>>> 1 + 1\n3\n")
    with pytest.raises(RuntimeError, match=r"page\.rst"):
        generate.check_page(page)


# --------------------------------------------------------------------------------------
# The link checker, with negative controls
# --------------------------------------------------------------------------------------


def _site(tmp: pathlib.Path, body: str) -> pathlib.Path:
    (tmp / "sub").mkdir(parents=True)
    (tmp / "index.html").write_text(f"<html><body>{body}</body></html>")
    (tmp / "sub" / "page.html").write_text('<html><body><h1 id="top">p</h1></body></html>')
    return tmp


def test_the_link_checker_passes_a_good_site(tmp_path):
    site = _site(tmp_path, '<a href="sub/page.html#top">p</a><a href="https://x.org">x</a>')
    assert check_links.check_site(site) == []


@pytest.mark.parametrize(
    "body, problem",
    [
        ('<a href="sub/missing.html">m</a>', "no file"),
        ('<a href="sub/page.html#nowhere">m</a>', "no anchor"),
        ('<script src="https://cdn.example.org/mathjax.js"></script>', "another host"),
        ('<link rel="stylesheet" href="//fonts.example.org/f.css">', "another host"),
    ],
)
def test_the_link_checker_catches(tmp_path, body, problem):
    problems = check_links.check_site(_site(tmp_path, body))
    assert len(problems) == 1 and problem in problems[0]


# --------------------------------------------------------------------------------------
# A built page in a real browser
# --------------------------------------------------------------------------------------


def _newest_source() -> float:
    files = [p for p in DOCS.rglob("*") if p.is_file() and "_build" not in p.parts]
    files += list((ROOT / "jaxact").rglob("*.py"))
    return max(p.stat().st_mtime for p in files if p.parts[-2:-1] != ("activations",))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The built site: ``make docs``'s if it is newer than the sources, else a small one."""
    built = DOCS / "_build" / "html"
    page = built / "activations" / "gelu.html"
    if page.exists() and page.stat().st_mtime > _newest_source():
        return built
    tmp = tmp_path_factory.mktemp("docs")
    src = tmp / "docs"
    ignore = shutil.ignore_patterns("_build", "activations", "api", "experiments")
    shutil.copytree(DOCS, src, ignore=ignore)
    env = dict(os.environ, PYTHONPATH=str(ROOT), JAXACT_DOCS_ACTIVATIONS="gelu,gelu_tanh")
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-n", "-q"]
    run = subprocess.run(
        [*cmd, str(src), str(tmp / "html")], env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return tmp / "html"


def _browser(*args: str) -> subprocess.CompletedProcess:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium): no browser test")
    with tempfile.TemporaryDirectory() as profile:
        cmd = [CHROMIUM, *BROWSER_FLAGS, f"--user-data-dir={profile}", *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def _figure_pixels(png: pathlib.Path) -> int:
    """How many pixels have matplotlib's first two line colours (C0 blue, C1 orange)."""
    import matplotlib.image
    import numpy as np

    rgb = (matplotlib.image.imread(png)[..., :3] * 255).astype(int)
    blue = np.abs(rgb - [31, 119, 180]).sum(-1) < 30
    orange = np.abs(rgb - [255, 127, 14]).sum(-1) < 30
    return int(min(blue.sum(), orange.sum()))


@pytest.mark.slow
def test_an_activation_page_renders_in_a_browser(site, tmp_path):
    page = site / "activations" / "gelu.html"
    dom = _browser("--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    # The formula: MathML elements, no LaTeX left as text.
    assert html.count("<math") >= 1 and "<mfrac>" in html and "<msqrt>" in html
    assert "\\frac" not in html and "\\Phi" not in html
    # The navigation: the catalog, the guide and the reference in the sidebar.
    for link in ("gelu_tanh.html", "../guide/getting_started.html", "../api/index.html"):
        assert f'href="{link}"' in html, link
    assert '<img alt="gelu and its derivative" src="../_images/gelu.png"' in html
    # The figure, drawn: its line colours are on the screenshot of the page.
    shot = tmp_path / "gelu.png"
    _browser("--window-size=1200,2400", f"--screenshot={shot}", page.as_uri())
    assert _figure_pixels(shot) > 100  # 188 measured at this window size
    # Negative control: a page without a figure shows none of those colours.
    guide = tmp_path / "guide.png"
    _browser("--window-size=1200,2400", f"--screenshot={guide}", (site / "index.html").as_uri())
    assert _figure_pixels(guide) < 20


# --------------------------------------------------------------------------------------
# The experiment pages: the figure of the last report, or where it comes from
# --------------------------------------------------------------------------------------


def test_an_experiment_page_says_where_its_figure_comes_from(tmp_path):
    import experiments

    mod = experiments.load("xor_logistic")
    results, folder = tmp_path / "results", tmp_path / "page"
    results.mkdir()
    folder.mkdir()
    page = generate.experiment_page("xor_logistic", mod, results, folder)
    assert "**Claim.**" in page and "**Pass criterion.**" in page
    assert "No report is present" in page and "make run" in page
    (results / "REPORT.md").write_text("# report\n")
    (results / "xor_logistic.png").write_bytes(b"\x89PNG")
    page = generate.experiment_page("xor_logistic", mod, results, folder)
    assert ".. image:: xor_logistic.png" in page and "last report" in page
    assert (folder / "xor_logistic.png").exists()
