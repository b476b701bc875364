#!/usr/bin/env bash
# The Python SDK's whole check, exiting non-zero on any failure:
# - on the oldest supported Python, CPython 3.9 (python39.sh): mypy --strict, and the runtime tests;
# - vermin: no syntax or standard-library feature newer than 3.9 in the package;
# - on the system Python: mypy --strict on the package and the tests, then every test, the contract
#   suite included (the real server on the real PostgreSQL in DATABASE_URL; it fails when an
#   operation of the spec was never called).
# Tools are pinned (requirements-*.txt) in venvs under .tools, created once and reused.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
export PATH="$ROOT/.tools/node-24.22.3/bin:$PATH"
export PYTHONDONTWRITEBYTECODE=1

# venv DIR REQUIREMENTS: installs the pins into DIR with the main venv's pip, only when they changed.
venv() {
  local stamp="$1/.requirements.sha256" want
  want="$(sha256sum "$2" | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    "$VENV/bin/pip" --python "$1/bin/python" install -q --disable-pip-version-check -r "$2"
    echo "$want" > "$stamp"
  fi
}

VENV="$ROOT/.tools/venv-sdk"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
venv "$VENV" "$HERE/requirements-dev.txt"

PY39="$("$HERE/python39.sh")"
LIBS39="$("$HERE/python39.sh" --libs)"
py39() { LD_LIBRARY_PATH="$LIBS39" "$@"; }
VENV39="$ROOT/.tools/venv-sdk-py39"
[ -x "$VENV39/bin/python" ] || py39 "$PY39" -m venv --without-pip "$VENV39"
py39 venv "$VENV39" "$HERE/requirements-py39.txt"

cd "$HERE"
py39 "$VENV39/bin/python" --version
py39 "$VENV39/bin/mypy" --strict --python-version 3.9 --cache-dir "$ROOT/.tools/mypy-cache-py39" src/transmute
"$VENV/bin/vermin" -t=3.9- --eval-annotations --no-tips --violations -q src/transmute
# The contract suite runs once, below (one server per run); the packaging test needs ensurepip,
# which Debian ships apart from the interpreter.
PYTHONPATH="$HERE/src:$HERE/tests" py39 "$VENV39/bin/python" -m pytest -q -p no:cacheprovider tests --ignore=tests/contract --ignore=tests/test_package.py

"$VENV/bin/mypy" --strict --cache-dir "$ROOT/.tools/mypy-cache" src/transmute
MYPYPATH="$HERE/src:$HERE/tests" "$VENV/bin/mypy" --strict --explicit-package-bases --cache-dir "$ROOT/.tools/mypy-cache" tests
PYTHONPATH="$HERE/src:$HERE/tests" "$VENV/bin/python" -m pytest -q -p no:cacheprovider tests
