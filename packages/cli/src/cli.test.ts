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

  it('routes --config through the config seam, which exits 2 until @mcp-middleware/config is wired', async () => {
    const out = io();
    expect(await runCli(['proxy', '--config', 'gateway.yaml', '--', 'srv'], out)).toBe(2);
    expect(out.err).toContain('cannot load gateway.yaml: config support arrives with @mcp-middleware/config');
  });

  it('routes check and schema through the config seam', async () => {
    const check = io();
    expect(await runCli(['check', '--config', 'gateway.yaml'], check)).toBe(2);
    expect(check.err).toContain('cannot check gateway.yaml');
    const schema = io();
    expect(await runCli(['schema'], schema)).toBe(2);
    expect(schema.err).toContain('cannot print the config schema');
  });

  it('exits 3 when the upstream command does not exist', async () => {
    const out = io();
    expect(await runCli(['proxy', '--', 'mcp-middleware-no-such-command'], out)).toBe(3);
    expect(out.err).toContain('command `mcp-middleware-no-such-command` was not found');
  });
});
