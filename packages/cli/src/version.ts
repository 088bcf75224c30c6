/** This package's version, read once from its package.json (the same file from src/ and dist/). */
import { createRequire } from 'node:module';

/** The version of @mcp-middleware/cli. */
export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string })
  .version;
