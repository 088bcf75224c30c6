/** The one ToolContext implementation: a flat object per call, derived copies share the call's state. */
import type { Clock } from './clock.js';
import type {
  ContextChanges,
  Key,
  Operation,
  RequestContext,
  ToolArgs,
  ToolContext,
  ToolExtra,
  ToolInfo,
} from './contract.js';
import type { EventChannel, MiddlewareEvent } from './events.js';

/** Makes a signal the first time it is asked and the same one after (core's Cancellation). */
export interface SignalSource {
  makeSignal(): AbortSignal;
}

// Undefined: the signal comes from the context's SignalSource, made on first read.
type LazySignal = AbortSignal | (() => AbortSignal) | undefined;

// Runs `make` once, however many derived contexts read the signal.
function once(make: () => AbortSignal): () => AbortSignal {
  let made: AbortSignal | undefined;
  return () => (made ??= make());
}

// The `tool` of a request that names nothing (a list): its target is undefined.
const LIST: ToolInfo = Object.freeze({ name: '' });

type Params = Readonly<Record<string, unknown>> | undefined;

// One class for every request: for operations other than tools/call, `tool` names the target and `args`
// is undefined; the RequestContext type hides both.
class CallContext implements ToolContext {
  readonly operation: Operation;
  readonly params: Params;
  readonly tool: ToolInfo;
  readonly args: ToolArgs;
  #signal: LazySignal;
  // What a middleware passed to `with({ signal })` or `withSignalSource`, kept for `signalSourceOf`.
  readonly #lazy: (() => AbortSignal) | SignalSource | undefined;
  readonly extra: ToolExtra;
  readonly clock: Clock;
  readonly #channel: EventChannel;
  // The first context of a call owns the state; derived contexts point at it.
  readonly #root: CallContext | undefined;
  // Per-call state: the first two keys in fields (a call rarely sets more: auth's principal, tracing's
  // span), the rest in a Map made only then. A Map per call was most of what `set` cost.
  #key0: Key<unknown> | undefined;
  #value0: unknown;
  #key1: Key<unknown> | undefined;
  #value1: unknown;
  #state: Map<Key<unknown>, unknown> | undefined;

  constructor(
    operation: Operation,
    params: Params,
    tool: ToolInfo,
    args: ToolArgs,
    signal: LazySignal,
    extra: ToolExtra,
    clock: Clock,
    channel: EventChannel,
    root: CallContext | undefined,
    lazy?: (() => AbortSignal) | SignalSource,
  ) {
    this.operation = operation;
    this.params = params;
    this.tool = tool;
    this.args = args;
    this.#signal = signal;
    this.extra = extra;
    this.clock = clock;
    this.#channel = channel;
    this.#root = root;
    this.#lazy = lazy;
  }

  /** The function or source a middleware passed as the signal, when the signal came that way. */
  lazySignal(): (() => AbortSignal) | SignalSource | undefined {
    return this.#lazy;
  }

  get target(): string | undefined {
    return this.operation === 'tools/call' || this.tool !== LIST ? this.tool.name : undefined;
  }

