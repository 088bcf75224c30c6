/** How a message a model reads names what a request is about: "tool `search`", "resource `notes://1`". */
import type { RequestContext } from './contract.js';

const MAX_SHOWN = 128;
const NOUNS: Readonly<Record<string, string>> = {
  'resources/read': 'resource',
  'prompts/get': 'prompt',
  'completion/complete': 'completion for',
};

/** "tool `search`", "resource `notes://1`", "prompt `greet`"; a caller-chosen target is cut to 128 characters. */
export function describeTarget(ctx: Pick<RequestContext, 'operation' | 'target'>): string {
  const target = ctx.target ?? '';
  const shown = target.length > MAX_SHOWN ? `${target.slice(0, MAX_SHOWN)}…` : target;
  const noun = NOUNS[ctx.operation];
  return noun === undefined ? `tool \`${shown}\`` : `${noun} \`${shown}\``;
}
