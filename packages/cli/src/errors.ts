/** The gateway's own failures and the exit codes the `mcp-middleware` command maps them to. */

/** Exit codes of the `mcp-middleware` command (documented in the README). */
export const EXIT_CODES = Object.freeze({
  /** Finished normally: a signal or the client closing the connection ended a clean shutdown. */
  ok: 0,
  /** A runtime failure: the upstream exited or stopped answering, the listen address was unusable. */
  runtime: 1,
  /** Bad usage or an unusable config: nothing was started. */
  usage: 2,
  /** The upstream server could not be started or did not complete the MCP handshake. */
  upstreamStart: 3,
});

/** Why the gateway could not start. */
export type GatewayErrorCode = 'UPSTREAM_START' | 'LISTEN';

/** The gateway could not start; the message says what failed and what to check. */
export class GatewayError extends Error {
  readonly code: GatewayErrorCode;

  constructor(code: GatewayErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.code = code;
  }
}
Object.defineProperty(GatewayError.prototype, 'name', { value: 'GatewayError' });

/** A command-line failure with the exit code it maps to; its message is printed without a stack. */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(exitCode: number, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.exitCode = exitCode;
  }
}
Object.defineProperty(CliError.prototype, 'name', { value: 'CliError' });
