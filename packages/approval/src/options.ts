/** approval()'s options: the interface, and the one place they are read and checked (declared in declaration.ts). */
import { randomBytes } from 'node:crypto';
import { ConfigError, type ToolContext, type ToolInfo, type ToolSelector } from '@mcp-middleware/core';
import { describeValue, readToolSelector } from '@mcp-middleware/core/helpers';
import { redactValue } from '@mcp-middleware/core/redact';
import { APPROVAL_OPTIONS } from './declaration.js';

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
   * Which tools need approval: a name glob (`!` negates), a list of globs, annotations, or a predicate
   * over the tool.
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

/** approval()'s options checked (a ConfigError names the bad one), with defaults applied. */
export interface ResolvedApproval {
  readonly selected: (tool: ToolInfo) => boolean;
  readonly approve: ApprovalOptions['approve'];
  readonly server: ServerLike | undefined;
  readonly capabilitiesOf: ApprovalOptions['clientCapabilities'];
  readonly secret: Buffer;
  readonly ttlMs: number;
  readonly timeoutMs: number;
  readonly message: (ctx: ToolContext) => string;
  readonly onDecision: ApprovalOptions['onDecision'];
}

/** Reads and checks `approval()`'s options once, when the factory runs. */
export function readApprovalOptions(options: ApprovalOptions): ResolvedApproval {
  const { values } = APPROVAL_OPTIONS.read(options);
  const { approve, ttlMs, timeoutMs, onDecision, clientCapabilities: capabilitiesOf } = values;
  const selected = readToolSelector('approval', 'tools', values.tools, { destructiveHint: true });
  const server = serverOf(values.server);
  const secret = readSecret(values.secret);
  const message = values.message ?? defaultMessage;
  return { selected, approve, server, capabilitiesOf, secret, ttlMs, timeoutMs, message, onDecision };
}
