// The class test of "declared once": for every option every built-in declares, a config file accepts a
// value exactly when the factory does, and the file's keys are the declared ones.
import {
  API_KEY_ENTRY_OPTIONS,
  API_KEYS_OPTIONS,
  ENV_CREDENTIAL_OPTIONS,
  FROM_AUTH_INFO_OPTIONS,
  JWT_OPTIONS,
} from '@mcp-middleware/auth/options';
import { ConfigError, type Middleware } from '@mcp-middleware/core';
import type { OptionSpec } from '@mcp-middleware/core/options';
import { describe, expect, it } from 'vitest';
import { builtins } from './builtins.js';
import type { DeclarationView } from './declared.js';
import { ConfigFileError, formatPath } from './errors.js';
import { loadConfig } from './load.js';
import { createPipeline } from './pipeline.js';
import type { BuildContext, RegistryEntry } from './registry.js';
import { validateConfig } from './validate.js';
import { keysAt } from './zod-fence.js';

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

// auth's resolvers (`jwt:`, `apiKeys:`, `env:`, `authInfo:`) are written as their factories' declared
// options: the same class test, one level down, and every refusal names the option's place in the file.
const HEX = 'ab'.repeat(32);
const KEY = { id: 'ci', sha256: HEX };
const authEntry = registry.get('auth') as RegistryEntry;

interface Resolver {
  /** Where the resolver's options sit under `auth`. */
  readonly at: readonly (string | number)[];
  readonly declaration: DeclarationView;
  /** The smallest options a file and the factory accept. */
  readonly base: Record<string, unknown>;
  readonly required: readonly string[];
  /** Values of its `value` options, whose file shapes are config's: a file checks them as the factory does. */
  readonly values: Readonly<Record<string, readonly unknown[]>>;
  /** Bad values a file writes that only the factory refuses (a URL's scheme, a header's case, a key twice). */
  readonly factoryOnly?: Readonly<Record<string, readonly unknown[]>>;
}

const RESOLVERS: readonly Resolver[] = [
  {
    at: ['jwt'],
    declaration: JWT_OPTIONS,
    base: {
      issuer: 'https://issuer.test',
      audience: 'https://mcp.test',
      algorithms: ['RS256'],
      jwksUri: 'https://issuer.test/jwks',
    },
    required: ['issuer', 'audience', 'algorithms', 'jwksUri'],
    values: {
      issuer: ['a', ['a', 'b'], [], '', 5, ['a', '']],
      audience: ['a', ['a', 'b'], [], '', 5],
      algorithms: [['ES256', 'PS256'], [], ['none'], 'RS256'],
      jwksUri: ['', 5],
    },
    factoryOnly: { algorithms: [['HS256']], jwksUri: ['http://issuer.test/jwks', 'not a url'] },
  },
  {
    at: ['apiKeys'],
    declaration: API_KEYS_OPTIONS,
    base: { keys: [KEY] },
    required: ['keys'],
    values: { keys: [[KEY, { id: 'b', sha256: 'cd'.repeat(32) }], [], 'x', [{ id: 'a' }]] },
    factoryOnly: { keys: [[KEY, KEY]], header: ['X-Api-Key'] },
  },
  {
    at: ['apiKeys', 'keys', 0],
    declaration: API_KEY_ENTRY_OPTIONS,
    base: KEY,
    required: ['id', 'sha256'],
    values: {
      sha256: [HEX.toUpperCase(), 'plain-key', 'ab'.repeat(31), 5],
      claims: [{ team: 'ops' }, [], 'x'],
    },
  },
  {
    at: ['env'],
    declaration: ENV_CREDENTIAL_OPTIONS,
    base: { keys: [KEY] },
    required: ['keys'],
    values: {},
  },
  {
    at: ['authInfo'],
    declaration: FROM_AUTH_INFO_OPTIONS,
    base: {},
    required: [],
    values: { resource: ['https://mcp.test/mcp', '/mcp', '', 5] },
  },
];

