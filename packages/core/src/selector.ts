/** Per-tool scoping: `when(selector, ...middlewares)` and the glob rules config files share. */
import { compose, withChildren } from './compose.js';
import type { Middleware, ToolAnnotations, ToolInfo } from './contract.js';
import { ConfigError } from './errors.js';

/**
 * Which tools a scope applies to: a name glob (`*` any run, `?` one character; a leading `!` negates),
 * a list of globs (any matches; negations exclude), a predicate, or annotations that must all equal.
 */
export type ToolSelector =
  | string
  | readonly string[]
  | ((tool: ToolInfo) => boolean)
  | { readonly [K in keyof ToolAnnotations]?: ToolAnnotations[K] };

/** A compiled name glob. */
export interface GlobPattern {
  test(name: string): boolean;
}

// Wildcard matching that backtracks only to the last `*`: O(glob × name) at worst, never exponential, so a
// caller-chosen tool name (unknown tools pass the pipeline too) cannot stall the event loop.
function matchGlob(glob: string, name: string): boolean {
  let g = 0;
  let n = 0;
  let star = -1;
  let resume = 0;
  while (n < name.length) {
    const c = glob.charCodeAt(g);
    if (g < glob.length && (c === 63 /* ? */ || c === name.charCodeAt(n))) {
      g++;
      n++;
    } else if (g < glob.length && c === 42 /* * */) {
      star = g++;
      resume = n;
    } else if (star !== -1) {
      g = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (g < glob.length && glob.charCodeAt(g) === 42) g++;
  return g === glob.length;
}

/** Compiles a name glob (`*` any run, `?` one character) to a matcher that runs in linear-bounded time. */
export function globToRegExp(glob: string): GlobPattern {
  return { test: (name) => matchGlob(glob, name) };
}

/** Compiles a selector once into a predicate over tools. */
export function toolMatcher(selector: ToolSelector): (tool: ToolInfo) => boolean {
  if (typeof selector === 'function') return selector;
  if (typeof selector === 'string' || Array.isArray(selector)) {
    const globs: readonly string[] = typeof selector === 'string' ? [selector] : selector;
    if (globs.length === 0)
      throw new ConfigError('selector', 'when: a selector list needs at least one glob');
    const include = globs.filter((g) => !g.startsWith('!')).map(globToRegExp);
    const exclude = globs.filter((g) => g.startsWith('!')).map((g) => globToRegExp(g.slice(1)));
    return (tool) =>
      (include.length === 0 || include.some((re) => re.test(tool.name))) &&
      !exclude.some((re) => re.test(tool.name));
  }
  if (typeof selector === 'object' && selector !== null) {
    const wanted = Object.entries(selector);
    return (tool) =>
      wanted.every(
        ([key, value]) => (tool.annotations as Record<string, unknown> | undefined)?.[key] === value,
      );
  }
  throw new ConfigError(
    'selector',
    `when: a selector is a glob, a list of globs, a predicate or annotations, got ${typeof selector}`,
  );
}

/** Runs `middlewares` only for the tools `selector` picks; other tools go straight to `next`. */
export function when(selector: ToolSelector, ...middlewares: Middleware[]): Middleware {
  const matches = toolMatcher(selector);
  const inner = compose(middlewares);
  // Glob and annotation answers are fixed per tool; predicates may look at anything, so they run every call.
  const memo = typeof selector === 'function' ? undefined : new WeakMap<ToolInfo, boolean>();
  return withChildren(
    function when(ctx, next) {
      let hit = memo?.get(ctx.tool);
      if (hit === undefined) {
        hit = matches(ctx.tool);
        memo?.set(ctx.tool, hit);
      }
      return hit ? inner(ctx, next) : next(ctx);
    },
    [inner],
  );
}
