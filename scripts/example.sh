#!/usr/bin/env bash
# The README's first command: install, build and run the main job on the bundled example.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund
npm run build
node bin/steward.js render --project examples/homelab
node bin/steward.js render --project examples/homelab --check