// auth's options with `options` at the resolver's place, the rest of the path at its base.
function authWith(resolver: Resolver, options: Record<string, unknown>): Record<string, unknown> {
  const [first, ...rest] = resolver.at;
  if (rest.length === 0) return { [first as string]: options };
  const parent = RESOLVERS.find((r) => r.at.length === 1 && r.at[0] === first) as Resolver;
  return { [first as string]: { ...parent.base, [rest[0] as string]: [options] } };
}

const label = (resolver: Resolver): string => resolver.at.join('.');
const prefix = (resolver: Resolver): string => `pipeline[0].auth.${formatPath(resolver.at)}`;

// The paths of the problems a file with these auth options gets, when it is loaded and then built.
async function problemPaths(options: Record<string, unknown>): Promise<string[]> {
  try {
    await createPipeline(loadConfig({ pipeline: [{ auth: options }] }));
  } catch (error) {
    if (error instanceof ConfigFileError) return error.problems.map((problem) => problem.path);
    throw error;
  }
  return [];
}

// A declared option's probes, or a value option's listed values.
function candidates(resolver: Resolver, key: string): readonly unknown[] {
  const spec = resolver.declaration.specs[key] as OptionSpec;
  return spec.kind === 'value' ? (resolver.values[key] ?? []) : probes(spec);
}

const fileWritable = (resolver: Resolver): string[] =>
  Object.entries(resolver.declaration.specs)
    .filter(([, spec]) => spec.kind !== 'function' && spec.inFile !== false)
    .map(([key]) => key);

describe("each of auth's resolvers declares its options once", () => {
  it.each(RESOLVERS.map((r) => [label(r), r] as const))(
    '%s: a file writes every declared option it can, and nothing undeclared',
    (_label, resolver) => {
      const fileOnly = resolver.at[0] === 'env' ? ['keys'] : [];
      expect(keysAt(authEntry.schema, resolver.at).sort()).toEqual(
        [...fileWritable(resolver), ...fileOnly].sort(),
      );
    },
  );

  it.each(RESOLVERS.map((r) => [label(r), r] as const))(
    '%s: a file accepts a value, or leaves out a required one, exactly when the factory does',
    async (_label, resolver) => {
      const cases: [string, Record<string, unknown>][] = [];
      for (const key of fileWritable(resolver))
        for (const value of candidates(resolver, key))
          cases.push([`${key}: ${JSON.stringify(value)}`, { ...resolver.base, [key]: value }]);
      for (const key of resolver.required) {
        const { [key]: _left, ...rest } = resolver.base;
        cases.push([`without ${key}`, rest]);
      }
      const disagreements: string[] = [];
      for (const [what, options] of cases) {
        const file = fileAccepts('auth', authWith(resolver, options));
        const factory = await factoryAccepts(authEntry, authWith(resolver, options));
        if (file !== factory) disagreements.push(`${what} (file ${file}, factory ${factory})`);
      }
      expect(disagreements).toEqual([]);
      expect(cases.length).toBeGreaterThan(0);
    },
  );

  it.each(RESOLVERS.map((r) => [label(r), r] as const))(
    '%s: every bad value a file writes is refused at its full path, when loaded or when built',
    async (_label, resolver) => {
      const wrong: string[] = [];
      let refused = 0;
      for (const key of fileWritable(resolver)) {
        const full = `${prefix(resolver)}.${key}`;
        for (const value of [...candidates(resolver, key), ...(resolver.factoryOnly?.[key] ?? [])]) {
          const options = authWith(resolver, { ...resolver.base, [key]: value });
          if (await factoryAccepts(authEntry, options)) continue;
          refused++;
          const paths = await problemPaths(options);
          if (
            paths.length === 0 ||
            !paths.every(
              (path) => path === full || (/^[.[]/.test(path.slice(full.length)) && path.startsWith(full)),
            )
          )
            wrong.push(`${key}: ${JSON.stringify(value)} reported at ${JSON.stringify(paths)}`);
        }
      }
      expect(wrong).toEqual([]);
      expect(refused).toBeGreaterThan(0);
    },
  );

  it('probes every value option a file can write', () => {
    const unprobed = RESOLVERS.flatMap((resolver) =>
      fileWritable(resolver)
        .filter((key) => candidates(resolver, key).length === 0)
        .map((key) => `${label(resolver)}.${key}`),
    );
    expect(unprobed).toEqual([]);
  });
});
