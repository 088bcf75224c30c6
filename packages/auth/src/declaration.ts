/**
 * auth()'s options, declared once (the package's `./options` export): the factory's check, the config
 * file's validation and its JSON Schema come from here. The resolvers (`jwt()`, `apiKeys()`, …) read their
 * own options; a config file writes them as `jwt:`, `apiKeys:`, `env:` and `authInfo:` beside these.
 */
import { declareOptions, oneOf, value } from '@mcp-middleware/core/options';
import type { AuthOptions } from './auth.js';

const access = (what: string): string =>
  `{ "<glob>": { scopes?, roles? } } per ${what}: the caller needs every scope and one of the roles`;

/** Every option of {@link AuthOptions}: kind, default, and one line of doc. */
export const AUTH_OPTIONS = declareOptions<AuthOptions>()('auth', {
  from: value({
    doc: "who is calling: a resolver or a list, tried in order (default: the transport's authInfo)",
    inFile: false,
  }),
  tools: value({ default: {}, doc: access('tool name') }),
  prompts: value({ default: {}, doc: access('prompt name') }),
  resources: value({ default: {}, doc: access('resource URI') }),
  forbidden: oneOf(['hide', 'refuse'], {
    default: 'hide',
    doc: 'answer for something the caller may not use: hide (as unknown) or refuse',
  }),
});
