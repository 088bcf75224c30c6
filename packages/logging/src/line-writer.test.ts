import { describe, expect, it } from 'vitest';
import type { MiddlewareEvent, RequestContext } from '@mcp-middleware/core';
import { pino, type Logger } from 'pino';
import { isLogger, LineWriter } from './line-writer.js';

// A logger whose destination throws while `broken` is set, and a context that collects warnings.
function setup(): {
  writer: LineWriter;
  ctx: RequestContext;
  lines: string[];
  warnings: MiddlewareEvent[];
  breaks(on: boolean): void;
} {
  let broken = false;
  const lines: string[] = [];
  const logger = pino(
    { level: 'info' },
    {
      write(line: string) {
        if (broken) throw new Error('stderr closed');
        lines.push(line);
      },
    },
  );
  const warnings: MiddlewareEvent[] = [];
  // The writer only emits on the context: nothing else of a request is needed.
  const ctx = { emit: (event: MiddlewareEvent) => warnings.push(event) } as unknown as RequestContext;
  const breaks = (on: boolean): void => {
    broken = on;
  };
  return { writer: new LineWriter(logger), ctx, lines, warnings, breaks };
}

describe('LineWriter', () => {
  it('writes a line through the logger at the level given', () => {
    const { writer, ctx, lines } = setup();
    writer.line('warn', { tool: 't' }, 'tool call rejected', ctx);
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([
      expect.objectContaining({ level: 40, tool: 't', msg: 'tool call rejected' }),
    ]);
  });

  it('drops the lines of a broken logger and warns once while it stays broken', () => {
    const { writer, ctx, warnings, breaks } = setup();
    breaks(true);
    writer.line('warn', {}, 'one', ctx);
    writer.line('warn', {}, 'two', ctx);
    writer.note('warn', {}, 'three', ctx);
    expect(warnings).toEqual([expect.objectContaining({ type: 'warning', source: 'logging' })]);
  });

  // Only a call's or request's line re-arms the warning: an event's line may be the warning's own.
  it.each([
    ['warns again after a call’s line got through', 'line', 2],
    ['does not warn again after only an event’s line got through', 'note', 1],
  ] as const)('%s between two breaks', (_name, between, warned) => {
    const { writer, ctx, warnings, breaks } = setup();
    breaks(true);
    writer.line('warn', {}, 'lost', ctx);
    breaks(false);
    writer[between]('warn', {}, 'written', ctx);
    breaks(true);
    writer.line('warn', {}, 'lost again', ctx);
    expect(warnings).toHaveLength(warned);
  });

  it('counts a level as off when the logger throws checking it', () => {
    const logger = pino({ level: 'info' }, { write: () => {} });
    logger.isLevelEnabled = () => {
      throw new Error('broken');
    };
    expect(new LineWriter(logger).enabled('error')).toBe(false);
  });

  it('lists the logger’s level names and silent', () => {
    const custom = pino({ customLevels: { audit: 35 } }, { write: () => {} }) as unknown as Logger;
    const writer = new LineWriter(custom);
    expect(writer.levelNames()).toEqual(expect.arrayContaining(['info', 'audit', 'silent']));
  });
});

describe('isLogger', () => {
  it('accepts a pino logger and refuses anything else', () => {
    expect(isLogger(pino({}, { write: () => {} }))).toBe(true);
    expect(isLogger({ info: () => {} })).toBe(false);
    expect(isLogger(console as unknown as Logger)).toBe(false);
    expect(isLogger(undefined)).toBe(false);
  });
});
