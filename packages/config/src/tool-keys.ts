/**
 * A `tools:` key read as core's `ToolSelector`, so a file's per-tool settings select exactly the tools
 * `when()` would, and its place in the precedence. YAML and JSON keys are strings, so the key has a syntax:
 * a name or glob (`db_*`), a negation (`!admin_*`), a list of either separated by commas
 * (`db_*, !db_drop`), or annotations in braces (`{ readOnlyHint: true }`).
 */
import {
  ConfigError,
  didYouMean,
  type ToolAnnotations,
  type ToolInfo,
  type ToolSelector,
} from '@mcp-middleware/core';
import { toolMatcher } from '@mcp-middleware/core/helpers';
import { describeInput, formatPath } from './errors.js';

type Annotations = { -readonly [K in keyof ToolAnnotations]?: ToolAnnotations[K] };

/** One `tools:` key, parsed once. */
export interface ToolKey {
  /** The key as written. */
  readonly key: string;
  /** What `when()` takes for the same tools: a glob, a list of globs, or annotations. */
  readonly selector: ToolSelector;
  /** Core's matcher for {@link selector}. */
  readonly matches: (tool: ToolInfo) => boolean;
  /** The only tool names the key can match, when it names tools exactly (looked up, never scanned). */
  readonly names: readonly string[] | undefined;
  /** Compared element by element: a larger rank is more specific and applies later. */
  readonly rank: readonly number[];
}

const HINTS = ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const;
const ANNOTATION_KEYS: readonly string[] = ['title', ...HINTS];
const SYNTAX =
  'write a tool name or glob ("db_*"), a negation ("!admin_*"), a list ("db_*, !db_drop") or annotations ("{ readOnlyHint: true }")';

// Tiers, least specific first: globs and negations, then annotations, then exact names.
const GLOB_TIER = 0;
const ANNOTATION_TIER = 1;
const EXACT_TIER = 2;

function refuse(key: string, message: string): never {
  throw new ConfigError(formatPath(['tools', key]), message);
}

const wildcards = (glob: string): number => (glob.match(/[*?]/g) ?? []).length;

// A glob's own specificity: exact names over globs, fewer wildcards, then more literal characters.
function globRank(glob: string): [number, number, number] {
  const wild = wildcards(glob);
  return [wild === 0 ? EXACT_TIER : GLOB_TIER, -wild, glob.length - wild];
}

