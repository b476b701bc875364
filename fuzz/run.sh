#!/usr/bin/env bash
# `make fuzz`: schemathesis (pinned in requirements.txt, in a venv under .tools made once and
# reinstalled only when the pins change) against the real server on the real PostgreSQL in
# DATABASE_URL; exits non-zero on any failure. Settings: schemathesis.toml. For a longer local
# run: FUZZ_MAX_EXAMPLES (cases per operation and phase), FUZZ_SEED (another seed), and any
# further `st run` options as arguments (e.g. --include-operation-id createConversion).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
export PATH="$ROOT/.tools/node-24.22.3/bin:$PATH"
export PYTHONDONTWRITEBYTECODE=1

VENV="$ROOT/.tools/venv-fuzz"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
stamp="$VENV/.requirements.sha256"
want="$(sha256sum "$HERE/requirements.txt" | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$HERE/requirements.txt"
  echo "$want" > "$stamp"
fi

# The spec's examples, coverage (boundaries and invalid values of each parameter and field) and
# random cases; the stateful phase (sequences along the spec's links) is left to longer runs, as
# `--phases` given as an argument replaces this one.
args=(--phases examples,coverage,fuzzing)
[ -z "${FUZZ_MAX_EXAMPLES:-}" ] || args+=(--max-examples "$FUZZ_MAX_EXAMPLES")
[ -z "${FUZZ_SEED:-}" ] || args+=(--seed "$FUZZ_SEED")
exec node "$ROOT/fuzz/run.ts" "$VENV/bin/schemathesis" "${args[@]}" "$@"
