/** ApprovalGate: how approval() gets a human's yes for one call (callback, elicitation, input_required round). */
import { MiddlewareError, type CallToolResult, type Next, type ToolContext } from '@mcp-middleware/core';
import { callUserCallback, principalIdOf, reportCallbackError, sleep } from '@mcp-middleware/core/helpers';
import { ElicitResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { asked, decisionOf, type Decision, APPROVAL_INPUT } from './answer.js';
import type { ApprovalOptions, ClientCapabilitiesLike, ResolvedApproval, ServerLike } from './options.js';
import { StateSigner, UsedNonces, argsDigest, type ApprovalBinding } from './state.js';

const SOURCE = 'approval';
const PROTOCOL_VERSION_META = 'io.modelcontextprotocol/protocolVersion';
const CAPABILITIES_META = 'io.modelcontextprotocol/clientCapabilities';

/**
 * The state one approval() keeps (its options, the state signer, the nonces already used) and the ways it
 * asks. Built once per approval(); `check` runs for each selected call and never runs `next` without a yes.
 */
export class ApprovalGate {
  private readonly approve: ApprovalOptions['approve'];
  private readonly server: ServerLike | undefined;
  private readonly capabilitiesOf: ApprovalOptions['clientCapabilities'];
  private readonly signer: StateSigner;
  private readonly ttlMs: number;
  private readonly timeoutMs: number;
  private readonly message: (ctx: ToolContext) => string;
  private readonly onDecision: ApprovalOptions['onDecision'];
  private readonly used = new UsedNonces(100_000);

  constructor(options: ResolvedApproval) {
    this.approve = options.approve;
    this.server = options.server;
    this.capabilitiesOf = options.capabilitiesOf;
    this.signer = new StateSigner(options.secret);
    this.ttlMs = options.ttlMs;
    this.timeoutMs = options.timeoutMs;
    this.message = options.message;
    this.onDecision = options.onDecision;
  }

  /** Runs `next` only after a yes; otherwise refuses with FORBIDDEN (or answers with an input_required round). */
  check(ctx: ToolContext, next: Next): Promise<CallToolResult> {
    const approve = this.approve;
    if (approve !== undefined) return this.callback(ctx, next, approve);
    const meta = ctx.meta as Record<string, unknown> | undefined;
    const params = ctx.params;
    const binding = { tool: ctx.tool.name, args: argsDigest(ctx.args), principal: principalIdOf(ctx) ?? '' };
    if (params?.requestState !== undefined || params?.inputResponses !== undefined)
      return this.resume(ctx, next, binding);
    // Unknown capabilities (a config file, the gateway: no server to read them from) on the 2025 wire: ask,
    // and let the client's answer decide; a client that cannot show a form fails the request, which refuses.
    const known = this.capabilities(ctx, meta);
    if (known !== undefined && known.elicitation === undefined) {
      return this.refuse(
        ctx,
        { decision: 'refused', via: 'none', reason: 'approval_required' },
        'it needs a human approval and this client cannot ask one (no elicitation capability); approve it another way',
      );
    }
    if (typeof meta?.[PROTOCOL_VERSION_META] === 'string' && meta[PROTOCOL_VERSION_META] >= '2026-07-28') {
      return this.askRound(ctx, binding);
    }
    return this.elicit(ctx, next);
  }

  // 2026-07-28: answer with an input_required round carrying the question and a signed, expiring state.
  private askRound(ctx: ToolContext, binding: ApprovalBinding): Promise<CallToolResult> {
    const message = this.message;
    this.decide(ctx, { decision: 'asked', via: 'input_required' });
    const inputRequired = {
      resultType: 'input_required',
      inputRequests: {
        [APPROVAL_INPUT]: {
          method: 'elicitation/create',
          params: { mode: 'form', message: message(ctx), requestedSchema: asked },
        },
      },
      requestState: this.signer.issue(binding, ctx.clock.now() + this.ttlMs),
    };
    return Promise.resolve(inputRequired as unknown as CallToolResult);
  }

  private decide(ctx: ToolContext, decision: Decision): void {
    if (decision.decision !== 'granted' && decision.decision !== 'asked') {
      ctx.emit({ type: 'reject', code: 'FORBIDDEN', source: SOURCE });
    }
    if (this.onDecision !== undefined) {
      callUserCallback(
        SOURCE,
        'approval: onDecision',
        this.onDecision,
        [{ tool: ctx.tool.name, ...decision }, ctx],
        undefined,
        ctx,
      );
    }
  }

  private refuse(
    ctx: ToolContext,
    decision: Decision,
    text: string,
    cause?: unknown,
  ): Promise<CallToolResult> {
    this.decide(ctx, decision);
    return Promise.reject(
      new MiddlewareError('FORBIDDEN', `call to tool \`${ctx.tool.name}\` refused: ${text}`, {
        data: { reason: decision.reason },
        ...(cause !== undefined && { cause }),
      }),
    );
  }

  // An answer that is not a yes: a "no" (declined, cancelled, approve: false), or one of the wrong shape.
  private notApproved(
    ctx: ToolContext,
    answer: 'decline' | 'invalid',
    via: Decision['via'],
  ): Promise<CallToolResult> {
    return answer === 'invalid'
      ? this.refuse(
          ctx,
          { decision: 'refused', via, reason: 'approval_invalid' },
          'the approval answer is not a yes/no form answer',
        )
      : this.refuse(
          ctx,
          { decision: 'denied', via, reason: 'approval_denied' },
          'the user did not approve it',
        );
  }

  private run(ctx: ToolContext, next: Next, via: Decision['via']): Promise<CallToolResult> {
    this.decide(ctx, { decision: 'granted', via });
    return next(ctx);
  }

  private capabilities(
    ctx: ToolContext,
    meta: Record<string, unknown> | undefined,
  ): ClientCapabilitiesLike | undefined {
    if (this.capabilitiesOf !== undefined)
      return callUserCallback(
        SOURCE,
        'approval: clientCapabilities',
        this.capabilitiesOf,
        [ctx],
        undefined,
        ctx,
      );
    const declared = meta?.[CAPABILITIES_META];
    if (typeof declared === 'object' && declared !== null) return declared;
    try {
      return this.server?.getClientCapabilities();
    } catch (error) {
      reportCallbackError(SOURCE, 'approval: server.getClientCapabilities()', error, ctx);
      return undefined;
    }
  }

  // 2026-07-28: the client answers a round with inputResponses and the state we issued.
  private resume(
    ctx: ToolContext,
    next: Next,
    binding: { tool: string; args: string; principal: string },
  ): Promise<CallToolResult> {
    const params = ctx.params ?? {};
    const state = this.signer.read(params.requestState);
    const now = ctx.clock.now();
    const via = 'input_required';
    if (
      state === undefined ||
      state.tool !== binding.tool ||
      state.args !== binding.args ||
      state.principal !== binding.principal
    ) {
      return this.refuse(
        ctx,
        { decision: 'refused', via, reason: 'approval_invalid' },
        'its approval was issued for another call or not by this server; ask again',
      );
    }
    if (state.expiresAt <= now) {
      return this.refuse(
        ctx,
        { decision: 'refused', via, reason: 'approval_invalid' },
        'its approval expired; ask again',
      );
    }
    const answer = decisionOf(
      (params.inputResponses as Record<string, unknown> | undefined)?.[APPROVAL_INPUT],
    );
    if (answer !== 'accept') return this.notApproved(ctx, answer, via);
    if (!this.used.use(state.nonce, state.expiresAt, now)) {
      return this.refuse(
        ctx,
        { decision: 'refused', via, reason: 'approval_replayed' },
        'this approval was already used; ask again',
      );
    }
    return this.run(ctx, next, via);
  }

  private async elicit(ctx: ToolContext, next: Next): Promise<CallToolResult> {
    const via = 'elicitation';
    const message = this.message;
    let answer: ReturnType<typeof decisionOf>;
    try {
      const result = await ctx.extra.sendRequest(
        {
          method: 'elicitation/create',
          params: { mode: 'form', message: message(ctx), requestedSchema: asked },
        },
        ElicitResultSchema,
        { signal: ctx.signal, timeout: this.timeoutMs },
      );
      answer = decisionOf(result);
    } catch (error) {
      return this.refuse(
        ctx,
        { decision: 'refused', via, reason: 'approval_required' },
        'the user could not be asked for approval (no answer)',
        error,
      );
    }
    if (answer === 'accept') return this.run(ctx, next, via);
    return this.notApproved(ctx, answer, via);
  }

  private async callback(
    ctx: ToolContext,
    next: Next,
    decideWith: NonNullable<ApprovalOptions['approve']>,
  ): Promise<CallToolResult> {
    let approved: unknown;
    try {
      // A callback that never answers is a "no" after timeoutMs (or when the caller leaves), not a hung call.
      approved = await Promise.race([
        Promise.resolve().then(() => decideWith(ctx)),
        sleep(ctx.clock, this.timeoutMs, ctx.signal).then(() => false),
      ]);
    } catch (error) {
      reportCallbackError(SOURCE, 'approval: approve', error, ctx);
      approved = false;
    }
    return approved === true
      ? this.run(ctx, next, 'callback')
      : this.refuse(
          ctx,
          { decision: 'denied', via: 'callback', reason: 'approval_denied' },
          'it was not approved',
        );
  }
}
