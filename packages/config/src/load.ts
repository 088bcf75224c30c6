/** loadConfig(): reads a YAML or JSON file (plus its `.local` override), fills in the environment, checks it. */
import { existsSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { interpolate } from './env.js';
import { ConfigFileError, describeInput, formatPath, type ConfigProblem } from './errors.js';
import { deepMerge } from './merge.js';
import { builtins } from './builtins.js';
import { readConfigText } from './read-file.js';
import type { RegistryEntry } from './registry.js';
import { describeHidden, isSecretKey, scrub, sensitiveStrings } from './secrets.js';
import type { Visibility } from './problems.js';
import { validateConfig, type McpMiddlewareConfig } from './validate.js';
import { parseConfigText } from './yaml-tree.js';

/** Options of {@link loadConfig}. */
export interface LoadOptions {
  /** Where `${VAR}` values come from. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Merge `<name>.local.<ext>` from beside the file when it exists. @default true */
  readonly localOverride?: boolean;
  /** Middlewares a file may name. @default the built-in registry */
  readonly registry?: readonly RegistryEntry[];
}

interface Parsed {
  readonly name: string;
  readonly value: unknown;
  readonly lines: ReadonlyMap<string, number>;
}

function parseFile(file: string): Parsed {
  const text = readConfigText(file);
  const parsed = parseConfigText(text, file, extname(file) === '.json' ? 'JSON' : 'YAML');
  return { name: basename(file), value: parsed.value, lines: parsed.lines };
}

// Paths come back formatted (`pipeline[3].rateLimit.windowMs`); split them into keys again.
function keysOf(path: string): (string | number)[] {
  const keys: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g)) {
    if (m[2] !== undefined) keys.push(Number(m[2]));
    else if (m[3] !== undefined) keys.push(JSON.parse(`"${m[3]}"`) as string);
    else if (m[1] !== undefined) keys.push(m[1]);
  }
  return keys;
}

/** Each path's file and line, the `.local` file's lines over the main file's. */
function linesOf(files: readonly Parsed[]): Map<string, { file: string; line: number }> {
  const out = new Map<string, { file: string; line: number }>();
  for (const parsed of files)
    for (const [path, line] of parsed.lines) out.set(path, { file: parsed.name, line });
  return out;
}

/** The file and line of the deepest part of `path` that a file holds. */
export function locate(
  lines: ReadonlyMap<string, { file: string; line: number }>,
  path: string,
): { file: string; line: number } | undefined {
  const keys = keysOf(path);
  for (let n = keys.length; n >= 0; n--) {
    const found = lines.get(formatPath(keys.slice(0, n)));
    if (found !== undefined) return found;
  }
  return undefined;
}

function localFileOf(file: string): string {
  const ext = extname(file);
  return join(dirname(file), `${basename(file, ext)}.local${ext}`);
}

function visibilityOf(fromEnv: ReadonlyMap<string, string>): Visibility {
  return {
    hidden: (path) => path.some(isSecretKey) || fromEnv.has(formatPath(path)),
    describe(path, value) {
      const template = fromEnv.get(formatPath(path));
      if (template !== undefined) return describeHidden(value, template);
      return path.some(isSecretKey) ? describeHidden(value, undefined) : describeInput(value);
    },
  };
}

/**
 * Loads a config from a file path (YAML or JSON) or checks one given as an object. Throws a
 * {@link ConfigFileError} listing every problem with its path, line, what was expected and what came; no
 * problem shows a value from the environment or under a secret-like key.
 */
export function loadConfig(
  input: string | Record<string, unknown>,
  options: LoadOptions = {},
): McpMiddlewareConfig {
  const registry = new Map((options.registry ?? builtins).map((e) => [e.name, e]));
  const env = options.env ?? process.env;
  const files: Parsed[] = [];
  let raw: unknown = input;
  let file: string | undefined;
  if (typeof input === 'string') {
    file = resolve(input);
    const main = parseFile(file);
    files.push(main);
    raw = main.value;
    const local = localFileOf(file);
    if (options.localOverride !== false && existsSync(local)) {
      const override = parseFile(local);
      files.push(override);
      raw = deepMerge(raw, override.value);
    }
  }
  const problems: ConfigProblem[] = [];
  const fromEnv = new Map<string, string>();
  const interpolated = interpolate(raw, env, problems, fromEnv);
  const result =
    problems.length > 0 ? { problems } : validateConfig(interpolated, registry, visibilityOf(fromEnv));
  const lines = linesOf(files);
  if (result.config === undefined) {
    // Messages from a custom registry's schemas are not ours: scrub what they might quote.
    const secrets = sensitiveStrings(interpolated, [], fromEnv, formatPath);
    const located = result.problems.map((p) => {
      const found = locate(lines, p.path);
      const message = scrub(p.message, secrets);
      return found === undefined ? { ...p, message } : { ...p, message, file: found.file, line: found.line };
    });
    throw new ConfigFileError(located, file);
  }
  return { ...result.config, file, sources: { lines, fromEnv } };
}