function compareRanks(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

function checkGlob(key: string, item: string): void {
  if (item === '' || item === '!')
    refuse(key, `an empty name or glob${item === '!' ? ' after "!"' : ''}; ${SYNTAX}`);
  if (item.startsWith('!!'))
    refuse(key, `${describeInput(item)} negates twice; write the glob itself, or one "!" to exclude it`);
  if (/^!?\{/.test(item))
    refuse(
      key,
      'annotations are neither negated nor listed with names, as in when(): give them a key of their own, in braces ("{ readOnlyHint: true }")',
    );
}

/**
 * A list ranks as its widest positive glob (none: `*`), then fewer positives, then more negations: the
 * negations only narrow it, so `db_*, !db_drop` applies after `db_*`, and `!admin_*` right after `*`.
 */
function namesKey(key: string): ToolKey {
  const items = key.includes(',') ? key.split(',').map((item) => item.trim()) : [key];
  for (const item of items) checkGlob(key, item);
  const positives = items.filter((item) => !item.startsWith('!'));
  const negations = items.length - positives.length;
  const widest = (positives.length === 0 ? ['*'] : positives)
    .map(globRank)
    .reduce((a, b) => (compareRanks(a, b) <= 0 ? a : b));
  const selector: ToolSelector = items.length === 1 ? key : items;
  const exact = positives.length > 0 && positives.every((glob) => wildcards(glob) === 0);
  return {
    key,
    selector,
    matches: toolMatcher(selector),
    names: exact ? positives : undefined,
    rank: [...widest, -positives.length, negations],
  };
}

// `name: value` pairs: names bare or quoted; values true, false or a quoted string (for `title`), anything
// else up to the next comma read so that the message can name it. Quotes hold no escapes: a title with a `"`
// goes in single quotes. Each part starts with what it alone can match, so a hostile key costs linear time.
const PAIR =
  /\s*(?:"([^"]*)"|'([^']*)'|([A-Za-z]+))\s*:\s*("[^"]*"\s*|'[^']*'\s*|(?:[^,"'\s][^,"']*)?)(?:,|$)/y;

function annotationValue(text: string): boolean | string | undefined {
  if (text === 'true' || text === 'false') return text === 'true';
  return /^(?:"[^"]*"|'[^']*')$/.test(text) ? text.slice(1, -1) : undefined;
}

function checkAnnotation(key: string, name: string, written: string, seen: Annotations): boolean | string {
  if (!ANNOTATION_KEYS.includes(name)) {
    const guess = didYouMean(name, ANNOTATION_KEYS);
    refuse(
      key,
      `unknown annotation ${describeInput(name)}${guess === undefined ? '' : ` (did you mean ${guess}?)`}; known: ${ANNOTATION_KEYS.join(', ')}`,
    );
  }
  if (name in seen) refuse(key, `the annotation ${name} is written twice`);
  const value = annotationValue(written);
  if (value === undefined || (name === 'title') !== (typeof value === 'string'))
    refuse(
      key,
      `${name} takes ${name === 'title' ? 'a quoted string' : 'true or false'}, got ${written === '' ? 'nothing' : describeInput(written)}`,
    );
  return value;
}

/** Annotations that must all equal, as `when({ readOnlyHint: true })` takes them; ranked by their number. */
function annotationsKey(key: string): ToolKey {
  const inner = key.trim();
  if (!inner.endsWith('}'))
    refuse(key, `an annotation selector is closed by "}": write it as "{ readOnlyHint: true }"`);
  const body = inner.slice(1, -1);
  const annotations: Annotations = {};
  // At most five rounds: a sixth name is unknown or written twice, and refused.
  for (let at = 0; body.slice(at).trim() !== ''; at = PAIR.lastIndex) {
    PAIR.lastIndex = at;
    const match = PAIR.exec(body);
    if (match === null)
      refuse(
        key,
        `cannot read ${describeInput(body.slice(at).trim())}; write annotations as "{ readOnlyHint: true, openWorldHint: false }"`,
      );
    const name = match[1] ?? match[2] ?? match[3] ?? '';
    const value = checkAnnotation(key, name, (match[4] ?? '').trim(), annotations);
    Object.assign(annotations, { [name]: value });
  }
  const count = Object.keys(annotations).length;
  if (count === 0)
    refuse(
      key,
      `empty braces select every tool; write "*" for that, or name an annotation: ${HINTS.join(', ')}`,
    );
  return {
    key,
    selector: annotations,
    matches: toolMatcher(annotations),
    names: undefined,
    rank: [ANNOTATION_TIER, count],
  };
}

/** Reads a `tools:` key; a key that is not a selector throws a ConfigError at `tools["<key>"]` saying how to write one. */
export function parseToolKey(key: string): ToolKey {
  return key.trimStart().startsWith('{') ? annotationsKey(key) : namesKey(key);
}

/** The `when()` selector a `tools:` key stands for (throws a ConfigError for a key that is not one). */
export function toolSelectorOf(key: string): ToolSelector {
  return parseToolKey(key).selector;
}

/**
 * Orders two `tools:` keys by precedence, least specific first: globs and negations (fewer wildcards, then
 * more literal characters), then annotation selectors (more annotations later), then exact names.
 */
export function compareSpecificity(a: string, b: string): number {
  return compareRanks(parseToolKey(a).rank, parseToolKey(b).rank);
}

/** Orders parsed keys the same way, for sorting once. */
export const byPrecedence = (a: ToolKey, b: ToolKey): number => compareRanks(a.rank, b.rank);
