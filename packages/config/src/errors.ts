/** Config file errors: every problem names its path, its line when the file is YAML, what was expected and what came. */
import { maskUserinfo } from './secrets.js';

/** Problems the message lists; `problems` keeps them all. */
const MAX_LISTED = 50;
/** A key longer than this is shown cut, so a hostile file cannot make a megabyte message. */
const MAX_KEY_SHOWN = 80;

/** One problem in a config file. */
export interface ConfigProblem {
  /** e.g. `pipeline[3].rateLimit.windowMs` */
  readonly path: string;
  readonly message: string;
  readonly file?: string | undefined;
  readonly line?: number | undefined;
}

/**
 * A config file that cannot be used; `problems` lists all of them, the message shows them one per line (the
 * first 50). URL userinfo (`redis://user:password@`) is masked in every message.
 */
export class ConfigFileError extends Error {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[], file?: string) {
    const masked = problems.map((p) => ({ ...p, message: maskUserinfo(p.message) }));
    const lines = masked.slice(0, MAX_LISTED).map((p) => `  ${formatProblem(p)}`);
    if (masked.length > MAX_LISTED) lines.push(`  … and ${masked.length - MAX_LISTED} more problems`);
    super(
      `invalid mcp-middleware config${file === undefined ? '' : ` ${maskUserinfo(file)}`}:\n${lines.join('\n')}`,
    );
    this.problems = masked;
  }
}
Object.defineProperty(ConfigFileError.prototype, 'name', { value: 'ConfigFileError' });

/** `path: message (file line N)`. */
export function formatProblem(problem: ConfigProblem): string {
  const where =
    problem.line === undefined
      ? ''
      : ` (${problem.file === undefined ? 'line' : `${problem.file}:`}${problem.line})`;
  // A file-level problem with a line (a syntax error) reads as an editor's does: `file:line: message`.
  if (problem.path === '' && problem.line !== undefined)
    return `${problem.file === undefined ? 'line ' : `${problem.file}:`}${problem.line}: ${problem.message}`;
  return `${problem.path === '' ? '(root)' : problem.path}: ${problem.message}${where}`;
}

/** Renders a path of keys and indexes the way users read it: `pipeline[3].rateLimit.windowMs`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const item of path) {
    const key =
      typeof item === 'string' && item.length > MAX_KEY_SHOWN
        ? `${item.slice(0, MAX_KEY_SHOWN - 20)}…(${item.length} characters)`
        : item;
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/** A short rendering of a value for "got …". */
export function describeInput(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return typeof value === 'symbol' || typeof value === 'function'
    ? typeof value
    : `${value as number | boolean | bigint}`;
}
