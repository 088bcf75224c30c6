/** Text on spans: client-given names, ids and URIs bounded (and redacted), and the message of a thrown value. */
import { redactText } from '@mcp-middleware/core/redact';

/** Tool and prompt names, request and session ids come from the client: a span keeps this many characters. */
export const MAX_ID_LENGTH = 256;
/** A resource URI attribute keeps this many characters (then `…`), after redaction. */
export const MAX_URI_LENGTH = 1024;

/** `text` cut to {@link MAX_ID_LENGTH} characters (then `…`). */
export function bounded(text: string): string {
  return text.length > MAX_ID_LENGTH ? `${text.slice(0, MAX_ID_LENGTH)}…` : text;
}

/**
 * Client-given text that is not a plain name (a resource URI, a prompt name a client made up), through
 * core's one redaction: URL userinfo, `token=…` query parameters, bearer credentials and the like become
 * `[redacted]`, and the text is cut to `maxLength` characters after redacting.
 */
export function redactedTarget(text: string, maxLength: number): string {
  return redactText(text, maxLength);
}

/** The message of a thrown value, unredacted: redact before it reaches a span. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : 'non-Error value thrown';
}
