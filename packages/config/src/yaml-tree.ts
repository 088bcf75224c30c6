/**
 * YAML and JSON text (JSON checked as JSON first, then read by the same tree builder) to plain values in linear time: the line of every path, duplicate and
 * forbidden keys, aliases and nesting all bounded, every problem a ConfigFileError naming file and line.
 */
import { basename } from 'node:path';
import {
  Composer,
  Lexer,
  LineCounter,
  Parser,
  YAMLParseError,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type CST,
  type Document,
  type Node,
} from 'yaml';

type Token = CST.Token;
import { ConfigFileError, formatPath, type ConfigProblem } from './errors.js';
import { findJsonMistake } from './json-syntax.js';

/** Deeper than this is refused; a pipeline file with inline JSON Schemas needs a few dozen levels. */
export const MAX_DEPTH = 100;
/** Values an alias may expand to, all aliases together (a billion-laughs file asks for billions). */
export const MAX_ALIAS_VALUES = 100_000;
/** Parser errors listed at most; a hostile file can have one per byte. */
const MAX_PARSE_ERRORS = 20;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** A parsed file: its value, the line of each path in it, and how many nodes the conversion visited. */
export interface ParsedText {
  readonly value: unknown;
  /** Line of each formatted path (`pipeline[0].rateLimit.limit`). */
  readonly lines: ReadonlyMap<string, number>;
  /** Nodes visited plus key lookups made: a measure of work, linear in the file. */
  readonly work: number;
}

// The YAML parser's time grows faster than the file with flow nesting (`[[[[…`) and compact nesting on one
// line (`- - - -…`); its lexer is linear, so count those with the lexer first and refuse before parsing.
// Each error costs the composer far more than a token, and a hostile file can hold one per byte; so can
// anchors and tags piled on one node (never valid: a node has at most one of each).
function prescan(text: string, name: string, problems: ConfigProblem[]): void {
  let line = 1;
  let flow = 0;
  let onLine = 0;
  let props = 0;
  const refuse = (message: string): void => void problems.push({ path: '', message, file: name, line });
  for (const token of new Lexer().lex(text)) {
    if (token === '[' || token === '{') flow++;
    else if (token === ']' || token === '}') {
      if (flow === 0) return refuse(`not valid YAML: "${token}" closes nothing`);
      flow--;
    } else if (token === '-' || token === '?') onLine++;
    if (token.startsWith('&') || token.startsWith('!')) props++;
    else if (token.trim() !== '') props = 0;
    if (props > 2) return refuse('not valid YAML: a node can have at most one anchor and one tag');
    if (flow + onLine > MAX_DEPTH) return refuse(`nested more than ${MAX_DEPTH} levels deep`);
    for (let i = token.indexOf('\n'); i !== -1; i = token.indexOf('\n', i + 1)) {
      line++;
      onLine = 0;
    }
  }
}

class Converter {
  work = 0;
  aliasValues = 0;
  readonly lines = new Map<string, number>();
  readonly problems: ConfigProblem[] = [];
  readonly #anchors = new Map<string, Node>();
  readonly #counter: LineCounter;
  readonly #name: string;

  constructor(counter: LineCounter, name: string) {
    this.#counter = counter;
    this.#name = name;
  }

  lineOf(node: { range?: readonly number[] | null | undefined } | null | undefined): number | undefined {
    const offset = node?.range?.[0];
    return offset === undefined ? undefined : this.#counter.linePos(offset).line;
  }

