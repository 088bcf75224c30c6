/** Option schema builders whose messages read like the rest of our errors: "expected a positive integer". */
import { z } from 'zod/v4';

const expected = (what: string) => ({ error: `expected ${what}` });

/** An integer in [min, max], described as `what`. */
export function integer(what: string, min = 0, max = Number.MAX_SAFE_INTEGER): z.ZodNumber {
  return z.number(expected(what)).int(expected(what)).min(min, expected(what)).max(max, expected(what));
}

/** A positive integer number of milliseconds. */
export const durationMs = (): z.ZodNumber => integer('a positive integer (milliseconds)', 1);
/** A non-negative integer count. */
export const count = (): z.ZodNumber => integer('a non-negative integer', 0);
/** A positive integer count. */
export const positiveCount = (): z.ZodNumber => integer('a positive integer', 1);
/** A non-empty string. */
export const text = (): z.ZodString =>
  z.string(expected('a non-empty string')).min(1, expected('a non-empty string'));
/** A list of non-empty strings. */
export const textList = (): z.ZodArray<z.ZodString> => z.array(text(), expected('a list of strings'));
/** true or false. */
export const flag = (): z.ZodBoolean => z.boolean(expected('true or false'));
/** One of the given words. */
export function oneOf<const T extends readonly [string, ...string[]]>(
  values: T,
): z.ZodEnum<{ [K in T[number]]: K }> {
  return z.enum(values, expected(`one of ${values.map((v) => `"${v}"`).join(', ')}`));
}
/** The name of a store declared in `stores:`. */
export const storeName = (): z.ZodString =>
  z.string(expected('the name of a store declared under stores')).min(1);
