/** idempotency(): a repeated write with the same key gets the first call's result instead of running again. */
import { randomUUID } from 'node:crypto';
import {
  MiddlewareError,
  type CallToolResult,
  type Middleware,
  type Next,
  type ToolContext,
} from '@mcp-middleware/core';
import { principalIdOf } from '@mcp-middleware/core/helpers';
import { argsKeyOf, fingerprintOf, metaKeyOf, storeKeyOf } from './key.js';
import { Ledger } from './ledger.js';
import { resolveOptions, type IdempotencyOptions } from './options.js';
import { conflict } from './refusals.js';

export { IDEMPOTENCY_META_KEY, type IdempotencyMeta } from './replay.js';

const SOURCE = 'idempotency';
// Claim owners: unique across replicas (a random process id) without a UUID per call.
const PROCESS = randomUUID();
let runCount = 0;

/**
 * Answers a repeated call of a write tool (every tool without `readOnlyHint: true`, or those `tools` picks)
 * that carries the same idempotency key, from the same principal, with the first call's result. The key
 * comes from `_meta["io.github.mcp-middleware/idempotency-key"]` (or SEP-3182's
 * `io.modelcontextprotocol/idempotencyKey`), else from `keyArgs`; calls without a key run as usual.
 */
export function idempotency(options: IdempotencyOptions = {}): Middleware {
  const o = resolveOptions(options);
  const ledger = new Ledger(o);

  return function idempotency(ctx: ToolContext, next: Next): Promise<CallToolResult> {
    if (!o.applies(ctx.tool)) return next(ctx);
    let given: string | undefined;
    try {
      given = metaKeyOf(ctx, o.maxKeyChars);
      if (given === undefined) {
        const fields = o.keyArgs(ctx.tool.name);
        if (fields !== undefined) given = argsKeyOf(ctx, fields, o.maxKeyChars);
      }
    } catch (error) {
      ctx.emit({ type: 'reject', code: 'INVALID_ARGUMENTS', source: SOURCE });
      return Promise.reject(error);
    }
    if (given === undefined) return next(ctx);
    const key = storeKeyOf(principalIdOf(ctx), given);
    let fingerprint: string;
    try {
      fingerprint = fingerprintOf(ctx.tool.name, ctx.args);
    } catch (error) {
      ctx.emit({ type: 'reject', code: 'INVALID_ARGUMENTS', source: SOURCE });
      return Promise.reject(
        new MiddlewareError(
          'INVALID_ARGUMENTS',
          `call to tool \`${ctx.tool.name}\` refused: its args have no JSON form`,
          { cause: error },
        ),
      );
    }
    // A repeat of a run in this process joins it without a store round trip.
    const local = ledger.local(key);
    if (local !== undefined)
      return local.fingerprint === fingerprint ? ledger.join(ctx, local) : Promise.reject(conflict(ctx));
    return ledger.claim({ ctx, next, key, fingerprint, owner: `${PROCESS}:${++runCount}` }, 0);
  };
}
