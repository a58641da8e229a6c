#!/usr/bin/env bash
# The one test command (README, .ci/run). Installs what it needs, starts the
# real test environment (dockerd, SSH targets, registry), runs every test, and
# stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

echo "== typecheck"
npx tsc --noEmit -p tsconfig.json

echo "== dist is up to date"
node scripts/check-dist.mjs

if [ -x scripts/testenv ] && [ "${STEWARD_SKIP_TESTENV:-}" != 1 ]; then
  echo "== test environment"
  scripts/testenv up
  trap 'scripts/testenv down' EXIT
fi

# The status page is checked in a real browser: Debian's headless Chromium.
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "== installing chromium (for the status page test)"
  { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; }; } ||
    echo "chromium could not be installed: the status page test will skip" >&2
fi

echo "== tests"
mapfile -t files < <(find test -name '*.test.ts' | sort)
# A hung test fails after 10 minutes instead of holding the run for ever; the
# slowest (the whole loop) takes well under one.
node --import tsx --test --test-reporter=spec --test-concurrency=1 --test-timeout=600000 "${files[@]}"
