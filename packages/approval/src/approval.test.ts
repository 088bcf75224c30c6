import {
  ConfigError,
  EventChannel,
  isMiddlewareError,
  principalKey,
  type CallToolResult,
  type ToolArgs,
  type ToolContext,
  type ToolExtra,
} from '@mcp-middleware/core';
import { manualClock, stubHandler } from '@mcp-middleware/core/testing';
import { createContext } from '@mcp-middleware/core/helpers';
import { describe, expect, it } from 'vitest';
import { APPROVAL_INPUT } from './answer.js';
import { approval, type ApprovalDecision } from './approval.js';

const clock = manualClock();
const DESTRUCTIVE = { name: 'delete_repo', annotations: { destructiveHint: true } };
const WIRE_2026 = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} } },
};

interface Call {
  readonly args?: ToolArgs;
  readonly params?: Record<string, unknown>;
  readonly meta?: Record<string, unknown>;
  readonly principal?: string;
  readonly tool?: { name: string; annotations?: Record<string, unknown> };
  readonly sendRequest?: ToolExtra['sendRequest'];
}

// A context as the 2026-07-28 adapter builds it: raw params (with the MRTR fields) and _meta.
function call(options: Call = {}): ToolContext & { events: unknown[] } {
  const extra = {
    signal: new AbortController().signal,
    requestId: 1,
    sendNotification: () => Promise.resolve(),
    sendRequest: options.sendRequest ?? (() => Promise.reject(new Error('no client'))),
    ...(options.meta !== undefined && { _meta: options.meta }),
  } as unknown as ToolExtra;
  const channel = new EventChannel();
  const events: unknown[] = [];
  channel.subscribe((event) => events.push(event));
  const args = options.args ?? { repo: 'a/b' };
  const ctx = createContext(options.tool ?? DESTRUCTIVE, args, extra, clock, channel, {
    name: 'delete_repo',
    arguments: args,
    ...options.params,
  });
  if (options.principal !== undefined) {
    ctx.set(principalKey, { id: options.principal, source: 'jwt', scopes: [], roles: [], claims: {} });
  }
  return Object.assign(ctx, { events });
}

async function reasonOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
    return 'ran';
  } catch (error) {
    return isMiddlewareError(error, 'FORBIDDEN') ? (error.data as { reason?: unknown }).reason : error;
  }
}

interface Round {
  readonly resultType: string;
  readonly inputRequests: Record<string, { method: string; params: { requestedSchema: unknown } }>;
  readonly requestState: string;
}

const yes = { [APPROVAL_INPUT]: { action: 'accept', content: { approve: true } } };

async function ask(mw: ReturnType<typeof approval>, options: Call = {}): Promise<Round> {
  return (await mw(call({ meta: WIRE_2026, ...options }), stubHandler())) as unknown as Round;
}

