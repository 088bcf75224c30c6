/** Deep merge for config overlays: objects merge key by key, everything else (lists too) is replaced. */

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `over` on top of `base`, neither changed. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    Object.defineProperty(out, key, {
      value: deepMerge(base[key], value),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
