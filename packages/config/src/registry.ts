/** What a middleware contributes to config files: its name, its option schema, and how to build it. */
import type { Middleware } from '@mcp-middleware/core';
import type { CrossProblem, DeclarationView } from './declared.js';
import type { z } from 'zod/v4';

/** What a factory may ask of the pipeline being built. */
export interface BuildContext {
  /** A named shared store from the file's `stores` section. */
  store(name: string): SharedStore;
  /** The prom-client Registry metrics should write to (the gateway's `/metrics`), if the host has one. */
  readonly metricsRegistry?: unknown;
}

/** A store declared once in `stores:` and shared by every middleware naming it. */
export type SharedStore =
  { readonly type: 'memory' } | { readonly type: 'redis'; readonly client: unknown; readonly prefix: string };

/** One middleware a config file can name in `pipeline:` and `tools:`. */
export interface RegistryEntry {
  /** The key in the file, e.g. `rateLimit`. */
  readonly name: string;
  readonly description: string;
  /** Options as they may appear in a file (JSON-serialisable). Objects are strict: unknown keys are errors. */
  readonly schema: z.ZodObject;
  /** One line and the default of each option, for the JSON Schema (from the package's declaration). */
  readonly docs?: Readonly<Record<string, readonly [description: string, fallback?: unknown]>>;
  /** The package's option declaration the schema and docs come from, when there is one. */
  readonly declaration?: DeclarationView;
  /** Declared options config sets itself, and keys only a file has (see declared.ts). */
  readonly omitted?: readonly string[];
  readonly fileOnly?: readonly string[];
  /** Rules between options, checked on a pipeline entry's whole options after the schema. */
  readonly crossCheck?: (options: Readonly<Record<string, unknown>>) => readonly CrossProblem[];
  /** Builds the middleware from checked options; may throw the factory's ConfigError. */
  create(options: Record<string, unknown>, context: BuildContext): Middleware | Promise<Middleware>;
}

/** A middleware package outside this project: `pipeline: [{ use: 'my-package', options: {…} }]` loads this. */
export interface ThirdPartyModule {
  /** The factory, called with the entry's options. */
  readonly default?: (options: unknown) => Middleware;
  readonly factory?: (options: unknown) => Middleware;
  /** Optional zod schema for the options; checked like a built-in's. */
  readonly schema?: z.ZodType;
}
