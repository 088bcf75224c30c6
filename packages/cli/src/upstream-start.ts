/** Starting an upstream: the bounded handshake, and a message a person can act on when it fails. */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { redactSecrets } from '@mcp-middleware/core/redact';
import { GatewayError } from './errors.js';
import {
  describeError,
  describeUpstream,
  isHttpUpstream,
  type ConnectOptions,
  type UpstreamSpec,
} from './upstream.js';

export function lastLines(text: string): string {
  const lines = text.trim().split('\n').slice(-3).join(' | ');
  return lines === '' ? '' : `; its last stderr output: ${redactSecrets(lines)}`;
}

/** What was seen of a stdio child while its handshake was pending. */
export interface StartWatch {
  /** The last stderr output. */
  text: string;
  /** The first stdout line that was not a JSON-RPC message, if any. */
  garbage: string | undefined;
}

export function startFailure(
  spec: UpstreamSpec,
  error: unknown,
  watch: StartWatch,
  waitedMs: number,
): GatewayError {
  const label = describeUpstream(spec);
  const code = (error as { code?: unknown }).code;
  let message: string;
  if (watch.garbage !== undefined) {
    message = `the upstream server \`${label}\` does not speak MCP on stdout: it wrote ${JSON.stringify(watch.garbage)} where a JSON-RPC message was expected (is it an MCP server on stdio? servers must log to stderr)`;
  } else if (!isHttpUpstream(spec) && code === 'ENOENT') {
    message = `could not start the upstream server: command \`${spec.command}\` was not found (check PATH and spelling)`;
  } else if (!isHttpUpstream(spec) && code === 'EACCES') {
    message = `could not start the upstream server: command \`${spec.command}\` is not executable`;
  } else if (!isHttpUpstream(spec) && code === -32000) {
    message = `the upstream server \`${label}\` exited before completing the MCP handshake${lastLines(watch.text)}`;
  } else if (code === -32001 && !isHttpUpstream(spec)) {
    message = `the upstream server \`${label}\` is still running but has not answered the MCP handshake after ${waitedMs} ms; it wrote nothing on stdout (a slow start such as npx downloading the package: run it once to fill the cache, or raise --connect-timeout)${lastLines(watch.text)}`;
  } else if (code === -32001) {
    message = `the upstream server ${label} did not complete the MCP handshake in ${waitedMs} ms (is it an MCP server on this URL?)`;
  } else {
    message = `could not connect to the upstream server ${label}: ${describeError(error)}${lastLines(watch.text)}`;
  }
  return new GatewayError('UPSTREAM_START', message, { cause: error });
}

const GARBAGE_CHARS = 120;

function garbageOf(error: Error): string | undefined {
  if (error instanceof SyntaxError) return error.message.slice(0, GARBAGE_CHARS);
  const notJsonRpc = error.name === 'ZodError' || error.name === 'NotJsonRpcError';
  return notJsonRpc ? 'JSON that is not a JSON-RPC message' : undefined;
}

/**
 * The handshake, bounded by `connectTimeoutMs`. When that passes, a stdio child that wrote something other
 * than JSON-RPC on stdout fails as not speaking MCP; one that is alive and quiet on stdout (npx still
 * downloading) gets `slowStartMs` more, reported through `onSlowStart`.
 */
export async function handshake(
  client: Client,
  transport: Transport,
  watch: StartWatch,
  extensionMs: number,
  options: ConnectOptions,
): Promise<void> {
  const abort = new AbortController();
  const notMcp = (): void => abort.abort(new McpError(ErrorCode.RequestTimeout, 'not MCP'));
  let extending = false;
  client.onerror = (error) => {
    watch.garbage ??= garbageOf(error);
    // Within the first budget a server may still answer after a stray line; in the extension it has had its chance.
    if (extending && watch.garbage !== undefined) notMcp();
  };
  const timer = setTimeout(() => {
    extending = true;
    if (watch.garbage !== undefined) {
      notMcp();
    } else if (extensionMs > 0) {
      options.onSlowStart?.(
        `the upstream server is still starting after ${options.connectTimeoutMs} ms (alive, nothing on stdout yet${lastLines(watch.text)}); waiting up to ${extensionMs} ms more`,
      );
    }
  }, options.connectTimeoutMs);
  try {
    await client.connect(transport, {
      timeout: options.connectTimeoutMs + extensionMs,
      signal: abort.signal,
    });
  } finally {
    clearTimeout(timer);
    client.onerror = () => undefined;
  }
}
