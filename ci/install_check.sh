#!/usr/bin/env bash
# `pip install .` into a fresh virtual environment outside the checkout, then what a new
# user runs first, from a folder that has an `experiments/` folder of its own: the
# command's first subcommands, the derivative checker, and every README snippet and
# command (ci/readme_check.py). Packages come from the package index (or pip's cache).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PY:-python3}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/jaxact-install-check.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
step() { printf '\n== %s\n' "$*"; }
fail() { printf 'install-check: FAIL: %s\n' "$*" >&2; exit 1; }

step "copy the working tree (tracked and new files) to $WORK/src"
mkdir "$WORK/src"
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard |
    xargs -0 -I{} sh -c 'test -e "{}" && printf "%s\0" "{}"' |
    tar --null -T - -cf - | tar -xf - -C "$WORK/src")

step "pip install . into a fresh virtual environment ($($PY --version))"
"$PY" -m venv "$WORK/venv"
V="$WORK/venv/bin"
timeout 600 "$V/python" -m pip install --quiet --disable-pip-version-check "$WORK/src"

mkdir -p "$WORK/user/experiments"
echo 'raise SystemExit("the user folder experiments/ was imported")' \
    > "$WORK/user/experiments/__init__.py"
cd "$WORK/user"

step "the installed package: where it is, its version, py.typed, LICENSE"
"$V/python" - <<'PY'
import importlib.metadata as md, pathlib, sys, sysconfig
import jaxact

site = pathlib.Path(sysconfig.get_paths()["purelib"])
assert pathlib.Path(jaxact.__file__).is_relative_to(site), jaxact.__file__
assert (pathlib.Path(jaxact.__file__).parent / "py.typed").exists(), "py.typed missing"
assert md.version("jaxact") == jaxact.__version__, (md.version("jaxact"), jaxact.__version__)
files = [str(f) for f in md.files("jaxact")]
assert any(f.endswith("LICENSE") for f in files), "LICENSE not in the distribution"
tops = {f.split("/")[0] for f in files if not f.split("/")[0].endswith((".dist-info", ".data"))}
tops.discard("..")
assert tops == {"jaxact"}, f"top-level names besides jaxact: {tops}"
print("jaxact", jaxact.__version__, "from", pathlib.Path(jaxact.__file__).parent)
PY
[ "$("$V/jaxact" --version)" = "jaxact $("$V/python" -c 'import jaxact; print(jaxact.__version__)')" ] ||
    fail "jaxact --version and jaxact.__version__ differ"

step "the first commands"
"$V/jaxact" list > /dev/null
"$V/jaxact" show gelu > /dev/null
"$V/jaxact" check relu > /dev/null
"$V/python" -m jaxact.check.gradcheck relu > /dev/null
set +e
err=$("$V/jaxact" experiments --list 2>&1 >/dev/null)
code=$?
set -e
[ "$code" = 2 ] && [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] && [[ "$err" == *"experiments/"* ]] ||
    fail "jaxact experiments outside a checkout: $code $err"
echo "jaxact list, show gelu, check relu, python -m jaxact.check relu: ok"
echo "jaxact experiments outside a checkout: $err"

step "without matplotlib, --plot is one line and exit 2"
set +e
err=$("$V/jaxact" show gelu --plot g.png 2>&1 >/dev/null)
code=$?
set -e
[ "$code" = 2 ] && [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] &&
    [[ "$err" == *"pip install 'jaxact[plot]'"* ]] || fail "show --plot without matplotlib: $code $err"
echo "$err"

step "with the plot extra: every README snippet and command"
timeout 600 "$V/python" -m pip install --quiet --disable-pip-version-check "matplotlib>=3.8,<4"
"$V/python" "$ROOT/ci/readme_check.py" "$ROOT/README.md" --installed --cwd "$WORK/user"
echo "install-check: ok"
