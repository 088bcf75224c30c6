/** loadConfig(): reads a YAML or JSON file (plus its `.local` override), fills in the environment, checks it. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { LineCounter, isScalar, parseDocument, visit, type Document } from 'yaml';
import { interpolate } from './env.js';
import { ConfigFileError, type ConfigProblem } from './errors.js';
import { deepMerge } from './merge.js';
import { builtins } from './builtins.js';
import type { RegistryEntry } from './registry.js';
import { validateConfig, type McpMiddlewareConfig } from './validate.js';

/** Options of {@link loadConfig}. */
export interface LoadOptions {
  /** Where `${VAR}` values come from. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Merge `<name>.local.<ext>` from beside the file when it exists. @default true */
  readonly localOverride?: boolean;
  /** Middlewares a file may name. @default the built-in registry */
  readonly registry?: readonly RegistryEntry[];
}

const MAX_FILE_BYTES = 1024 * 1024;

interface Parsed {
  readonly file: string;
  readonly value: unknown;
  readonly doc: Document;
  readonly lines: LineCounter;
}

function parseFile(file: string): Parsed {
  let text: string;
  try {
    if (statSync(file).size > MAX_FILE_BYTES) {
      throw new ConfigFileError(
        [{ path: '', message: `the file is larger than ${MAX_FILE_BYTES} bytes`, file }],
        file,
      );
    }
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof ConfigFileError) throw error;
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new ConfigFileError([{ path: '', message: `cannot read the config file: ${reason}`, file }], file);
  }
  const lines = new LineCounter();
  // JSON is YAML too, so one parser gives line numbers for both formats.
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, merge: false });
  if (doc.errors.length > 0) {
    throw new ConfigFileError(
      doc.errors.map((e) => ({
        path: '',
        message: `not valid ${extname(file) === '.json' ? 'JSON' : 'YAML'}: ${e.message.split('\n')[0] ?? e.code}`,
        file,
        line: e.linePos?.[0].line,
      })),
      file,
    );
  }
  // yaml's toJS would turn a `__proto__` key into a prototype: refuse such keys before converting.
  const forbidden: ConfigProblem[] = [];
  visit(doc, {
    Pair(_, pair) {
      const key = isScalar(pair.key) ? pair.key.value : undefined;
      if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
        const offset = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
        forbidden.push({
          path: '',
          message: `the key "${String(key)}" is not allowed`,
          file: basename(file),
          line: offset === undefined ? undefined : lines.linePos(offset).line,
        });
      }
    },
  });
  if (forbidden.length > 0) throw new ConfigFileError(forbidden, file);
  return { file, value: doc.toJS({ maxAliasCount: 50 }) as unknown, doc, lines };
}

function lineOf(parsed: Parsed, path: string): { line: number; depth: number } | undefined {
  // Paths come back formatted (`pipeline[3].rateLimit.windowMs`); split them into keys again.
  const keys: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g)) {
    if (m[2] !== undefined) keys.push(Number(m[2]));
    else if (m[3] !== undefined) keys.push(JSON.parse(`"${m[3]}"`) as string);
    else if (m[1] !== undefined) keys.push(m[1]);
  }
  for (let n = keys.length; n >= 0; n--) {
    const node = parsed.doc.getIn(keys.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node?.range !== undefined) return { line: parsed.lines.linePos(node.range[0]).line, depth: n };
  }
  return undefined;
}

function localFileOf(file: string): string {
  const ext = extname(file);
  return join(dirname(file), `${basename(file, ext)}.local${ext}`);
}

/**
 * Loads a config from a file path (YAML or JSON) or checks one given as an object. Throws a
 * {@link ConfigFileError} listing every problem with its path, line, what was expected and what came.
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
      files.unshift(override);
      raw = deepMerge(raw, override.value);
    }
  }
  const problems: ConfigProblem[] = [];
  const interpolated = interpolate(raw, env, problems);
  const result = problems.length > 0 ? { problems } : validateConfig(interpolated, registry);
  if (result.config === undefined) {
    // Point at the file (main or .local) holding the deepest part of the problem's path.
    const located = result.problems.map((p) => {
      let best: { file: string; line: number; depth: number } | undefined;
      for (const parsed of files) {
        const found = lineOf(parsed, p.path);
        if (found !== undefined && (best === undefined || found.depth > best.depth))
          best = { ...found, file: basename(parsed.file) };
      }
      return best === undefined ? p : { ...p, file: best.file, line: best.line };
    });
    throw new ConfigFileError(located, file);
  }
  return { ...result.config, file };
}
