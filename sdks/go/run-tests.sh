#!/usr/bin/env bash
# The Go SDK's checks: gofmt, go vet, go build, and go test: unit tests on the shared conformance
# vectors, and the contract suite and README examples against the shared contract environment
# (sdks/conformance/contract/server.ts: the real server on the real PostgreSQL in DATABASE_URL,
# run with Node 24 from TRANSMUTE_NODE or the repository's .tools). The run fails when an
# operation of the spec was not called.
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
DATABASE_URL="${DATABASE_URL:-postgres://transmute:transmute@127.0.0.1:5432/transmute}" \
  "$GO" test -count=1 ./...
