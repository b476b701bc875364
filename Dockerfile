# The API server for production: docs/operations/deployment.md explains how to build and run it,
# compose.yaml runs it beside PostgreSQL, Redis, Prometheus and Grafana. Node runs the TypeScript
# sources as they are (type stripping), so there is no build step: the image holds the server's
# sources, its generated files (committed) and its production dependencies, nothing else.
# scripts/test/docker.test.ts checks this file against the repository.

# The Makefile's NODE_VERSION: the image runs the Node the tests ran on.
ARG NODE_VERSION=24.22.3

FROM node:${NODE_VERSION}-slim AS deps
WORKDIR /app
# Every workspace's package.json: npm ci checks the lock file against all of them, even when it
# installs one workspace.
COPY package.json package-lock.json ./
COPY server/package.json server/
COPY scripts/package.json scripts/
COPY loadtest/package.json loadtest/
# --omit=optional drops embedded-postgres's PostgreSQL binaries (60 MB on linux-x64): production always
# has DATABASE_URL, and embedded.ts only imports the package when it is unset. server/node_modules
# is made even when npm hoists everything, so the COPY below always finds it.
RUN npm ci --workspace=server --omit=dev --omit=optional --no-audit --no-fund --loglevel=error \
 && mkdir -p server/node_modules \
 && npm cache clean --force

FROM node:${NODE_VERSION}-slim
# Set by the build (docker build --build-arg RELEASE_COMMIT=$(git rev-parse HEAD)): there is no .git
# in the image to read it from, and transmute_build_info reports it.
ARG RELEASE_COMMIT=unknown
ENV NODE_ENV=production \
    RELEASE_COMMIT=${RELEASE_COMMIT}
WORKDIR /app
# Owned by root and not writable by the server's user: a compromised process cannot change its code.
COPY --from=deps /app/node_modules node_modules
COPY --from=deps /app/server/node_modules server/node_modules
COPY package.json ./
COPY server/package.json server/plans.yaml server/
COPY server/src server/src
# The operators' one-off commands that need only the server's code (docs/operations): an API key
# for a new account, re-encrypting secrets after a key rotation.
COPY scripts/api-key.ts scripts/rewrap-secrets.ts scripts/
# The image's unprivileged user (uid 1000). In production the server writes nothing to disk: its
# secrets come from the environment and its data from DATABASE_URL.
USER node
EXPOSE 3000
# Liveness only (/health checks no dependency), so a database outage does not get the container
# restarted; readiness (/ready) is for the load balancer. Node's fetch: the image has no curl.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3000/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node itself is PID 1, not a shell: SIGTERM reaches main.ts, which drains and exits 0. SIGUSR2
# writes a heap snapshot to /tmp (the one writable place) for a suspected leak: the
# TransmuteHighMemoryUsage runbook. Without the flag that signal would end the process.
CMD ["node", "--heapsnapshot-signal=SIGUSR2", "--diagnostic-dir=/tmp", "server/src/main.ts"]
