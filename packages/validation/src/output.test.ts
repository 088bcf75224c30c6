import type { CallToolResult } from '@mcp-middleware/core';
import { describe, expect, it } from 'vitest';
import { cutToBytes, truncateResult } from './output.js';
import { byteCap, estimateJsonBytes } from './payload.js';

const text = (t: string): { type: 'text'; text: string } => ({ type: 'text', text: t });

describe('cutToBytes', () => {
  it('keeps a text that fits', () => {
    expect(cutToBytes('hello', 100)).toBe('hello');
  });

  it('cuts at a byte budget without splitting a character', () => {
    expect(cutToBytes('aé😀b', 4)).toBe('aé');
    expect(cutToBytes('aé😀b', 7)).toBe('aé😀');
  });
});

describe('truncateResult', () => {
  const cap = byteCap(2000);

  it('cuts the first text that does not fit and ends with a visible marker', () => {
    const result: CallToolResult = { content: [text('a'.repeat(300)), text('b'.repeat(5000)), text('c')] };
    const cut = truncateResult(result, 2000, cap)!;
    expect(cut.content).toHaveLength(3);
    expect(cut.content[0]).toBe(result.content[0]);
    expect((cut.content[1] as { text: string }).text).toMatch(/^b+$/);
    expect((cut.content[2] as { text: string }).text).toMatch(
      /^\[truncated: .*limit of 2000 bytes; 2 of 3 content blocks/,
    );
    expect(estimateJsonBytes(cut, cap)).toBeLessThanOrEqual(2000);
  });

  it('leaves out a non-text block that does not fit', () => {
    const result: CallToolResult = {
      content: [{ type: 'image', data: 'A'.repeat(5000), mimeType: 'image/png' }, text('after')],
    };
    const cut = truncateResult(result, 2000, cap)!;
    expect(cut.content).toHaveLength(1);
    expect((cut.content[0] as { text: string }).text).toContain('2 of 2 content blocks');
  });

  it('keeps structuredContent and other fields as they are', () => {
    const result: CallToolResult = {
      content: [text('x'.repeat(5000))],
      structuredContent: { total: 3 },
      _meta: { page: 1 },
    };
    const cut = truncateResult(result, 2000, cap)!;
    expect(cut.structuredContent).toBe(result.structuredContent);
    expect(cut._meta).toBe(result._meta);
  });

  it('gives up when structuredContent alone is over the limit', () => {
    const result: CallToolResult = { content: [], structuredContent: { blob: 'x'.repeat(5000) } };
    expect(truncateResult(result, 2000, cap)).toBeUndefined();
  });
});
