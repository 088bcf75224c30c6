#!/usr/bin/env node
/* global process */
// The `mcp-middleware` executable. It lives outside dist/ so package managers can link it before a build;
// in a clone without `pnpm build`, it says how to run the command from source instead.
try {
  await import('../dist/bin.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/bin.js')) throw error;
  process.stderr.write(
    'mcp-middleware: this copy is not built (no dist/). From a clone, run `pnpm mcp-middleware …` ' +
      'at the repository root, or `pnpm build` first.\n',
  );
  process.exitCode = 1;
}
