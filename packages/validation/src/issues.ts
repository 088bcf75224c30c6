/** Validation issues: where a value failed, what was expected and what came, never echoing the value. */
import { MiddlewareError } from '@mcp-middleware/core';
import type { PathSegment } from './payload.js';

/** One problem with a value, phrased so a model can correct it in one try. */
export interface ValidationIssue {
  /** Where: `amount`, `items[2].name`, or `(root)` for the value itself. */
  readonly path: string;
  /** One line saying what is wrong and what to do. */
  readonly message: string;
  /** What the schema wanted, when a schema said it. */
  readonly expected?: string;
  /** The kind and size of what came (`a string of 3 characters`), never the value itself. */
  readonly received?: string;
}

/** The path of the value itself. */
export const ROOT_PATH = '(root)';

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const MAX_KEY_LENGTH = 64;
const MAX_BRIEF_LENGTH = 120;
// Issues listed in the message; `data.issues` keeps a few more for programs.
const MAX_LISTED = 10;
const MAX_IN_DATA = 25;

/** Formats a path for people and models: `items[2].name`, `["a key"].x`; `(root)` when empty. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') {
      out += `[${segment}]`;
      continue;
    }
    const key = segment.length > MAX_KEY_LENGTH ? `${segment.slice(0, MAX_KEY_LENGTH)}…` : segment;
    if (IDENTIFIER.test(segment)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out === '' ? ROOT_PATH : out;
}

// Tool names in texts: a call to an unknown tool may carry a name of any length.
const MAX_NAME_LENGTH = 128;

/** A tool name as texts show it: cut to 128 characters, since an unknown tool's name is the caller's. */
export function nameFor(name: string): string {
  return name.length > MAX_NAME_LENGTH ? `${name.slice(0, MAX_NAME_LENGTH)}…` : name;
}

/** Marks a path that does not exist in the value. */
export const MISSING: unique symbol = Symbol('missing');

/** The value at `path`, following own properties only; {@link MISSING} when the path does not exist. */
export function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let current = root;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null) return MISSING;
    if (!Object.hasOwn(current, segment)) return MISSING;
    current = (current as Record<PathSegment, unknown>)[segment];
  }
  return current;
}

/** Describes a value by kind and size only: values may be large or secret, so they are never echoed. */
export function describeReceived(value: unknown): string {
  if (value === MISSING) return 'nothing (missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length} item${value.length === 1 ? '' : 's'}`;
  switch (typeof value) {
    case 'string':
      return value === ''
        ? 'an empty string'
        : `a string of ${value.length} character${value.length === 1 ? '' : 's'}`;
    case 'number':
      if (!Number.isFinite(value)) return 'a non-finite number';
      return Number.isInteger(value) ? 'an integer' : 'a number with a fraction';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'an object';
    case 'undefined':
      return 'undefined';
    case 'bigint':
      return 'a bigint';
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
  }
  return 'a value';
}

/** A short JSON rendering of a schema value (an enum list, a pattern) for messages. */
export function brief(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > MAX_BRIEF_LENGTH ? `${text.slice(0, MAX_BRIEF_LENGTH)}…` : text;
}

/** A value of the wrong kind or shape. */
export function mismatch(path: readonly PathSegment[], expected: string, value: unknown): ValidationIssue {
  if (value === MISSING) return missing(path, expected);
  const received = describeReceived(value);
  return {
    path: formatPath(path),
    message: `expected ${expected}, received ${received}`,
    expected,
    received,
  };
}

/** A required value that is absent. */
export function missing(path: readonly PathSegment[], expected = 'a value'): ValidationIssue {
  return {
    path: formatPath(path),
    message: `required, but missing (expected ${expected})`,
    expected,
    received: describeReceived(MISSING),
  };
}

/** A property the schema does not know. */
export function unknownProperty(path: readonly PathSegment[]): ValidationIssue {
  return { path: formatPath(path), message: 'not a known property; remove it' };
}

/** Drops repeated issues (several schema branches often say the same thing). */
export function dedupe(issues: readonly ValidationIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.path}\n${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function listing(issues: readonly ValidationIssue[], prefix: (path: string) => string): string {
  const lines = issues.slice(0, MAX_LISTED).map((issue) => `- ${prefix(issue.path)}: ${issue.message}`);
  if (issues.length > MAX_LISTED) lines.push(`- …and ${issues.length - MAX_LISTED} more`);
  return lines.join('\n');
}

function dataOf(
  issues: readonly ValidationIssue[],
  prefix: (path: string) => string,
  extra: Readonly<Record<string, unknown>> = {},
): Record<string, unknown> {
  const listed = issues.slice(0, MAX_IN_DATA).map((issue) => ({ ...issue, path: prefix(issue.path) }));
  return {
    ...extra,
    issues: listed,
    ...(issues.length > MAX_IN_DATA && { omitted: issues.length - MAX_IN_DATA }),
  };
}

const asIs = (path: string): string => path;

/** `INVALID_ARGUMENTS` listing every problem, with the list in `data.issues` too. */
export function invalidArguments(
  tool: string,
  issues: readonly ValidationIssue[],
  extra?: Readonly<Record<string, unknown>>,
  cause?: unknown,
): MiddlewareError {
  const unique = dedupe(issues);
  const name = nameFor(tool);
  const message =
    `Invalid arguments for tool \`${name}\`:\n${listing(unique, asIs)}\n` +
    `Fix ${unique.length === 1 ? 'this' : 'these'} and call \`${name}\` again.`;
  return new MiddlewareError('INVALID_ARGUMENTS', message, { data: dataOf(unique, asIs, extra), cause });
}

/** `INVALID_ARGUMENTS` for the params of a request other than a tool call (a JSON-RPC -32602 on the wire). */
export function invalidParams(
  method: string,
  issues: readonly ValidationIssue[],
  extra?: Readonly<Record<string, unknown>>,
): MiddlewareError {
  const unique = dedupe(issues);
  const message =
    `Invalid params for \`${method}\`:\n${listing(unique, asIs)}\n` +
    `Fix ${unique.length === 1 ? 'this' : 'these'} and send the request again.`;
  return new MiddlewareError('INVALID_ARGUMENTS', message, { data: dataOf(unique, asIs, extra) });
}

const underStructuredContent = (path: string): string =>
  path === ROOT_PATH
    ? 'structuredContent'
    : path.startsWith('[')
      ? `structuredContent${path}`
      : `structuredContent.${path}`;

/** `OUTPUT_INVALID`: the tool's structured result does not match its output schema. */
export function outputInvalid(
  tool: string,
  issues: readonly ValidationIssue[],
  cause?: unknown,
): MiddlewareError {
  const unique = dedupe(issues);
  const message =
    `Tool \`${tool}\` returned a result that does not match its output schema:\n` +
    `${listing(unique, underStructuredContent)}\nThis is a fault in the tool, not in the arguments.`;
  return new MiddlewareError('OUTPUT_INVALID', message, {
    data: dataOf(unique, underStructuredContent),
    cause,
  });
}
