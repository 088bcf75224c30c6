/** Config file errors: every problem names its path, its line when the file is YAML, what was expected and what came. */

/** One problem in a config file. */
export interface ConfigProblem {
  /** e.g. `pipeline[3].rateLimit.windowMs` */
  readonly path: string;
  readonly message: string;
  readonly file?: string | undefined;
  readonly line?: number | undefined;
}

/** A config file that cannot be used; `problems` lists all of them, the message shows them one per line. */
export class ConfigFileError extends Error {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[], file?: string) {
    const lines = problems.map((p) => `  ${formatProblem(p)}`);
    super(`invalid mcp-middleware config${file === undefined ? '' : ` ${file}`}:\n${lines.join('\n')}`);
    this.problems = problems;
  }
}
Object.defineProperty(ConfigFileError.prototype, 'name', { value: 'ConfigFileError' });

/** `path: message (file line N)`. */
export function formatProblem(problem: ConfigProblem): string {
  const where =
    problem.line === undefined
      ? ''
      : ` (${problem.file === undefined ? 'line' : `${problem.file}:`}${problem.line})`;
  return `${problem.path === '' ? '(root)' : problem.path}: ${problem.message}${where}`;
}

/** Renders a path of keys and indexes the way users read it: `pipeline[3].rateLimit.windowMs`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
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
