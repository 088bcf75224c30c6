import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigFileError } from '@mcp-middleware/config';
import type { CallToolResult, Middleware, ToolContext } from '@mcp-middleware/core';
import { createTestExtra, textResult } from '@mcp-middleware/core/testing';
import { ReloadableRunner, Reloader, oneLine, type LoadedPipeline } from './reload.js';

const tool = Object.freeze({ name: 'echo' });
const tagging =
  (tag: string): Middleware =>
  async (ctx, next) => {
    const result = await next(ctx);
    return { ...result, content: [...result.content, { type: 'text', text: tag }] };
  };
const tags = (result: CallToolResult): string[] =>
  result.content.slice(1).map((block) => (block as { text: string }).text);

describe('ReloadableRunner', () => {
  it('runs a run bound before replace() through the new pipeline from its next call', async () => {
    const runner = new ReloadableRunner([tagging('old')], {});
    const run = runner.bind(tool, () => Promise.resolve(textResult('ok')));
    expect(tags(await run(undefined, createTestExtra()))).toEqual(['old']);
    runner.replace([tagging('new')]);
    expect(tags(await run(undefined, createTestExtra()))).toEqual(['new']);
  });

  it('lets a call already running finish on the pipeline it entered', async () => {
    const runner = new ReloadableRunner([tagging('old')], {});
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const run = runner.bind(tool, async (_ctx: ToolContext) => {
      await gate;
      return textResult('ok');
    });
    const inFlight = run(undefined, createTestExtra());
    runner.replace([tagging('new')]);
    release();
    expect(tags(await inFlight)).toEqual(['old']);
  });

  it('answers events, handles() and request() from the current pipeline', async () => {
    const first = new ReloadableRunner([], {});
    const channel = first.events;
    first.replace([]);
    expect(first.events).not.toBe(channel);
    expect(first.handles('tools/list')).toBe(false);
    const result = await first.request('tools/list', {}, undefined, createTestExtra(), () =>
      Promise.resolve({ tools: [] }),
    );
    expect(result).toEqual({ tools: [] });
  });
});

describe('oneLine', () => {
  it('puts every problem of a config file on one line with its field and line', () => {
    const error = new ConfigFileError(
      [
        {
          path: 'pipeline[0].rateLimit.limit',
          message: 'expected a positive integer, got "lots"',
          file: 'gw.yaml',
          line: 2,
        },
        { path: 'tools.x', message: 'unknown option', file: 'gw.yaml', line: 5 },
      ],
      'gw.yaml',
    );
    expect(oneLine(new Error('wrapped', { cause: error }))).toBe(
      'pipeline[0].rateLimit.limit: expected a positive integer, got "lots" (gw.yaml:2); tools.x: unknown option (gw.yaml:5)',
    );
    expect(oneLine(new Error('first\n  second'))).toBe('first; second');
  });
});

describe('Reloader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'reloader-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function parts(load: () => Promise<LoadedPipeline>): {
    lines: string[];
    applied: unknown[];
    closed: string[];
    reloader: Reloader;
  } {
    const lines: string[] = [];
    const applied: unknown[] = [];
    const closed: string[] = [];
    const initial: LoadedPipeline = {
      middlewares: [],
      close: () => Promise.resolve(void closed.push('initial')),
    };
    const reloader = new Reloader(
      {
        file: join(dir, 'gw.yaml'),
        load,
        apply: (p) => void applied.push(p),
        log: (l) => void lines.push(l),
        drainMs: 0,
      },
      initial,
    );
    return { lines, applied, closed, reloader };
  }

  it('keeps the running pipeline and says why when the file cannot be loaded', async () => {
    const { lines, applied, reloader } = parts(() => Promise.reject(new Error('bad file')));
    await reloader.reload('SIGHUP');
    expect(applied).toEqual([]);
    expect(lines).toEqual([
      `reload of ${join(dir, 'gw.yaml')} (SIGHUP) refused, the running pipeline stays: bad file`,
    ]);
    await reloader.close();
  });

  it('merges reloads asked for during one into one more, and closes every pipeline on close()', async () => {
    let loads = 0;
    const { applied, closed, reloader } = parts(async () => {
      loads++;
      await new Promise((resolve) => setImmediate(resolve));
      const name = `load ${loads}`;
      return { middlewares: [], close: () => Promise.resolve(void closed.push(name)) };
    });
    const first = reloader.reload('SIGHUP');
    void reloader.reload('SIGHUP');
    void reloader.reload('SIGHUP');
    await first;
    expect(loads).toBe(2);
    expect(applied).toHaveLength(2);
    await reloader.close();
    expect(closed.sort()).toEqual(['initial', 'load 1', 'load 2']);
  });

  it('with watch(), reloads when the file changes', async () => {
    const file = join(dir, 'gw.yaml');
    writeFileSync(file, 'pipeline: []\n');
    const { lines, reloader } = parts(() =>
      Promise.resolve({ middlewares: [], close: () => Promise.resolve() }),
    );
    reloader.watch();
    const reloaded = new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (lines.some((l) => l.includes('(the file changed)'))) {
          clearInterval(timer);
          resolve();
        }
      }, 20);
    });
    writeFileSync(file, 'pipeline: [retry]\n');
    await reloaded;
    expect(lines[0]).toMatch(/^reloaded .*gw\.yaml \(the file changed\): 0 middlewares; new calls take it$/);
    await reloader.close();
  });
});
