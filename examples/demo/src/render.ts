// How the demo prints: tables, a trace tree and log lines, every line within WIDTH columns.
import type { Step } from './story.js';

/** The widest line the demo prints (a terminal of 100 columns). */
export const WIDTH = 100;

/** Greedy word wrap at `width`; an overlong word is cut. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (let word of text.split(' ')) {
    while (word.length > width) {
      if (line !== '') lines.push(line);
      lines.push(word.slice(0, width));
      word = word.slice(width);
      line = '';
    }
    if (line === '') line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return lines;
}

const COLUMNS = [
  ['#', 3],
  ['scenario', 32],
  ['tool', 15],
  ['outcome', 19],
  ['handler', 7],
] as const;

/** One row per step: number, scenario, tool, outcome, handler runs; the why wrapped beneath it. */
export function storyTable(steps: readonly Step[]): string[] {
  const row = (cells: readonly string[]): string =>
    cells
      .map((cell, c) => {
        const width = COLUMNS[c]?.[1] ?? 0;
        return c === 0 ? cell.padStart(width) : cell.slice(0, width).padEnd(width);
      })
      .join('  ')
      .trimEnd();
  const lines = [row(COLUMNS.map(([name]) => name)), row(COLUMNS.map(([, width]) => '─'.repeat(width)))];
  for (const [i, step] of steps.entries()) {
    lines.push(row([String(i + 1), step.scenario, step.tool, step.outcome, `ran ${step.handlerCalls}×`]));
    lines.push(...wrap(`→ ${step.why}`, WIDTH - 5).map((line) => `     ${line}`));
  }
  return lines;
}

/** A finished span, as much of it as the tree shows. */
export interface SpanNode {
  readonly id: string;
  readonly parentId: string | undefined;
  readonly name: string;
  readonly ms: number;
  readonly error: string | undefined;
}

/** The spans under `root` as an indented tree, children in start order. */
export function traceTree(spans: readonly SpanNode[], root: SpanNode): string[] {
  const lines: string[] = [];
  const label = (span: SpanNode): string =>
    `${span.name}  ${span.ms.toFixed(1)} ms${span.error === undefined ? '' : `  error: ${span.error}`}`;
  const walk = (span: SpanNode, prefix: string, last: boolean, top: boolean): void => {
    lines.push(top ? label(span) : `${prefix}${last ? '└─ ' : '├─ '}${label(span)}`.slice(0, WIDTH));
    const children = spans.filter((s) => s.parentId === span.id);
    const next = top ? '' : `${prefix}${last ? '   ' : '│  '}`;
    children.forEach((child, i) => walk(child, next, i === children.length - 1, false));
  };
  walk(root, '', true, true);
  return lines;
}

const field = (value: unknown): string =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : '';

/** A pino line, pretty: level, tool, message and error type on one line, wrapped. */
export function logLine(line: Readonly<Record<string, unknown>>): string[] {
  const levels: Record<number, string> = { 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
  const level = levels[Number(line.level)] ?? field(line.level);
  const code = field(line['error.type'] ?? line.code);
  const parts = [level.padEnd(5), field(line.tool ?? line['mcp.method.name']), field(line.msg)];
  if (code !== '') parts.push(`(${code})`);
  return wrap(parts.filter((p) => p !== '').join('  '), WIDTH - 2).map((l) => `  ${l}`);
}
