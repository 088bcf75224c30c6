/** Pure helpers: reading trace context from `params._meta`, and redacted, bounded captures of args and results. */
import type { TextMapGetter } from '@opentelemetry/api';
import { redactValue } from '@mcp-middleware/core/redact';

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

/** What a capture records when the value has no JSON form (a function, a symbol). */
export const UNSERIALIZABLE = '[unserializable]';

/**
 * A value as JSON for a span attribute, through core's one redaction: values under secret keys and
 * secret-shaped text are redacted first, the copy is bounded (so a huge argument costs little), and only
 * then is the JSON cut to `maxLength` characters (then `…`). Undefined when there is nothing to record.
 * Never throws.
 */
export function captureValue(value: unknown, maxLength: number): string | undefined {
  if (value === undefined) return undefined;
  const safe = redactValue(value, { maxStringLength: maxLength, maxBytes: 2 * maxLength + 512 });
  const json = JSON.stringify(safe) as string | undefined;
  if (json === undefined) return UNSERIALIZABLE;
  return json.length > maxLength ? `${json.slice(0, maxLength)}…` : json;
}
