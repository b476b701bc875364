#!/usr/bin/env bash
# The Go SDK's checks: gofmt, go vet, go build, and go test (unit tests on the shared conformance
# vectors plus the contract test against the real server on the real PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")"

GO=go
command -v go >/dev/null 2>&1 || GO=/usr/local/go/bin/go
GOFMT="$(dirname "$(command -v "$GO")")/gofmt"

unformatted="$("$GOFMT" -l .)"
if [ -n "$unformatted" ]; then
  echo "gofmt: not formatted: $unformatted" >&2
  exit 1
fi
"$GO" vet ./...
"$GO" build ./...
TRANSMUTE_CONTRACT=1 \
  DATABASE_URL="${DATABASE_URL:-postgres://transmute:transmute@127.0.0.1:5432/transmute}" \
  "$GO" test -count=1 ./...
