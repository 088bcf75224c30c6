/** What counts against a breaker, as opossum and the closed-state window each need to be told it. */
import { isCallerMistake, type CallToolResult, type RequestContext } from '@mcp-middleware/core';
import { outcomeOfError, outcomeOfResult, type Outcome } from '@mcp-middleware/core/helpers';
import type { Run } from './opossum.js';

// An isError answer that counts as a failure travels through opossum as this, and comes back out as the answer.
export class FailedAnswer extends Error {
  constructor(readonly result: CallToolResult) {
    super('the tool answered with an error that counts as a failure');
  }
}

// Both checks read the thrown value, which may be hostile (a revoked Proxy throws on any read).
export function isFailedAnswer(error: unknown): error is FailedAnswer {
  try {
    return error instanceof FailedAnswer;
  } catch {
    return false;
  }
}

/** The failure rule of one circuitBreaker(), in the three forms its parts need. Built once. */
export class FailureRule {
  readonly #counts: (outcome: Outcome, ctx: RequestContext) => boolean;

  constructor(counts: (outcome: Outcome, ctx: RequestContext) => boolean) {
    this.#counts = counts;
  }

  /** True when a tool's isError answer counts as a failure. */
  failedAnswer(result: CallToolResult, ctx: RequestContext): boolean {
    return result.isError === true && this.#counts(outcomeOfResult(result), ctx);
  }

  // Runs inside opossum: an answer the rule calls a failure is thrown so opossum counts it. Only a tool
  // call answers isError; other requests fail by throwing, so their breakers call `next` bare.
  readonly toolAction = async (ctx: RequestContext, next: Run): Promise<unknown> => {
    const result = (await next(ctx)) as CallToolResult;
    if (this.failedAnswer(result, ctx)) throw new FailedAnswer(result);
    return result;
  };

  readonly requestAction = (ctx: RequestContext, next: Run): Promise<unknown> => next(ctx);

  // opossum counts a rejection as a success when this returns true. It calls this inside a .catch()
  // without a try: a throw here would leave the call unanswered and the rejection unhandled, so nothing
  // may escape (a hostile thrown value makes even `instanceof` throw).
  readonly errorFilter = (error: unknown, ctx?: RequestContext): boolean => {
    try {
      if (isFailedAnswer(error)) return false;
      // The SDK's answer to a bad request (`notes://nope` not found) says nothing about the dependency.
      if (isCallerMistake(error)) return true;
      return ctx !== undefined && !this.#counts(outcomeOfError(error), ctx);
    } catch {
      return false;
    }
  };
}
