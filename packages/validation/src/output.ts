/** Result size: estimate it, and cut text down to a byte budget with a marker the model can see. */
import type { CallToolResult } from '@mcp-middleware/core';
import { estimateJsonBytes, type PayloadLimits } from './payload.js';

type ContentBlock = CallToolResult['content'][number];

/** The text that replaces what truncation removed. */
export function truncationMarker(maxBytes: number, omitted: number, total: number): string {
  return (
    `[truncated: this result was larger than the server's limit of ${maxBytes} bytes; ` +
    `${omitted} of ${total} content block${total === 1 ? '' : 's'} cut or left out. ` +
    'Ask for less, e.g. a narrower query or a smaller page.]'
  );
}

/** The longest prefix of `text` whose UTF-8 encoding fits in `maxBytes`, never splitting a character. */
export function cutToBytes(text: string, maxBytes: number): string {
  if (maxBytes <= 0) return '';
  if (text.length * 3 <= maxBytes) return text;
  const { read } = new TextEncoder().encodeInto(text, new Uint8Array(maxBytes));
  return text.slice(0, read);
}

/**
 * Cuts `result.content` so the whole result fits in `maxBytes` (as {@link estimateJsonBytes} counts):
 * blocks are kept in order, the first text block that does not fit is cut, later blocks are left out,
 * and a text block with the marker goes last. Undefined when even that cannot fit (a large
 * `structuredContent` cannot be cut without breaking its schema).
 */
export function truncateResult(
  result: CallToolResult,
  maxBytes: number,
  cap: PayloadLimits,
): CallToolResult | undefined {
  const content: readonly ContentBlock[] = Array.isArray(result.content) ? result.content : [];
  const marker = (omitted: number): ContentBlock => ({
    type: 'text',
    text: truncationMarker(maxBytes, omitted, content.length),
  });
  // The marker's size barely depends on the count; measure it with the widest count.
  const markerBytes = estimateJsonBytes(marker(content.length), cap) + 1;
  let budget = maxBytes - estimateJsonBytes({ ...result, content: [] }, cap) - markerBytes;
  if (budget < 0) return undefined;
  const kept: ContentBlock[] = [];
  for (const block of content) {
    const size = estimateJsonBytes(block, cap) + 1;
    if (size <= budget) {
      kept.push(block);
      budget -= size;
      continue;
    }
    if (block.type === 'text') {
      const room = budget - (estimateJsonBytes({ ...block, text: '' }, cap) + 1);
      if (room > 0) kept.push({ ...block, text: cutToBytes(block.text, room) });
    }
    break;
  }
  const untouched = kept.filter((block, i) => block === content[i]).length;
  kept.push(marker(content.length - untouched));
  return { ...result, content: kept };
}
