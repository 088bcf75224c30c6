import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli, type CliIo } from './cli.js';
import { VERSION } from './version.js';

function io(): CliIo & { out: string; err: string } {
  const result = {
    out: '',
    err: '',
    env: {},
    stdout: (text: string) => void (result.out += text),
    stderr: (text: string) => void (result.err += text),
    onSignal: () => () => undefined,
  };
  return result;
}

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/upstream-server.ts', import.meta.url));

function configFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'cli-check-')), 'gateway.yaml');
  writeFileSync(file, text);
  return file;
}

describe('runCli check', () => {
  it('warns about an order that breaks the documented guarantees, and still calls the file valid', async () => {
    const file = configFile('pipeline:\n  - timeout: { timeoutMs: 100 }\n  - retry\n  - metrics\n');
    const out = io();
    expect(await runCli(['check', '--config', file], out)).toBe(0);
    expect(out.out).toContain('valid, 3 middlewares');
    expect(out.out).toContain('2 warnings:');
    expect(out.out).toContain('- `retry` runs inside `timeout`, but belongs outside');
    expect(out.out).toMatch(/^documented order: tracing → metrics/m);
  });

  it('given an upstream command, warns about a tools: key that matches none of its tools', async () => {
    const file = configFile(
      'pipeline:\n  - retry\ntools:\n  echo: { retry: false }\n  nothing_*: { retry: false }\n',
    );
    const out = io();
    const code = await runCli(
      ['check', '--config', file, '--', process.execPath, '--import', 'tsx', FIXTURE],
      out,
    );
    expect(out.err).toBe('');
    expect(code).toBe(0);
    expect(out.out).toMatch(/- tools: key `nothing_\*` matches none of the upstream's \d+ tools/);
    expect(out.out).not.toContain('key `echo`');
  });

  it('exits 3 when the upstream given to check cannot start', async () => {
    const file = configFile('pipeline:\n  - retry\n');
    const out = io();
    expect(await runCli(['check', '--config', file, '--', 'mcp-middleware-no-such-command'], out)).toBe(3);
    expect(out.err).toContain('was not found');
  });
});

describe('runCli', () => {
  it('prints the usage on stdout and exits 0 for --help', async () => {
    const out = io();
    expect(await runCli(['--help'], out)).toBe(0);
    expect(out.out).toContain('Usage: mcp-middleware <command> [options]');
    expect(out.err).toBe('');
  });

  it('prints the version and exits 0', async () => {
    const out = io();
    expect(await runCli(['--version'], out)).toBe(0);
    expect(out.out).toBe(`${VERSION}\n`);
  });

  it('exits 2 with the message on stderr for bad usage', async () => {
    const out = io();
    expect(await runCli(['proxy'], out)).toBe(2);
    expect(out.err).toMatch(/^mcp-middleware: no upstream/);
    expect(out.out).toBe('');
  });

  it('exits 2 listing every problem of a bad config file, with its line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-config-'));
    const file = join(dir, 'gateway.yaml');
    writeFileSync(file, 'pipeline:\n  - rateLimit: { limit: 0 }\n  - retyr\n');
    const out = io();
    expect(await runCli(['proxy', '--config', file, '--', 'srv'], out)).toBe(2);
    expect(out.err).toContain(
      'pipeline[0].rateLimit.limit: expected an integer from 1 to 1000000000, got 0 (gateway.yaml:2)',
    );
    expect(out.err).toContain('pipeline[1].retyr: unknown middleware (did you mean retry?)');
    expect(out.err).not.toMatch(/\n\s+at /);
  });

  it('exits 2 for a config file that does not exist', async () => {
    const out = io();
    expect(await runCli(['check', '--config', '/nonexistent/gateway.yaml'], out)).toBe(2);
    expect(out.err).toContain('cannot read the config file: no such file');
  });

  it('checks a config and prints the resolved pipeline per tool as a table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-config-'));
    const file = join(dir, 'gateway.yaml');
    writeFileSync(
      file,
      'pipeline:\n  - metrics\n  - rateLimit: { limit: 20 }\n  - retry\ntools:\n  db_*: { rateLimit: { limit: 5 } }\n  delete_user: { retry: false }\n',
    );
    const out = io();
    expect(await runCli(['check', '--config', file], out)).toBe(0);
    expect(out.out).toContain('valid, 3 middlewares');
    expect(out.out).toMatch(/^rateLimit\s+\{"limit":20\}$/m);
    expect(out.out).toMatch(/^\(other tools\)\s+metrics → rateLimit → retry$/m);
    expect(out.out).toMatch(/^db_\*\s+rateLimit \{"limit":5\}$/m);
    expect(out.out).toMatch(/^delete_user\s+retry: off$/m);
  });

  it('prints the JSON Schema of the config format', async () => {
    const out = io();
    expect(await runCli(['schema'], out)).toBe(0);
    const schema = JSON.parse(out.out) as { title: string };
    expect(schema.title).toBe('mcp-middleware config');
    expect(out.out).toContain('"rateLimit"');
  });

  it('exits 3 when the upstream command does not exist', async () => {
    const out = io();
    expect(await runCli(['proxy', '--', 'mcp-middleware-no-such-command'], out)).toBe(3);
    expect(out.err).toContain('command `mcp-middleware-no-such-command` was not found');
  });
});
