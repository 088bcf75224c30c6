/** Pure helpers: reading trace context from `params._meta`, and bounded, redacted captures of args and results. */
import type { TextMapGetter } from '@opentelemetry/api';
import { redactSecrets } from '@mcp-middleware/core';

type Carrier = Readonly<Record<string, unknown>>;

/**
 * A getter over the plain `_meta` object. Only strings (or arrays of strings) come back: `_meta` also holds
 * a numeric `progressToken` and anything a client sends, and propagators call string methods on values.
 */
export const metaGetter: TextMapGetter<Carrier> = {
  keys(carrier) {
    return Object.keys(carrier);
  },
  get(carrier, key) {
    const value = carrier[key];
    if (typeof value === 'string') return value;
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
    return undefined;
  },
};

/** What a capture records when the value has no JSON form (a cycle, a BigInt). */
export const UNSERIALIZABLE = '[unserializable]';

/**
 * A value as JSON for a span attribute: cut to `maxLength` characters (then `…`) and with credentials
 * redacted; undefined when there is nothing to record. Never throws.
 */
export function captureValue(value: unknown, maxLength: number): string | undefined {
  if (value === undefined) return undefined;
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    return UNSERIALIZABLE;
  }
  if (json === undefined) return UNSERIALIZABLE;
  return redactSecrets(json.length > maxLength ? `${json.slice(0, maxLength)}…` : json);
}
