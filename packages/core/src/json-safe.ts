/** Whether a result can be sent as JSON: a BigInt or a cycle would make the transport throw, and the call hang. */

const MAX_DEPTH = 512;

/**
 * Why `value` cannot be written as JSON (`'a BigInt'`, `'a cycle'`, `'nesting deeper than 512'`), or
 * undefined when it can. Walks nodes, not bytes: a megabyte of text is one step.
 */
export function jsonProblemOf(value: unknown): string | undefined {
  const ancestors: object[] = [];
  const walk = (node: unknown, depth: number): string | undefined => {
    if (typeof node === 'bigint') return 'a BigInt';
    if (typeof node !== 'object' || node === null) return undefined;
    if (depth > MAX_DEPTH) return `nesting deeper than ${MAX_DEPTH}`;
    if (ancestors.includes(node)) return 'a cycle';
    // toJSON decides its own form (a Date, a Buffer); JSON.stringify calls it, so the walk stops here.
    if (typeof (node as { toJSON?: unknown }).toJSON === 'function') return undefined;
    ancestors.push(node);
    let problem: string | undefined;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length && problem === undefined; i++) problem = walk(node[i], depth + 1);
    } else {
      for (const key in node) {
        if (!Object.hasOwn(node, key)) continue;
        problem = walk((node as Record<string, unknown>)[key], depth + 1);
        if (problem !== undefined) break;
      }
    }
    ancestors.pop();
    return problem;
  };
  try {
    return walk(value, 0);
  } catch {
    // a getter that throws, a revoked Proxy: JSON.stringify would throw as well
    return 'a value that cannot be read';
  }
}
