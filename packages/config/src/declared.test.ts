// The class test of "declared once": for every option every built-in declares, a config file accepts a
// value exactly when the factory does, and the file's keys are the declared ones.
import { ConfigError, type Middleware } from '@mcp-middleware/core';
import type { OptionSpec } from '@mcp-middleware/core/options';
import { describe, expect, it } from 'vitest';
import { builtins } from './builtins.js';
import type { BuildContext, RegistryEntry } from './registry.js';
import { validateConfig } from './validate.js';

const registry = new Map(builtins.map((entry) => [entry.name, entry]));
const declared = builtins.filter(
  (entry): entry is RegistryEntry & Required<Pick<RegistryEntry, 'declaration'>> =>
    entry.declaration !== undefined,
);
const context: BuildContext = {
  store: () => {
    throw new Error('no store in this test');
  },
};

/** Values on and just past each edge of what `spec` allows, and a few of the wrong type. */
function probes(spec: OptionSpec): unknown[] {
  switch (spec.kind) {
    case 'integer':
    case 'number': {
      const step = spec.kind === 'integer' ? 1 : 0.001;
      const edges = [spec.min, spec.max].filter((n): n is number => n !== undefined);
      const values = [
        0,
        1,
        '5',
        true,
        ...edges,
        ...edges.map((n) => n - step),
        ...edges.map((n) => n + step),
      ];
      if (spec.kind === 'integer') values.push((spec.min ?? 0) + 0.5);
      return values;
    }
    case 'boolean':
      return [true, false, 'yes', 1];
    case 'string': {
      const min = spec.minLength ?? 1;
      return ['x'.repeat(min), 'x'.repeat(min - 1), 5];
    }
    case 'oneOf':
      return [...spec.values, 'bogus', 1];
    case 'strings':
      return [[], ['a'], [''], 'a', [1]];
    case 'operations':
      return [[spec.values[0]], [], [spec.values[0], spec.values[0]], ['bogus'], 'tools/call'];
    case 'nested': {
      const inner = Object.entries(spec.options.specs).flatMap(([key, sub]) =>
        probes(sub).map((value) => ({ [key]: value })),
      );
      return [{}, 'x', ...(spec.orFalse === true ? [false] : []), ...inner];
    }
    case 'function':
    case 'value':
      return [];
  }
}

// The smallest options each factory needs (its required numbers at their minimum).
function required(entry: RegistryEntry): Record<string, unknown> {
  const base: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(entry.declaration?.specs ?? {}))
    if ('required' in spec && spec.required === true) base[key] = spec.min ?? 1;
  return base;
}

function fileAccepts(name: string, options: Record<string, unknown>): boolean {
  return validateConfig({ pipeline: [{ [name]: options }] }, registry).problems.length === 0;
}

async function factoryAccepts(entry: RegistryEntry, options: Record<string, unknown>): Promise<boolean> {
  let middleware: Middleware;
  try {
    middleware = await entry.create(options, context);
  } catch (error) {
    if (error instanceof ConfigError) return false;
    throw error;
  }
  await (middleware as { close?: () => Promise<void> | void }).close?.();
  return true;
}

describe('each built-in declares its options once', () => {
  it('has a declaration for every built-in', () => {
    expect(declared.map((entry) => entry.name)).toEqual(builtins.map((entry) => entry.name));
  });

  it.each(declared.map((entry) => [entry.name, entry] as const))(
    '%s: a file writes every declared option it can, and nothing undeclared',
    (_name, entry) => {
      const settable = Object.entries(entry.declaration.specs)
        .filter(
          ([key, spec]) => spec.kind !== 'function' && spec.inFile !== false && !entry.omitted?.includes(key),
        )
        .map(([key]) => key);
      expect(Object.keys(entry.schema.shape).sort()).toEqual([...settable, ...(entry.fileOnly ?? [])].sort());
    },
  );

  it.each(declared.map((entry) => [entry.name, entry] as const))(
    '%s: a file accepts a value exactly when the factory does',
    async (name, entry) => {
      const disagreements: string[] = [];
      let probed = 0;
      for (const [key, spec] of Object.entries(entry.declaration.specs)) {
        if (!(key in entry.schema.shape)) continue;
        for (const value of probes(spec)) {
          const options = { ...required(entry), [key]: value };
          const file = fileAccepts(name, options);
          const factory = await factoryAccepts(entry, options);
          probed++;
          if (file !== factory)
            disagreements.push(`${key}: ${JSON.stringify(value)} (file ${file}, factory ${factory})`);
        }
      }
      expect(disagreements).toEqual([]);
      expect(probed).toBeGreaterThan(0);
    },
  );
});
