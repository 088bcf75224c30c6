/** approval(): destructive tools run only after a human said yes; with no way to ask, the call is refused. */
import { randomBytes } from 'node:crypto';
import {
  ConfigError,
  MiddlewareError,
  callUserCallback,
  describeValue,
  principalIdOf,
  readOptions,
  redactValue,
  reportCallbackError,
  sleep,
  toolMatcher,
  type CallToolResult,
  type Middleware,
  type Next,
  type ToolContext,
  type ToolInfo,
  type ToolSelector,
} from '@mcp-middleware/core';
import { ElicitResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { asked, decisionOf, type Decision, APPROVAL_INPUT } from './answer.js';
import { StateSigner, UsedNonces, argsDigest } from './state.js';

/** A decision as `onDecision` sees it. */
export interface ApprovalDecision {
  readonly tool: string;
  /** `granted`: the call runs. `denied`: a human (or `approve`) said no. `asked`: an input_required round went out. `refused`: no valid answer could be had. */
  readonly decision: 'granted' | 'denied' | 'asked' | 'refused';
  /** How: `elicitation` (2025-11-25), `input_required` (2026-07-28) or `callback` (`approve`). */
  readonly via: 'elicitation' | 'input_required' | 'callback' | 'none';
  /** Why a call was not run: `approval_required`, `approval_denied`, `approval_invalid`, `approval_replayed`. */
  readonly reason?: string | undefined;
}

/** The client capabilities approval reads: only whether the client can show a form. */
export interface ClientCapabilitiesLike {
  readonly elicitation?: object | undefined;
}

/** Anything with the low-level Server's `getClientCapabilities()` (an SDK `Server`, or an `McpServer`'s `.server`). */
export interface ServerLike {
  getClientCapabilities(): ClientCapabilitiesLike | undefined;
}

/** Options of `approval()`. */
export interface ApprovalOptions {
  /**
   * Which tools need approval.
   * @default { destructiveHint: true }
   */
  readonly tools?: ToolSelector | undefined;
  /**
   * Your own approval flow: answer true to run the call. Used instead of asking the client. A callback that
   * throws or rejects refuses the call (fail-closed).
   * @default undefined (ask the client)
   */
  readonly approve?: ((ctx: ToolContext) => boolean | Promise<boolean>) | undefined;
  /**
   * The server whose client is asked on the 2025-11-25 wire: `approval()` reads `getClientCapabilities()`
   * to know the client can show a form. Without it (and without `clientCapabilities`), as in a config file
   * or behind the gateway, the client is asked anyway: one that cannot show a form fails the request, and
   * the call is refused. 2026-07-28 requests carry their capabilities.
   * @default undefined
   */
  readonly server?: ServerLike | { readonly server: ServerLike } | undefined;
  /**
   * Reads the client's capabilities for a call, in place of `server`.
   * @default the 2026-07-28 request's `_meta` capabilities, else `server.getClientCapabilities()`
   */
  readonly clientCapabilities?: ((ctx: ToolContext) => ClientCapabilitiesLike | undefined) | undefined;
  /**
   * The HMAC key of input_required states (≥ 32 bytes). Replicas behind one load balancer must share it.
   * @default 32 random bytes per process
   */
  readonly secret?: string | Uint8Array | undefined;
  /**
   * How long an input_required approval round stays answerable.
   * @default 600000 (10 min)
   */
  readonly ttlMs?: number | undefined;
  /**
   * How long to wait for the human on the 2025-11-25 wire, or for `approve`, before refusing.
   * @default 600000 (10 min)
   */
  readonly timeoutMs?: number | undefined;
  /**
   * The question shown to the human.
   * @default "Allow tool `<name>` to run with these arguments? <args, redacted, ≤ 500 chars>"
   */
  readonly message?: ((ctx: ToolContext) => string) | undefined;
  /** Called with every decision (an audit trail); a throwing callback is reported, never fails a call. */
  readonly onDecision?: ((decision: ApprovalDecision, ctx: ToolContext) => void) | undefined;
}

const KNOWN = [
  'tools',
  'approve',
  'server',
  'clientCapabilities',
  'secret',
  'ttlMs',
  'timeoutMs',
  'message',
  'onDecision',
];
const SOURCE = 'approval';
const PROTOCOL_VERSION_META = 'io.modelcontextprotocol/protocolVersion';
const CAPABILITIES_META = 'io.modelcontextprotocol/clientCapabilities';
const MAX_PREVIEW_CHARS = 500;

function readSecret(value: unknown): Buffer {
  if (value === undefined) return randomBytes(32);
  const bytes =
    typeof value === 'string'
      ? Buffer.from(value)
      : value instanceof Uint8Array
        ? Buffer.from(value)
        : undefined;
  if (bytes === undefined || bytes.length < 32) {
    throw new ConfigError(
      'secret',
      `approval: secret must be a string or bytes of at least 32 bytes, got ${describeValue(value)}`,
    );
  }
  return bytes;
}

function serverOf(value: unknown): ServerLike | undefined {
  if (value === undefined) return undefined;
  const inner = (value as { server?: unknown }).server;
  const candidate =
    typeof (value as Partial<ServerLike>).getClientCapabilities === 'function' ? value : inner;
  if (typeof (candidate as Partial<ServerLike> | undefined)?.getClientCapabilities !== 'function') {
    throw new ConfigError(
      'server',
      `approval: server must be an McpServer or a Server, got ${describeValue(value)}`,
    );
  }
  return candidate as ServerLike;
}

function defaultMessage(ctx: ToolContext): string {
  let args: string;
  try {
    args = JSON.stringify(redactValue(ctx.args ?? {})) ?? '{}';
  } catch {
    args = '(arguments cannot be shown)';
  }
  if (args.length > MAX_PREVIEW_CHARS) args = `${args.slice(0, MAX_PREVIEW_CHARS)}…`;
  return `Allow tool \`${ctx.tool.name}\` to run with these arguments? ${args}`;
}

/**
 * Runs the tools `tools` selects (default: `destructiveHint: true`) only after a human approved the call:
 * through elicitation on the 2025-11-25 wire, an `input_required` round on 2026-07-28, or your `approve`
 * callback. No way to ask, a "no", a malformed, expired, forged or replayed answer: the call is refused
 * with FORBIDDEN and never runs.
 */
export function approval(options: ApprovalOptions = {}): Middleware {
  const read = readOptions('approval', options, KNOWN);
  let selected: (tool: ToolInfo) => boolean;
  try {
    selected = toolMatcher((read.raw('tools') as ToolSelector | undefined) ?? { destructiveHint: true });
  } catch (error) {
    throw new ConfigError(
      'tools',
      'approval: tools must be a glob, a list of globs, annotations or a predicate',
      { cause: error },
    );
  }
  const approve = read.function<NonNullable<ApprovalOptions['approve']>>('approve');
  const server = serverOf(read.raw('server'));
  const capabilitiesOf =
    read.function<NonNullable<ApprovalOptions['clientCapabilities']>>('clientCapabilities');
  const signer = new StateSigner(readSecret(read.raw('secret')));
  const ttlMs = read.integer('ttlMs', { min: 1_000, default: 600_000 });
  const timeoutMs = read.integer('timeoutMs', { min: 1_000, default: 600_000 });
  const message = read.function<NonNullable<ApprovalOptions['message']>>('message') ?? defaultMessage;
  const onDecision = read.function<NonNullable<ApprovalOptions['onDecision']>>('onDecision');
  const used = new UsedNonces(100_000);

  function decide(ctx: ToolContext, decision: Decision): void {
    if (decision.decision !== 'granted' && decision.decision !== 'asked') {
      ctx.emit({ type: 'reject', code: 'FORBIDDEN', source: SOURCE });
    }
    if (onDecision !== undefined) {
      callUserCallback(
        SOURCE,
        'approval: onDecision',
        onDecision,
        [{ tool: ctx.tool.name, ...decision }, ctx],
        undefined,
        ctx,
      );
    }
  }

  function refuse(
    ctx: ToolContext,
    decision: Decision,
    text: string,
    cause?: unknown,
  ): Promise<CallToolResult> {
    decide(ctx, decision);
    return Promise.reject(
      new MiddlewareError('FORBIDDEN', `call to tool \`${ctx.tool.name}\` refused: ${text}`, {
        data: { reason: decision.reason },
        ...(cause !== undefined && { cause }),
      }),
    );
  }

  // An answer that is not a yes: a "no" (declined, cancelled, approve: false), or one of the wrong shape.
  function notApproved(
    ctx: ToolContext,
    answer: 'decline' | 'invalid',
    via: Decision['via'],
  ): Promise<CallToolResult> {
    return answer === 'invalid'
      ? refuse(
          ctx,
          { decision: 'refused', via, reason: 'approval_invalid' },
          'the approval answer is not a yes/no form answer',
        )
      : refuse(ctx, { decision: 'denied', via, reason: 'approval_denied' }, 'the user did not approve it');
  }

  function run(ctx: ToolContext, next: Next, via: Decision['via']): Promise<CallToolResult> {
    decide(ctx, { decision: 'granted', via });
    return next(ctx);
  }

  function capabilities(
    ctx: ToolContext,
    meta: Record<string, unknown> | undefined,
  ): ClientCapabilitiesLike | undefined {
    if (capabilitiesOf !== undefined)
      return callUserCallback(SOURCE, 'approval: clientCapabilities', capabilitiesOf, [ctx], undefined, ctx);
    const declared = meta?.[CAPABILITIES_META];
    if (typeof declared === 'object' && declared !== null) return declared;
    try {
      return server?.getClientCapabilities();
    } catch (error) {
      reportCallbackError(SOURCE, 'approval: server.getClientCapabilities()', error, ctx);
      return undefined;
    }
  }

  // 2026-07-28: the client answers a round with inputResponses and the state we issued.
  function resume(
    ctx: ToolContext,
    next: Next,
    binding: { tool: string; args: string; principal: string },
  ): Promise<CallToolResult> {
    const params = ctx.params ?? {};
    const state = signer.read(params.requestState);
    const now = ctx.clock.now();
    const via = 'input_required';
    if (
      state === undefined ||
      state.tool !== binding.tool ||
      state.args !== binding.args ||
      state.principal !== binding.principal
    ) {
      return refuse(
        ctx,
        { decision: 'refused', via, reason: 'approval_invalid' },
        'its approval was issued for another call or not by this server; ask again',
      );
    }
    if (state.expiresAt <= now) {
      return refuse(
        ctx,
        { decision: 'refused', via, reason: 'approval_invalid' },
        'its approval expired; ask again',
      );
    }
    const answer = decisionOf(
      (params.inputResponses as Record<string, unknown> | undefined)?.[APPROVAL_INPUT],
    );
    if (answer !== 'accept') return notApproved(ctx, answer, via);
    if (!used.use(state.nonce, state.expiresAt, now)) {
      return refuse(
        ctx,
        { decision: 'refused', via, reason: 'approval_replayed' },
        'this approval was already used; ask again',
      );
    }
    return run(ctx, next, via);
  }

  async function elicit(ctx: ToolContext, next: Next): Promise<CallToolResult> {
    const via = 'elicitation';
    let answer: ReturnType<typeof decisionOf>;
    try {
      const result = await ctx.extra.sendRequest(
        {
          method: 'elicitation/create',
          params: { mode: 'form', message: message(ctx), requestedSchema: asked },
        },
        ElicitResultSchema,
        { signal: ctx.signal, timeout: timeoutMs },
      );
      answer = decisionOf(result);
    } catch (error) {
      return refuse(
        ctx,
        { decision: 'refused', via, reason: 'approval_required' },
        'the user could not be asked for approval (no answer)',
        error,
      );
    }
    if (answer === 'accept') return run(ctx, next, via);
    return notApproved(ctx, answer, via);
  }

  async function callback(
    ctx: ToolContext,
    next: Next,
    decideWith: NonNullable<ApprovalOptions['approve']>,
  ): Promise<CallToolResult> {
    let approved: unknown;
    try {
      // A callback that never answers is a "no" after timeoutMs (or when the caller leaves), not a hung call.
      approved = await Promise.race([
        Promise.resolve().then(() => decideWith(ctx)),
        sleep(ctx.clock, timeoutMs, ctx.signal).then(() => false),
      ]);
    } catch (error) {
      reportCallbackError(SOURCE, 'approval: approve', error, ctx);
      approved = false;
    }
    return approved === true
      ? run(ctx, next, 'callback')
      : refuse(
          ctx,
          { decision: 'denied', via: 'callback', reason: 'approval_denied' },
          'it was not approved',
        );
  }

  return function approval(ctx: ToolContext, next: Next): Promise<CallToolResult> {
    if (!selected(ctx.tool)) return next(ctx);
    if (approve !== undefined) return callback(ctx, next, approve);
    const meta = ctx.meta as Record<string, unknown> | undefined;
    const params = ctx.params;
    const binding = { tool: ctx.tool.name, args: argsDigest(ctx.args), principal: principalIdOf(ctx) ?? '' };
    if (params?.requestState !== undefined || params?.inputResponses !== undefined)
      return resume(ctx, next, binding);
    // Unknown capabilities (a config file, the gateway: no server to read them from) on the 2025 wire: ask,
    // and let the client's answer decide; a client that cannot show a form fails the request, which refuses.
    const known = capabilities(ctx, meta);
    if (known !== undefined && known.elicitation === undefined) {
      return refuse(
        ctx,
        { decision: 'refused', via: 'none', reason: 'approval_required' },
        'it needs a human approval and this client cannot ask one (no elicitation capability); approve it another way',
      );
    }
    if (typeof meta?.[PROTOCOL_VERSION_META] === 'string' && meta[PROTOCOL_VERSION_META] >= '2026-07-28') {
      decide(ctx, { decision: 'asked', via: 'input_required' });
      const inputRequired = {
        resultType: 'input_required',
        inputRequests: {
          [APPROVAL_INPUT]: {
            method: 'elicitation/create',
            params: { mode: 'form', message: message(ctx), requestedSchema: asked },
          },
        },
        requestState: signer.issue(binding, ctx.clock.now() + ttlMs),
      };
      return Promise.resolve(inputRequired as unknown as CallToolResult);
    }
    return elicit(ctx, next);
  };
}