describe('approval', () => {
  it('refuses a destructive tool when the client cannot be asked, and never runs it', async () => {
    const handler = stubHandler();
    const ctx = call();
    expect(await reasonOf(approval()(ctx, handler))).toBe('approval_required');
    expect(handler.calls).toHaveLength(0);
    expect(ctx.events).toContainEqual({ type: 'reject', code: 'FORBIDDEN', source: 'approval' });
  });

  it('leaves tools that are not destructive alone', async () => {
    const handler = stubHandler();
    await approval()(call({ tool: { name: 'read', annotations: { readOnlyHint: true } } }), handler);
    expect(handler.calls).toHaveLength(1);
  });

  it('answers an input_required round with a yes/no form on the 2026-07-28 wire, without running', async () => {
    const handler = stubHandler();
    const round = (await approval()(call({ meta: WIRE_2026 }), handler)) as unknown as Round;
    expect(round.resultType).toBe('input_required');
    expect(round.inputRequests[APPROVAL_INPUT]?.method).toBe('elicitation/create');
    expect(typeof round.requestState).toBe('string');
    expect(handler.calls).toHaveLength(0);
  });

  it('runs the call once the client answers yes with the state it was given', async () => {
    const mw = approval();
    const { requestState } = await ask(mw);
    const handler = stubHandler();
    await mw(call({ meta: WIRE_2026, params: { requestState, inputResponses: yes } }), handler);
    expect(handler.calls).toHaveLength(1);
  });

  it.each([
    ['declined', { action: 'decline' }, 'approval_denied'],
    ['approve: false', { action: 'accept', content: { approve: false } }, 'approval_denied'],
    ['approve: "yes"', { action: 'accept', content: { approve: 'yes' } }, 'approval_invalid'],
    ['a string', 'yes', 'approval_invalid'],
    ['missing', undefined, 'approval_invalid'],
  ])('refuses an answer that is %s', async (_name, answer, reason) => {
    const mw = approval();
    const { requestState } = await ask(mw);
    const handler = stubHandler();
    const ctx = call({
      meta: WIRE_2026,
      params: { requestState, inputResponses: { [APPROVAL_INPUT]: answer } },
    });
    expect(await reasonOf(mw(ctx, handler))).toBe(reason);
    expect(handler.calls).toHaveLength(0);
  });

  it('refuses an approval replayed for other arguments, another tool or another principal', async () => {
    const mw = approval();
    const { requestState } = await ask(mw, { principal: 'alice' });
    const handler = stubHandler();
    const replays: Call[] = [
      { args: { repo: 'other/repo' }, principal: 'alice' },
      { tool: { name: 'drop_db', annotations: { destructiveHint: true } }, principal: 'alice' },
      { principal: 'bob' },
      {},
    ];
    for (const replay of replays) {
      const ctx = call({ meta: WIRE_2026, ...replay, params: { requestState, inputResponses: yes } });
      expect(await reasonOf(mw(ctx, handler))).toBe('approval_invalid');
    }
    expect(handler.calls).toHaveLength(0);
  });

  it('refuses an approval used a second time', async () => {
    const mw = approval();
    const { requestState } = await ask(mw);
    const handler = stubHandler();
    await mw(call({ meta: WIRE_2026, params: { requestState, inputResponses: yes } }), handler);
    const again = mw(call({ meta: WIRE_2026, params: { requestState, inputResponses: yes } }), handler);
    expect(await reasonOf(again)).toBe('approval_replayed');
    expect(handler.calls).toHaveLength(1);
  });

  it('refuses an expired approval', async () => {
    const mw = approval({ ttlMs: 60_000 });
    const { requestState } = await ask(mw);
    await clock.advance(60_000);
    const handler = stubHandler();
    expect(
      await reasonOf(mw(call({ meta: WIRE_2026, params: { requestState, inputResponses: yes } }), handler)),
    ).toBe('approval_invalid');
  });

  it.each<[string, (state: string, other: string) => unknown]>([
    ['issued by another server', (_state, other) => other],
    ['tampered', (state) => `${state.slice(0, 10)}${state[10] === 'x' ? 'y' : 'x'}${state.slice(11)}`],
    ['huge', () => 'a'.repeat(1_000_000)],
    ['not a string', () => 42],
  ])('refuses a state that is %s', async (_name, forge) => {
    const mw = approval();
    const other = await ask(approval());
    const { requestState } = await ask(mw);
    const handler = stubHandler();
    const forged = forge(requestState, other.requestState);
    const ctx = call({ meta: WIRE_2026, params: { requestState: forged, inputResponses: yes } });
    expect(await reasonOf(mw(ctx, handler))).toBe('approval_invalid');
    expect(handler.calls).toHaveLength(0);
  });

  it('asks through elicitation on the 2025-11-25 wire when the server says the client can', async () => {
    const sent: unknown[] = [];
    const sendRequest = ((request: unknown) => {
      sent.push(request);
      return Promise.resolve({ action: 'accept', content: { approve: true } });
    }) as unknown as ToolExtra['sendRequest'];
    const server = { getClientCapabilities: () => ({ elicitation: {} }) };
    const handler = stubHandler();
    await approval({ server })(call({ sendRequest }), handler);
    expect(sent).toHaveLength(1);
    expect(handler.calls).toHaveLength(1);
  });

  it('refuses when the elicitation request fails, fail-closed', async () => {
    const server = { getClientCapabilities: () => ({ elicitation: {} }) };
    const handler = stubHandler();
    expect(await reasonOf(approval({ server })(call(), handler))).toBe('approval_required');
    expect(handler.calls).toHaveLength(0);
  });

  it('uses the approve callback instead of asking; a throwing callback refuses', async () => {
    const handler = stubHandler();
    await approval({ approve: () => true })(call(), handler);
    expect(await reasonOf(approval({ approve: () => false })(call(), handler))).toBe('approval_denied');
    expect(
      await reasonOf(
        approval({
          approve: () => {
            throw new Error('webhook down');
          },
        })(call(), handler),
      ),
    ).toBe('approval_denied');
    expect(handler.calls).toHaveLength(1);
  });

  it('refuses when the approve callback never answers within timeoutMs', async () => {
    const handler = stubHandler();
    const pending = reasonOf(
      approval({ approve: () => new Promise<boolean>(() => undefined), timeoutMs: 5_000 })(call(), handler),
    );
    await clock.advance(5_000);
    expect(await pending).toBe('approval_denied');
    expect(handler.calls).toHaveLength(0);
  });

  it('tells onDecision about every decision, and a throwing onDecision fails nothing', async () => {
    const decisions: ApprovalDecision[] = [];
    const mw = approval({ onDecision: (d) => decisions.push(d) });
    const { requestState } = await ask(mw);
    await mw(call({ meta: WIRE_2026, params: { requestState, inputResponses: yes } }), stubHandler());
    await reasonOf(mw(call(), stubHandler()));
    expect(decisions.map((d) => d.decision)).toEqual(['asked', 'granted', 'refused']);
    const throwing = approval({
      approve: () => true,
      onDecision: () => {
        throw new Error('audit down');
      },
    });
    const result: CallToolResult = await throwing(call(), stubHandler());
    expect(result.content).toHaveLength(1);
  });

  it('rejects a short secret and unknown options when the factory runs', () => {
    expect(() => approval({ secret: 'short' })).toThrow(ConfigError);
    expect(() => approval({ tool: 'x' } as never)).toThrow(ConfigError);
    expect(() => approval({ server: {} as never })).toThrow(ConfigError);
  });
});
