// pino, prom-client and OpenTelemetry are optional peers: a config that does not name logging, metrics or
// tracing must load and build where they are not installed. A child process whose module resolution
// refuses them stands in for such an install.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const OPTIONAL = ['pino', 'prom-client', '@opentelemetry/api'];

function runWithout(config: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'config-peers-'));
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(
    hooks,
    `const refused = ${JSON.stringify(OPTIONAL)};
export async function resolve(specifier, context, next) {
  if (refused.includes(specifier)) throw Object.assign(new Error('not installed: ' + specifier), { code: 'ERR_MODULE_NOT_FOUND' });
  return next(specifier, context);
}`,
  );
  const register = join(dir, 'register.mjs');
  writeFileSync(
    register,
    `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hooks}`)});\n`,
  );
  const file = join(dir, 'mcp-middleware.yaml');
  writeFileSync(file, config);
  const program = `
    const { createPipeline, loadConfig } = await import('@mcp-middleware/config');
    const built = await createPipeline(loadConfig(${JSON.stringify(file)}));
    console.log(built.middlewares.length);
    await built.close();`;
  return execFileSync(
    process.execPath,
    [
      '--conditions=@mcp-middleware/source',
      '--import',
      'tsx',
      '--import',
      register,
      '--input-type=module',
      '-e',
      program,
    ],
    { cwd: join(ROOT, 'packages/config'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

// Each case starts node with tsx: seconds on a loaded machine.
describe('optional peers', { timeout: 120_000 }, () => {
  it('builds a rateLimit-only pipeline where pino, prom-client and OpenTelemetry cannot be loaded', () => {
    expect(runWithout('pipeline:\n  - rateLimit: { limit: 5 }\n  - retry\n').trim()).toBe('2');
  });

  it('fails only when the file names a middleware that needs one of them (the check above is real)', () => {
    expect(() => runWithout('pipeline:\n  - logging\n')).toThrow(/pino/);
  });
});