  get signal(): AbortSignal {
    const signal = this.#signal;
    if (signal === undefined) return (this.#signal = (this.#lazy as SignalSource).makeSignal());
    if (typeof signal !== 'function') return signal;
    return (this.#signal = signal());
  }

  /** True while the signal is still the SDK's own (so the handler can get `extra` unchanged). */
  hasRequestSignal(): boolean {
    return this.#signal === this.extra.signal;
  }

  get requestId(): string | number {
    return this.extra.requestId;
  }
  get sessionId(): string | undefined {
    return this.extra.sessionId;
  }
  get authInfo(): ToolExtra['authInfo'] {
    return this.extra.authInfo;
  }
  get meta(): ToolExtra['_meta'] {
    return this.extra._meta;
  }
  get requestInfo(): ToolExtra['requestInfo'] {
    return this.extra.requestInfo;
  }

  get<T>(key: Key<T>): T | undefined {
    const owner = this.#root ?? this;
    if (owner.#key0 === key) return owner.#value0 as T;
    if (owner.#key1 === key) return owner.#value1 as T;
    return owner.#state?.get(key) as T | undefined;
  }

  set<T>(key: Key<T>, value: T): void {
    const owner = this.#root ?? this;
    if (owner.#key0 === undefined || owner.#key0 === key) {
      owner.#key0 = key;
      owner.#value0 = value;
    } else if (owner.#key1 === undefined || owner.#key1 === key) {
      owner.#key1 = key;
      owner.#value1 = value;
    } else (owner.#state ??= new Map()).set(key, value);
  }

  with(changes: ContextChanges): ToolContext {
    return new CallContext(
      this.operation,
      this.params,
      this.tool,
      'args' in changes ? changes.args : this.args,
      changes.signal === undefined
        ? this.#signal
        : typeof changes.signal === 'function'
          ? once(changes.signal)
          : changes.signal,
      this.extra,
      this.clock,
      this.#channel,
      this.#root ?? this,
      changes.signal === undefined
        ? this.#lazy
        : typeof changes.signal === 'function'
          ? changes.signal
          : undefined,
    );
  }

  /** A copy whose signal `source` makes on first read: no closure per call (see withSignalSource). */
  withSource(source: SignalSource): ToolContext {
    const { operation, params, tool, args, extra, clock } = this;
    const root = this.#root ?? this;
    return new CallContext(
      operation,
      params,
      tool,
      args,
      undefined,
      extra,
      clock,
      this.#channel,
      root,
      source,
    );
  }

  emit(event: MiddlewareEvent): void {
    if (this.#channel.active) this.#channel.emit(event, this);
  }
}

/** The function passed to `ctx.with({ signal })` for `ctx`'s signal, or its SignalSource, if it came so. */
export function signalSourceOf(ctx: RequestContext): (() => AbortSignal) | SignalSource | undefined {
  return ctx instanceof CallContext ? ctx.lazySignal() : undefined;
}

/**
 * `ctx.with({ signal })` with a signal `source` makes on first read: the same as passing a function, but
 * without the closures a function costs on every call (timeout's deadline hands its Cancellation so).
 */
export function withSignalSource<C extends RequestContext>(ctx: C, source: SignalSource): C {
  if (ctx instanceof CallContext) return ctx.withSource(source) as RequestContext as C;
  return ctx.with({ signal: () => source.makeSignal() }) as C;
}

/** Creates the first context of a tool call. Used by the runner and the testing kit. */
export function createContext(
  tool: ToolInfo,
  args: ToolArgs,
  extra: ToolExtra,
  clock: Clock,
  channel: EventChannel,
  params?: Params,
): ToolContext {
  return new CallContext('tools/call', params, tool, args, extra.signal, extra, clock, channel, undefined);
}

/** Creates the first context of a request other than tools/call. */
export function createRequestContext(
  operation: Operation,
  params: Params,
  target: string | undefined,
  extra: ToolExtra,
  clock: Clock,
  channel: EventChannel,
): RequestContext {
  const tool = target === undefined ? LIST : { name: target };
  return new CallContext(operation, params, tool, undefined, extra.signal, extra, clock, channel, undefined);
}

// An object literal with a spread and a getter is built many times slower than a plain spread. Where an
// AbortController is cheap (from Node 24; on Node 20 it is among the dearest things a call can do),
// making the signal at once and spreading it plainly is the faster way (bench/FINDINGS.md has the figures).
export const EAGER_SIGNALS = Number(process.versions.node.split('.')[0]) >= 24;

/** True while the context's signal is still the request's own: the handler can get the SDK's object as is. */
export function keepsRequestSignal(ctx: RequestContext): boolean {
  return ctx instanceof CallContext ? ctx.hasRequestSignal() : ctx.signal === ctx.extra.signal;
}

/**
 * The `extra` to hand the tool handler: the SDK's object, with only `signal` replaced when it changed. A
 * lazy signal stays lazy on Node 20 (the handler's `extra.signal` makes it only if the handler reads it),
 * and is made at once where that is cheaper than a getter.
 */
export function extraFor(ctx: RequestContext): ToolExtra {
  if (ctx instanceof CallContext) {
    if (ctx.hasRequestSignal()) return ctx.extra;
    if (EAGER_SIGNALS) return { ...ctx.extra, signal: ctx.signal };
    return {
      ...ctx.extra,
      get signal(): AbortSignal {
        return ctx.signal;
      },
    };
  }
  return ctx.signal === ctx.extra.signal ? ctx.extra : { ...ctx.extra, signal: ctx.signal };
}
