/** Tool arguments made safe for a log line: core's one redaction and bounds, plus the paths the user marks. */
import { REDACTED, isSecretKey, redactValue, type RedactOptions } from '@mcp-middleware/core/redact';

/** What replaces a redacted value (core's `REDACTED`). */
export const CENSOR = REDACTED;

/** True for a key that names a credential (core's `isSecretKey`, the rule every sink shares). */
export const isSensitiveKey: (key: string) => boolean = isSecretKey;

/** Bounds of the arguments copy on a log line: small enough that one call cannot flood the log. */
export const ARGS_BOUNDS: Readonly<Required<RedactOptions>> = {
  maxDepth: 8,
  maxKeys: 100,
  maxKeyLength: 128,
  maxStringLength: 1024,
  maxBytes: 8192,
};

/** Parses user-marked paths (`card.number`, `items.*.ssn`) once, at factory time. */
export function parsePaths(paths: readonly string[]): readonly (readonly string[])[] {
  return paths.map((path) => path.split('.'));
}

function censorPath(target: unknown, path: readonly string[], at: number): void {
  if (typeof target !== 'object' || target === null) return;
  const segment = path[at] as string;
  const record = target as Record<string, unknown>;
  const keys = segment === '*' ? Object.keys(record) : Object.hasOwn(record, segment) ? [segment] : [];
  for (const key of keys) {
    if (at === path.length - 1) record[key] = CENSOR;
    else censorPath(record[key], path, at + 1);
  }
}

/**
 * A copy of `args` safe to log: values under secret keys (any depth, any spelling) and under `paths`
 * become `[redacted]`, strings lose secret-shaped text, and the copy is bounded by {@link ARGS_BOUNDS}
 * (at most 8 KiB of JSON, 100 keys per object, depth 8). Never throws.
 */
export function redactArgs(args: unknown, paths: readonly (readonly string[])[] = []): unknown {
  const safe = redactValue(args, ARGS_BOUNDS);
  // The copy is ours and already bounded, so marking paths on it costs at most its size.
  for (const path of paths) censorPath(safe, path, 0);
  return safe;
}
