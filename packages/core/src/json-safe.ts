/** Whether a result can be sent as JSON: a BigInt or a cycle would make the transport throw, and the call hang. */

const MAX_DEPTH = 512;

// The walk runs on every call's result, so it allocates nothing: one module-level stack of the objects
// being walked (a getter that re-enters gets a stack of its own).
const shared: object[] = [];
let walking = false;

function walk(node: object, depth: number, ancestors: object[]): string | undefined {
  if (depth > MAX_DEPTH) return `nesting deeper than ${MAX_DEPTH}`;
  if (ancestors.includes(node)) return 'a cycle';
  // toJSON decides its own form (a Date, a Buffer); JSON.stringify calls it, so the walk stops here.
  if (typeof (node as { toJSON?: unknown }).toJSON === 'function') return undefined;
  ancestors.push(node);
  let problem: string | undefined;
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      problem = visit(node[i], depth + 1, ancestors);
      if (problem !== undefined) break;
    }
  } else {
    for (const key in node) {
      if (!Object.hasOwn(node, key)) continue;
      problem = visit((node as Record<string, unknown>)[key], depth + 1, ancestors);
      if (problem !== undefined) break;
    }
  }
  ancestors.pop();
  return problem;
}

// Leaves (strings, numbers, booleans, null, undefined) cost one typeof; only objects are walked.
function visit(node: unknown, depth: number, ancestors: object[]): string | undefined {
  if (typeof node === 'object') return node === null ? undefined : walk(node, depth, ancestors);
  return typeof node === 'bigint' ? 'a BigInt' : undefined;
}

/**
 * Why `value` cannot be written as JSON (`'a BigInt'`, `'a cycle'`, `'nesting deeper than 512'`), or
 * undefined when it can. Walks nodes, not bytes: a megabyte of text is one step.
 */
export function jsonProblemOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return visit(value, 0, shared);
  // A getter that runs jsonProblemOf again gets a stack of its own.
  if (walking) return guardedWalk(value, []);
  walking = true;
  const problem = guardedWalk(value, shared);
  walking = false;
  return problem;
}

// No `finally` on the per-call path: a walk that returns has popped all it pushed, so only a throw
// leaves anything on the stack to clear.
function guardedWalk(value: object, ancestors: object[]): string | undefined {
  try {
    return walk(value, 0, ancestors);
  } catch {
    // a getter that throws, a revoked Proxy: JSON.stringify would throw as well
    ancestors.length = 0;
    return 'a value that cannot be read';
  }
}
