/** A breaker's state changes, told to observers: a `breaker` event and the user's state hook. */
import type { MiddlewareEvent, RequestContext } from '@mcp-middleware/core';
import { WeakChannels } from '@mcp-middleware/core/helpers';
import type { BreakerState } from './failure.js';
import { absorb, report } from './guard.js';
import type { BreakerInfo } from './options.js';
import type { BreakerEntry } from './registry.js';

const HOOK_NAMES: Record<BreakerState, string> = {
  open: 'onOpen',
  'half-open': 'onHalfOpen',
  closed: 'onClose',
};

/** One circuitBreaker()'s observers: the call that caused a change, or the attached channels outside one. */
export class BreakerPublisher {
  // Held weakly: one breaker shared by pipelines built per request must not keep every pipeline alive.
  readonly channels = new WeakChannels();
  readonly #hooks: Readonly<Record<BreakerState, ((info: BreakerInfo) => unknown) | undefined>>;

  constructor(hooks: Readonly<Record<BreakerState, ((info: BreakerInfo) => unknown) | undefined>>) {
    this.#hooks = hooks;
  }

  /** Publishes `state` for `entry`, on `ctx` when a call caused it (else on the channels), then runs its hook. */
  publish(entry: BreakerEntry, state: BreakerState, ctx: RequestContext | undefined): void {
    // Only a tool call names a tool: a resource URI or prompt name never reaches a `tool` field.
    const tool = ctx?.operation === 'tools/call' ? ctx.target : entry.tool;
    this.#emit({ type: 'breaker', key: entry.key, tool, state }, ctx);
    const hook = this.#hooks[state];
    if (hook === undefined) return;
    const what = HOOK_NAMES[state];
    // Outside a call (the half-open timer) the warning goes to the attached channels.
    const failed = (cause: unknown): void => {
      if (ctx !== undefined) report(what, cause, ctx);
      else this.#emit({ type: 'warning', source: 'circuitBreaker', message: `${what} threw`, cause }, ctx);
    };
    let returned: unknown;
    try {
      returned = hook({ key: entry.key, tool, ctx });
    } catch (cause) {
      failed(cause);
      return;
    }
    absorb(what, returned, ctx, failed);
  }

  #emit(event: MiddlewareEvent, ctx: RequestContext | undefined): void {
    if (ctx !== undefined) ctx.emit(event);
    else this.channels.emit(event);
  }
}
