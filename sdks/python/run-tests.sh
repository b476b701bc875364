#!/usr/bin/env bash
# The Python SDK's whole check: pinned tools in .tools/venv-sdk (created once, reused), mypy --strict
# on the package, then pytest (runtime tests on the conformance vectors, packaging, and the contract
# test against the real server). Exits non-zero on any failure.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="$ROOT/.tools/venv-sdk"
export PATH="$ROOT/.tools/node-24.22.3/bin:$PATH"
export PYTHONDONTWRITEBYTECODE=1

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
# Reinstall only when the pins changed.
STAMP="$VENV/.requirements-dev.sha256"
WANT="$(sha256sum "$HERE/requirements-dev.txt" | cut -d' ' -f1)"
if [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$HERE/requirements-dev.txt"
  echo "$WANT" > "$STAMP"
fi

cd "$HERE"
"$VENV/bin/mypy" --strict --cache-dir "$ROOT/.tools/mypy-cache" src/transmute
PYTHONPATH="$HERE/src:$HERE/tests" "$VENV/bin/python" -m pytest -q -p no:cacheprovider tests
