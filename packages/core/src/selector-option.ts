/** Options that pick tools (cache's `cacheable`, approval's `tools`, …) read one way in every package. */
import type { ToolInfo } from './contract.js';
import { ConfigError } from './errors.js';
import { describeValue } from './result.js';
import { toolMatcher, type ToolSelector } from './selector.js';

/**
 * Compiles the `option` of `source` that picks tools, once, into a predicate: `value` is a
 * {@link ToolSelector} (a glob, `!` negating, a list of globs, annotations, a predicate), or `fallback`
 * when it is undefined. Anything else is a ConfigError naming the option.
 */
export function readToolSelector(
  source: string,
  option: string,
  value: unknown,
  fallback: ToolSelector,
): (tool: ToolInfo) => boolean {
  if (value === undefined) return toolMatcher(fallback);
  try {
    return toolMatcher(value as ToolSelector);
  } catch (error) {
    let given: string;
    try {
      given = describeValue(value);
    } catch {
      given = 'a value that cannot be inspected';
    }
    throw new ConfigError(
      option,
      `${source}: ${option} must be a glob ("!" negates), a non-empty list of globs, annotations such as ` +
        `{ readOnlyHint: true }, or a predicate over the tool; got ${given}`,
      { cause: error },
    );
  }
}
