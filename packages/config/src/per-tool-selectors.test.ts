// A tools: key selects exactly the tools when() selects with the same selector, through the built pipeline.
import {
  compose,
  when,
  type Middleware,
  type ToolAnnotations,
  type ToolInfo,
  type ToolSelector,
} from '@mcp-middleware/core';
import { createTestContext, stubHandler, textResult } from '@mcp-middleware/core/testing';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod/v4';
import { ConfigFileError } from './errors.js';
import { loadConfig } from './load.js';
import { createPipeline } from './pipeline.js';
import type { RegistryEntry } from './registry.js';

// `label` answers with its own text, so a call shows which settings its tool got.
const label = (text: string): Middleware =>
  async function label() {
    return Promise.resolve(textResult(text));
  };
const registry: RegistryEntry[] = [
  {
    name: 'label',
    description: 'answers with its text',
    schema: z.strictObject({ text: z.string() }),
    create: (options) => label(options.text as string),
  },
];

async function answerOf(middlewares: readonly Middleware[], tool: ToolInfo): Promise<string | undefined> {
  const result = await compose([...middlewares])(createTestContext({ tool }), stubHandler());
  return result.content[0]?.type === 'text' ? result.content[0].text : undefined;
}

const tool = (name: string, annotations?: ToolAnnotations): ToolInfo =>
  annotations === undefined ? { name } : { name, annotations };

// Each key as a file writes it, and the selector a program passes to when() for the same tools.
const selectors: [key: string, selector: ToolSelector][] = [
  ['search', 'search'],
  ['db_*', 'db_*'],
  ['db_?ead', 'db_?ead'],
  ['*', '*'],
  ['!admin_*', '!admin_*'],
  ['!db_*', '!db_*'],
  ['db_*, !db_drop', ['db_*', '!db_drop']],
  ['search, db_*', ['search', 'db_*']],
  ['!admin_*, !db_drop', ['!admin_*', '!db_drop']],
  ['admin_*, !admin_root, search', ['admin_*', '!admin_root', 'search']],
  ['{ readOnlyHint: true }', { readOnlyHint: true }],
  ['{ readOnlyHint: false }', { readOnlyHint: false }],
  ['{ destructiveHint: true, idempotentHint: false }', { destructiveHint: true, idempotentHint: false }],
  [`{ title: 'Search' }`, { title: 'Search' }],
];
const tools: ToolInfo[] = [
  tool('search', { readOnlyHint: true, title: 'Search' }),
  tool('db_read', { readOnlyHint: true }),
  tool('db_drop', { destructiveHint: true, idempotentHint: false }),
  tool('db_write', { readOnlyHint: false, destructiveHint: true, idempotentHint: true }),
  tool('admin_root'),
  tool('admin_users', { readOnlyHint: false }),
  tool('other'),
];

describe('tools: keys and when()', () => {
  it('select the same tools for every (selector, tool) pair of the table', async () => {
    const disagreements: string[] = [];
    let compared = 0;
    for (const [key, selector] of selectors) {
      const config = loadConfig(
        { pipeline: [{ label: { text: 'base' } }], tools: { [key]: { label: { text: 'key' } } } },
        { registry },
      );
      const built = await createPipeline(config, { registry });
      const viaWhen = [when(selector, label('key')), label('base')];
      for (const info of tools) {
        const [fromFile, fromWhen] = [await answerOf(built.middlewares, info), await answerOf(viaWhen, info)];
        if (fromFile !== fromWhen)
          disagreements.push(`${key} on ${info.name}: file ${fromFile}, when ${fromWhen}`);
        compared++;
      }
      await built.close();
    }
    expect(disagreements).toEqual([]);
    expect(compared).toBe(selectors.length * tools.length);
  });

  it('selects some tools of the table and leaves others with every key but *, so the table is not trivial', async () => {
    for (const [key] of selectors.filter(([key]) => key !== '*')) {
      const config = loadConfig(
        { pipeline: [{ label: { text: 'base' } }], tools: { [key]: { label: { text: 'key' } } } },
        { registry },
      );
      const built = await createPipeline(config, { registry });
      const answers = new Set(await Promise.all(tools.map((info) => answerOf(built.middlewares, info))));
      expect(answers, key).toEqual(new Set(['base', 'key']));
      await built.close();
    }
  });
});

describe('per-tool settings by annotation, negation and list', () => {
  const config = loadConfig({
    pipeline: [{ rateLimit: { limit: 100 } }, { retry: {} }],
    tools: {
      '*': { rateLimit: { limit: 50 } },
      '!admin_*': { retry: { retries: 1 } },
      'db_*, !db_drop': { rateLimit: { limit: 10 } },
      '{ destructiveHint: true }': { retry: false },
      db_read: { rateLimit: { limit: 5 } },
    },
  });

  it('describes what each tool gets, annotation keys applied to the tool given', async () => {
    const built = await createPipeline(config);
    expect(built.describe(tool('search'))).toEqual(['rateLimit {"limit":50}', 'retry {"retries":1}']);
    expect(built.describe('admin_users')).toEqual(['rateLimit {"limit":50}', 'retry {}']);
    expect(built.describe(tool('db_write'))).toEqual(['rateLimit {"limit":10}', 'retry {"retries":1}']);
    expect(built.describe(tool('db_drop', { destructiveHint: true }))).toEqual([
      'rateLimit {"limit":50}',
      'retry: off',
    ]);
    expect(built.describe(tool('db_read', { destructiveHint: true }))).toEqual([
      'rateLimit {"limit":5}',
      'retry: off',
    ]);
    await built.close();
  });

  it('reports a key that is not a selector in a config built by hand, before opening any store', async () => {
    let connected = 0;
    const attempt = createPipeline(
      {
        pipeline: [{ name: 'retry', options: {} }],
        tools: { '!!db_*': { retry: false } },
        stores: { shared: { type: 'redis', url: 'redis://127.0.0.1:1' } },
      },
      {
        redisClient: () => {
          connected++;
          return { quit: () => Promise.resolve() };
        },
      },
    );
    await expect(attempt).rejects.toBeInstanceOf(ConfigFileError);
    await expect(attempt).rejects.toMatchObject({
      problems: [{ path: 'tools["!!db_*"]', message: expect.stringContaining('negates twice') as unknown }],
    });
    expect(connected).toBe(0);
  });

  it('refuses a bad key in a file with its path, line and how to write it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tool-keys-'));
    const path = join(dir, 'mcp-middleware.yaml');
    writeFileSync(
      path,
      "pipeline: [retry]\ntools:\n  'db_*': { retry: false }\n  '{ readOnly: true }': { retry: false }\n",
    );
    expect(() => loadConfig(path, { env: {} })).toThrow(
      /tools\["\{ readOnly: true \}"\]: unknown annotation "readOnly"; known: title, readOnlyHint.* \(mcp-middleware\.yaml:4\)/,
    );
  });
});