  problem(path: readonly PropertyKey[], message: string, line: number | undefined): void {
    this.problems.push({ path: formatPath(path), message, file: this.#name, line });
  }

  // `inAlias`: expanding an alias, so anchors are not redefined, lines not recorded, and values counted.
  convert(node: unknown, path: PropertyKey[], depth: number, inAlias: boolean): unknown {
    this.work++;
    if (inAlias && ++this.aliasValues > MAX_ALIAS_VALUES) return undefined;
    if (depth > MAX_DEPTH) {
      this.problem(path, `nested more than ${MAX_DEPTH} levels deep`, this.lineOf(node as Node));
      return undefined;
    }
    if (isAlias(node)) {
      const target = this.#anchors.get(node.source);
      if (target === undefined) {
        this.problem(path, `alias *${node.source} names no anchor defined before it`, this.lineOf(node));
        return undefined;
      }
      const value = this.convert(target, path, depth, true);
      if (this.aliasValues > MAX_ALIAS_VALUES && !inAlias)
        this.problem(
          path,
          `aliases expand to more than ${MAX_ALIAS_VALUES} values (an alias bomb?); write the values out`,
          this.lineOf(node),
        );
      return value;
    }
    if (!inAlias) {
      const anchor = (node as { anchor?: string } | null)?.anchor;
      if (anchor !== undefined) this.#anchors.set(anchor, node as Node);
    }
    if (isScalar(node)) return node.value;
    if (isSeq(node)) {
      return node.items.map((item, i) => {
        const at = [...path, i];
        if (!inAlias) this.record(at, item as Node);
        return this.convert(item, at, depth + 1, inAlias);
      });
    }
    if (isMap(node)) return this.convertMap(node.items, path, depth, inAlias);
    return node ?? null;
  }

  record(path: readonly PropertyKey[], node: Node | null | undefined): void {
    const line = this.lineOf(node);
    if (line !== undefined) this.lines.set(formatPath(path), line);
  }

  convertMap(
    items: readonly { key: unknown; value: unknown }[],
    path: PropertyKey[],
    depth: number,
    inAlias: boolean,
  ): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const seen = new Map<string, number | undefined>();
    for (const { key, value } of items) {
      this.work++;
      const keyNode = key as Node | null;
      const line = this.lineOf(keyNode) ?? this.lineOf(value as Node);
      if (keyNode !== null && !isScalar(keyNode)) {
        this.problem(path, 'a key must be a plain string, not a list, map or alias', line);
        continue;
      }
      // A scalar key is a string, number, boolean or null; `~:` is the empty key, as yaml's own toJS has it.
      const scalar: unknown = keyNode?.value;
      const name =
        typeof scalar === 'string'
          ? scalar
          : typeof scalar === 'number' || typeof scalar === 'boolean' || typeof scalar === 'bigint'
            ? String(scalar)
            : '';
      const at = [...path, name];
      if (FORBIDDEN_KEYS.has(name)) {
        this.problem(at, `the key "${name}" is not allowed`, line);
        continue;
      }
      if (seen.has(name)) {
        const first = seen.get(name);
        this.problem(at, `duplicate key${first === undefined ? '' : ` (first on line ${first})`}`, line);
        continue;
      }
      seen.set(name, line);
      if (!inAlias && line !== undefined) this.lines.set(formatPath(at), line);
      // defineProperty, not assignment: no key can reach a prototype.
      Object.defineProperty(out, name, {
        value: this.convert(value, at, depth + 1, inAlias),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
}

// An unquoted `${VAR}` inside `{ … }` or `[ … ]` is YAML flow syntax, not text: the commonest config typo.
const UNQUOTED_VARIABLE = /(^|[\s,{[:])\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}/;

/**
 * The first syntax error only: the parser's later errors follow from it and point nowhere useful. When its
 * line holds an unquoted `${…}`, the message says to quote it.
 */
function parseErrors(
  doc: Document,
  counter: LineCounter,
  name: string,
  format: string,
  text: string,
): ConfigProblem[] {
  const first = doc.errors[0];
  if (first === undefined) return [];
  const { line, col } = counter.linePos(first.pos[0]);
  const source = text.split('\n')[line - 1] ?? '';
  const variable = format === 'YAML' ? UNQUOTED_VARIABLE.exec(source) : null;
  const message =
    first.message === 'Maximum call stack size exceeded'
      ? `nested too deeply for the ${format} parser`
      : variable !== null
        ? `not valid YAML: an unquoted \${…} inside { … } or [ … ] is read as YAML syntax; quote it: "${variable[0].trim().replace(/^[,{[:]\s*/, '')}"`
        : `not valid ${format} at column ${col}: ${first.message.split('\n')[0] ?? first.code}`;
  return [{ path: '', message, file: name, line }];
}

/** JSON is checked as JSON (a trailing comma is an error), with the line and column of the first mistake. */
function checkJson(text: string, name: string): ConfigProblem | undefined {
  const mistake = findJsonMistake(text, MAX_DEPTH);
  if (mistake === undefined) return undefined;
  const before = text.slice(0, mistake.offset).split('\n');
  const column = (before.at(-1)?.length ?? 0) + 1;
  return {
    path: '',
    message: `not valid JSON at column ${column}: ${mistake.message}`,
    file: name,
    line: before.length,
  };
}

// parseDocument, spelled out so the parser's error tokens can be counted and parsing stopped early.
function parse(text: string, counter: LineCounter, file: string, format: string): Document {
  const parser = new Parser(counter.addNewLine);
  const tokens: Token[] = [];
  let errors = 0;
  for (const token of parser.parse(text)) {
    if (token.type === 'error' && ++errors > MAX_PARSE_ERRORS)
      throw new ConfigFileError(
        [
          {
            path: '',
            message: `not valid ${format}: more than ${MAX_PARSE_ERRORS} syntax errors`,
            file: basename(file),
            line: counter.linePos(token.offset).line,
          },
        ],
        file,
      );
    tokens.push(token);
  }
  // Duplicate keys are found below in one pass; the composer's own check compares each key with every other.
  const composer = new Composer({ uniqueKeys: false, merge: false, prettyErrors: false });
  const docs = [...composer.compose(tokens, true, text.length)];
  const doc = docs[0] as Document;
  if (docs.length > 1)
    doc.errors.push(
      new YAMLParseError(
        [docs[1]?.range[0] ?? 0, (docs[1]?.range[0] ?? 0) + 1],
        'MULTIPLE_DOCS',
        'Source contains multiple documents; a config file holds one',
      ),
    );
  return doc;
}

/** Parses `text` (read from `file`) into plain values, or throws a ConfigFileError naming file and line. */
export function parseConfigText(text: string, file: string, format: 'YAML' | 'JSON'): ParsedText {
  const name = basename(file);
  const problems: ConfigProblem[] = [];
  const json = format === 'JSON' ? checkJson(text, name) : undefined;
  if (json !== undefined) throw new ConfigFileError([json], file);
  prescan(text, name, problems);
  if (problems.length > 0) throw new ConfigFileError(problems, file);
  const counter = new LineCounter();
  let doc: Document;
  try {
    doc = parse(text, counter, file, format);
  } catch (error) {
    if (error instanceof ConfigFileError) throw error;
    const message = error instanceof RangeError ? 'nested too deeply' : 'cannot be parsed';
    throw new ConfigFileError([{ path: '', message: `not valid ${format}: ${message}`, file: name }], file);
  }
  if (doc.errors.length > 0) throw new ConfigFileError(parseErrors(doc, counter, name, format, text), file);
  const converter = new Converter(counter, name);
  converter.record([], doc.contents);
  const value = converter.convert(doc.contents, [], 0, false);
  if (converter.problems.length > 0) throw new ConfigFileError(converter.problems, file);
  return { value, lines: converter.lines, work: converter.work };
}
