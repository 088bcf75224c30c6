#!/usr/bin/env bash
# Builds only the packages whose sources changed since their dist/ was written: the benchmarks run the
# built code, and a full `pnpm build` takes minutes on a loaded machine (more than bench:quick's budget).
set -euo pipefail
cd "$(dirname "$0")/.."
stale=()
for dir in packages/*/; do
  pkg=${dir%/}
  [ -f "$pkg/package.json" ] || continue
  stamp="$pkg/dist/index.js"
  if [ ! -f "$stamp" ] || [ -n "$(find "$pkg/src" -name '*.ts' ! -name '*.test.ts' -newer "$stamp" -print -quit)" ]; then
    stale+=(--filter "./$pkg")
  fi
done
if [ ${#stale[@]} -gt 0 ]; then
  echo "building ${stale[*]}" >&2
  # A package an engineer is still editing may not compile: bench what is built, and say so.
  pnpm "${stale[@]}" build >&2 || echo "warning: a build failed; those packages run from their previous dist/" >&2
fi
