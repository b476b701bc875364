# Transmute. `make run` serves the API on an embedded database; `make test` runs the whole suite.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# Node 24 LTS: the system Node is used when it is new enough, else one is provisioned from the
# npm registry into .tools/ and put first on PATH for every target (see STACK.md).
NODE_VERSION := 24.22.3
NODE_HOME := $(CURDIR)/.tools/node-$(NODE_VERSION)
SYSTEM_NODE_MAJOR := $(shell node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
ifeq ($(shell [ "$(SYSTEM_NODE_MAJOR)" -ge 24 ] && echo yes),yes)
NODE := node
NODE_DEP :=
else
export PATH := $(NODE_HOME)/bin:$(PATH)
NODE := $(NODE_HOME)/bin/node
NODE_DEP := $(NODE)
$(NODE_DEP):
	scripts/install-node.sh $(NODE_VERSION) $(NODE_HOME) >&2
endif

INSTALLED := node_modules/.installed
GENERATED := server/src/generated docs/errors.md grafana/provisioning grafana/prometheus/recording.yml grafana/prometheus/alerts.yml sdks/typescript/src/generated sdks/python/src/transmute sdks/go loadtest/generated
# The load test judges latency objectives, so it runs alone after the others: a neighbouring test
# file's CPU on the 2 cores would count as the server's latency.
LOAD_TESTS := scripts/test/loadtest-run.test.ts
TESTS := $(filter-out $(LOAD_TESTS),$(shell find server/test scripts/test -name '*.test.ts' | sort))
SDK_TESTS := 'sdks/typescript/test/*.test.ts' 'sdks/conformance/contract/*.test.ts'
E2E_TESTS := 'e2e/test/*.test.ts'

.PHONY: help install generate check-generated lint release-spec spec-changelog typecheck test test-unit test-sdks test-e2e fuzz run api-key migration backup-verify rewrap-secrets bench loadtest

help:
	@echo 'make run       start the API on the embedded database (PORT, DATA_DIR)'
	@echo 'make test      lint, type-check, drift check and every test (needs DATABASE_URL, chromium)'
	@echo 'make fuzz      schemathesis against the real server (FUZZ_MAX_EXAMPLES, FUZZ_SEED)'
	@echo 'make generate  regenerate everything derived from openapi/'
	@echo 'make lint      lint the spec (Spectral: oas, OWASP, house rules; oasdiff: no breaking change in a major)'
	@echo 'make release-spec   record openapi/openapi.yaml as released under its info.version'
	@echo 'make spec-changelog [FORMAT=markdown]   what changed since the latest release'
	@echo 'make api-key EMAIL=you@example.com PLAN=free   print a new API key'
	@echo 'make migration NAME=add_x   write the next migration from the entities'
	@echo 'make backup-verify OUT=x.dump   back up DATABASE_URL, restore it into a scratch database, compare'
	@echo 'make rewrap-secrets   after rotating TOTP_ENCRYPTION_KEY, seal every stored secret under the new key'
	@echo 'make loadtest RATE=100 DURATION=30   the SLA plan from the spec, with vegeta'
	@echo 'make bench     full stack vs bare Koa and the peer stack, same requests, one run'

$(INSTALLED): package.json package-lock.json server/package.json scripts/package.json e2e/package.json | $(NODE_DEP)
	npm ci --no-audit --no-fund --loglevel=error >&2
	touch $@

install: $(INSTALLED)

generate: $(INSTALLED)
	$(NODE) scripts/generate.ts

# CI gate: regenerating from scratch must reproduce the committed files exactly.
check-generated: $(INSTALLED)
	$(NODE) scripts/generate.ts --force
	git diff --exit-code -- $(GENERATED)
	test -z "$$(git status --porcelain -- $(GENERATED))" || { git status --porcelain -- $(GENERATED); exit 1; }

# The breaking-change gate compares with openapi/released/; oasdiff is built with Go on first use.
lint: $(INSTALLED)
	npx spectral lint openapi/openapi.yaml --ruleset openapi/spectral.mjs --fail-severity=error
	$(NODE) scripts/spec-breaking.ts

release-spec: $(INSTALLED)
	$(NODE) scripts/release-spec.ts

spec-changelog: $(INSTALLED)
	@$(NODE) scripts/spec-changelog.ts --format "$(or $(FORMAT),markdown)"

typecheck: $(INSTALLED)
	npx tsc -p .
	npx tsc -p sdks/typescript
	npx tsc -p sdks/typescript/test
	npx tsc -p e2e
	npx tsc -p server/src/operations/playground

run: generate
	$(NODE) server/src/main.ts

api-key: $(INSTALLED)
	@test -n "$(EMAIL)" || { echo 'usage: make api-key EMAIL=you@example.com [PLAN=free]' >&2; exit 2; }
	@$(NODE) scripts/api-key.ts --email "$(EMAIL)" --plan "$(or $(PLAN),free)"

migration: $(INSTALLED)
	$(NODE) scripts/db-migration.ts --name "$(NAME)"

# pg_dump and pg_restore of the server's major version or newer must be on PATH.
backup-verify: $(INSTALLED)
	@test -n "$(OUT)" || { echo 'usage: make backup-verify OUT=transmute.dump   (DATABASE_URL; SCRATCH_DATABASE_URL optional)' >&2; exit 2; }
	$(NODE) scripts/backup-verify.ts --out "$(OUT)"

# DATABASE_URL, TOTP_ENCRYPTION_KEY (the new key) and TOTP_ENCRYPTION_KEY_PREVIOUS (the old ones).
rewrap-secrets: $(INSTALLED)
	$(NODE) scripts/rewrap-secrets.ts

test-unit: $(INSTALLED)
	$(NODE) --test --test-concurrency=2 $(TESTS)
	$(NODE) --test --test-concurrency=1 $(LOAD_TESTS)

# The three SDKs, and the one place their contract suites run: unit tests on the shared vectors,
# packaging, and each contract suite against the real server (Python and Go add their type checks;
# the TypeScript SDK's is in typecheck).
test-sdks: $(INSTALLED)
	$(NODE) --test --test-concurrency=2 $(SDK_TESTS)
	sdks/python/run-tests.sh
	sdks/go/run-tests.sh

# In a real browser (Debian's Chromium, headless, through playwright-core; CHROMIUM_PATH overrides
# /usr/bin/chromium): /docs renders under its CSP and its playground calls the API, the TypeScript
# SDK works from another origin, and an OIDC sign-in goes through the provider's page and back.
test-e2e: $(INSTALLED)
	$(NODE) --test --test-concurrency=1 $(E2E_TESTS)

# Every operation of the served spec fuzzed with schemathesis on the real server, bounded (about a
# minute here) and seeded, so a failure reproduces; fuzz/run.sh says how to run it longer.
fuzz: $(INSTALLED)
	fuzz/run.sh

# test-sdks first: it provisions .tools/venv-sdk, whose mypy scripts/test/code-samples.test.ts uses
# and whose Python scripts/test/deprecation.test.ts runs a generated SDK with.
test: lint typecheck check-generated test-sdks test-unit test-e2e fuzz

bench: generate
	$(NODE) loadtest/bench.ts

loadtest: generate
	PROFILE=$(PROFILE) RATE=$(RATE) DURATION=$(DURATION) $(NODE) loadtest/run.ts
