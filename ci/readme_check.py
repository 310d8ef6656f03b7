"""Run what the README shows: every ```python block, and the commands of the ```bash blocks.

Usage::

    python ci/readme_check.py README.md [--cwd DIR] [--installed]

Each python block runs on its own in a fresh interpreter (``sys.executable``), in
``DIR`` (default: a new temporary folder), as a reader would paste it. Each command
line of a bash block is checked: ``jaxact ...`` lines are parsed by the command's own
argument parser, and the quick ones (listed in ``RUN``) are run and must exit 0;
``python -m MODULE`` lines need an importable module (the quick ones are run);
``make TARGET`` lines need the target in the Makefile next to the README (skipped with
``--installed``, where there is no checkout); ``pip install`` lines are what the install
check itself does. Prints one line per check and exits 1 if any fails.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import pathlib
import re
import shlex
import subprocess
import sys
import tempfile
import time

RUN = {
    "jaxact list",
    "jaxact show gelu --plot gelu.png",
    "jaxact check relu gelu",
    "jaxact --version",
    "python -m jaxact.check gelu mish",
}
"""The README commands quick enough to run (seconds); the others are parsed."""

TIMEOUT = 600


def blocks(text: str, lang: str) -> list[str]:
    """The bodies of the fenced blocks of ``lang``, in order."""
    return re.findall(rf"^```{lang}\n(.*?)^```", text, flags=re.S | re.M)


def commands(text: str) -> list[str]:
    """The command lines of the bash blocks: continuations joined, comments dropped."""
    out = []
    for block in blocks(text, "bash"):
        for line in block.replace("\\\n", " ").splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            if line and not line.startswith("#"):
                out.append(" ".join(line.split()))
    return out


def _run(argv: list[str], cwd: pathlib.Path) -> tuple[bool, str]:
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return False, f"timed out after {TIMEOUT} s"
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
    took = f"{time.perf_counter() - t0:.1f} s"
    return proc.returncode == 0, took if proc.returncode == 0 else f"exit {proc.returncode}: {tail}"


def check_python(code: str, cwd: pathlib.Path) -> tuple[bool, str]:
    """Run one python block alone in a fresh interpreter."""
    return _run([sys.executable, "-c", code], cwd)


def check_command(line: str, cwd: pathlib.Path, makefile: pathlib.Path | None) -> tuple[bool, str]:
    """Check one command line of the README (see the module docstring)."""
    argv = shlex.split(line)
    if argv[0] == "make":
        if makefile is None:
            return True, "skipped (no checkout)"
        text = makefile.read_text()
        missing = [t for t in argv[1:] if not re.search(rf"^{re.escape(t)}\s*:", text, re.M)]
        return not missing, f"missing targets {missing}" if missing else "target exists"
    if argv[:2] == ["pip", "install"]:
        return True, "skipped (what the install check does)"
    if argv[0] == "jaxact":
        from jaxact import cli

        try:
            with contextlib.redirect_stdout(io.StringIO()):  # --version prints
                cli.parser().parse_args(argv[1:])
        except SystemExit as e:
            if e.code != 0:
                return False, f"the parser refuses it (exit {e.code})"
        if line in RUN:
            return _run([sys.executable, "-m", "jaxact", *argv[1:]], cwd)
        return True, "parsed"
    if argv[:2] == ["python", "-m"]:
        if argv[2] == "experiments":  # the checkout's top-level folder, not installed
            if makefile is None:
                return True, "skipped (no checkout)"
            found = (makefile.parent / "experiments" / "__main__.py").is_file()
            return found, "module found" if found else "no experiments/ in the checkout"
        if importlib.util.find_spec(argv[2]) is None:
            return False, f"no module {argv[2]}"
        if line in RUN:
            return _run([sys.executable, *argv[1:]], cwd)
        return True, "module found"
    return False, "not a command this check knows"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("readme", type=pathlib.Path)
    p.add_argument("--cwd", type=pathlib.Path, help="where to run (default: a temp folder)")
    p.add_argument("--installed", action="store_true", help="no checkout: skip make targets")
    args = p.parse_args(argv)
    text = args.readme.read_text(encoding="utf-8")
    makefile = None if args.installed else args.readme.parent / "Makefile"
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        cwd = args.cwd or pathlib.Path(tmp)
        checks = [
            (f"python block {i + 1}", check_python, b) for i, b in enumerate(blocks(text, "python"))
        ]
        for label, fn, arg in checks:
            ok, why = fn(arg, cwd)
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {label}: {why}", flush=True)
        for line in commands(text):
            ok, why = check_command(line, cwd, makefile)
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {line}: {why}", flush=True)
    print(f"{failures} failed" if failures else "every README snippet and command works")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
