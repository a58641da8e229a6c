#!/usr/bin/env node
// The committed bundle, so that `npx steward` works in a checkout and without node_modules.
await import('../dist/cli/index.js');
