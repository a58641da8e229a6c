#!/usr/bin/env bash
# The README's first command: install, build, and run the main job on the
# bundled example. The example's servers are not reachable from here, so the
# job renders, diffs and plans (from git, without observing the targets), the
# same steps a pull request runs; scripts/test.sh runs the whole loop against
# real engines.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
if ! command -v git >/dev/null; then
  # diff and plan read git history; a fresh Debian may not have git yet.
  [ "$(id -u)" = 0 ] || { echo "git is missing: apt-get install git" >&2; exit 1; }
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends git >/dev/null
fi
npm ci --no-audit --no-fund
npm run build
steward() { node "$root/bin/steward.js" "$@"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r examples/homelab "$work/homelab"
cd "$work/homelab"
git init -q -b main
git -c user.name=steward -c user.email=steward@example.invalid add -A
git -c user.name=steward -c user.email=steward@example.invalid commit -qm "examples/homelab"

echo "== steward render --check (the committed rendered/ is current)"
steward render --check
echo "== steward diff (first run: nothing converged yet)"
steward diff
echo "== steward plan --no-observe"
set +e
steward plan --no-observe --out .steward/plan.json
code=$?
set -e
# terraform-style exit codes: 2 means "changes to apply", which is expected here.
[ "$code" = 0 ] || [ "$code" = 2 ] || exit "$code"
echo "== plan.json written ($(wc -c < .steward/plan.json) bytes); exit code $code (2: changes to apply)"
