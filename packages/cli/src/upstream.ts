/** The upstream MCP server the gateway fronts: a spawned command on stdio, or a Streamable HTTP endpoint. */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type {
  JsonSchemaType,
  JsonSchemaValidator,
  jsonSchemaValidator,
} from '@modelcontextprotocol/sdk/validation';
import type {
  ClientCapabilities,
  Implementation,
  JSONRPCMessage,
  ServerCapabilities,
} from '@modelcontextprotocol/sdk/types.js';
import { redactSecrets } from '@mcp-middleware/core/redact';
import { ArrivalOrderTransport } from './arrival-order.js';
import { readAnswerableMessages } from './stdio-client-reader.js';
import type { LaneSender, UpstreamLane } from './upstream-lane.js';
import { DEFAULT_INHERITED_ENV, upstreamEnvironment } from './upstream-env.js';
import { handshake, startFailure, type StartWatch } from './upstream-start.js';
import { upstreamFetch } from './upstream-fetch.js';
import { directPost } from './upstream-post.js';
import { GatewayError } from './errors.js';

/** An upstream server started as a child process and spoken to over its stdin/stdout. */
export interface StdioUpstream {
  readonly command: string;
  /** @default [] */
  readonly args?: readonly string[] | undefined;
  /** Set in the child's environment, on top of what {@link StdioUpstream.inheritEnv} lets through. @default {} */
  readonly env?: Readonly<Record<string, string>> | undefined;
  /**
   * Names of the gateway's environment variables the child inherits; a trailing `*` matches a prefix. The
   * gateway's own secrets (its config's tokens, a client's credentials) never reach the upstream unless
   * named here or in `env`. @default `DEFAULT_INHERITED_ENV` (PATH, HOME, locale, terminal, temp, proxy, `NODE_*`, `npm_config_*`)
   */
  readonly inheritEnv?: readonly string[] | undefined;
  /** @default the gateway's working directory */
  readonly cwd?: string | undefined;
  /** Where the child's stderr goes: the gateway's stderr, or nowhere. @default "inherit" */
  readonly stderr?: 'inherit' | 'ignore' | undefined;
}

/** An upstream server reached over Streamable HTTP. */
export interface HttpUpstream {
  readonly url: string | URL;
  /** Sent with every request (e.g. `Authorization`); never logged. @default {} */
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/** Which upstream server to front. */
export type UpstreamSpec = StdioUpstream | HttpUpstream;

/** One live connection to the upstream; a restart makes a new one. */
export interface UpstreamConnection {
  readonly client: Client;
  /** Requests past the Client's Protocol on the same transport (the hot `tools/call`). */
  readonly lane: UpstreamLane | undefined;
  readonly capabilities: ServerCapabilities;
  readonly serverInfo: Implementation;
  readonly instructions: string | undefined;
  /** The client capabilities the gateway declared on this connection. */
  readonly declared: ClientCapabilities;
  /** Called once when the connection ends without `close()`: the process exited, the server went away. */
  onlost: ((reason: string) => void) | undefined;
  close(): Promise<void>;
}

/** Options of {@link connectUpstream}. */
export interface ConnectOptions {
  readonly clientInfo: Implementation;
  /** What the gateway's client declares upstream (what its own clients can answer). @default {} */
  readonly capabilities?: ClientCapabilities | undefined;
  /** Bound on the MCP handshake. */
  readonly connectTimeoutMs: number;
  /**
   * How much longer a stdio child that is alive and has written nothing but stderr may take (npx still
   * downloading); `onSlowStart` hears when the extension begins. @default 0 (no extension)
   */
  readonly slowStartMs?: number | undefined;
  readonly onSlowStart?: ((message: string) => void) | undefined;
  /** Bound on the liveness ping an HTTP transport error triggers. */
  readonly probeTimeoutMs: number;
}

const STDERR_TAIL_CHARS = 600;
// Errors the SDK reports about single messages; they say nothing about whether the upstream is alive.
const PROTOCOL_NOISE =
  /^(Received a (progress notification|response) for an unknown|Uncaught error in notification handler)/;

/** True for a spec that names an HTTP endpoint. */
export function isHttpUpstream(spec: UpstreamSpec): spec is HttpUpstream {
  return 'url' in spec;
}

/** A short label for messages on stderr: the command line, or the URL without credentials or query. */
export function describeUpstream(spec: UpstreamSpec): string {
  if (isHttpUpstream(spec)) {
    try {
      const url = new URL(spec.url);
      return `${url.origin}${url.pathname}`;
    } catch {
      return 'an HTTP upstream with an invalid URL';
    }
  }
  return redactSecrets([spec.command, ...(spec.args ?? [])].join(' '));
}

/** The message of an error and of its causes, e.g. `fetch failed: connect ECONNREFUSED 127.0.0.1:9`. */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth++) {
    const message =
      current instanceof Error
        ? current.message
        : typeof current === 'string'
          ? current
          : JSON.stringify(current);
    if (message !== '' && !parts.some((p) => p.includes(message))) parts.push(message);
    current = current instanceof Error ? current.cause : undefined;
  }
  return redactSecrets(parts.join(': ') || 'unknown error');
}

function stdioTransport(spec: StdioUpstream, stderrTail: StartWatch): StdioClientTransport {
  const transport = new StdioClientTransport({
    command: spec.command,
    args: [...(spec.args ?? [])],
    // An allow-list, not the whole environment: the gateway may hold credentials the upstream must not see.
    env: upstreamEnvironment(process.env, spec.inheritEnv ?? DEFAULT_INHERITED_ENV, spec.env),
    ...(spec.cwd !== undefined && { cwd: spec.cwd }),
    stderr: 'pipe',
  });
  readAnswerableMessages(transport);
  const inherit = (spec.stderr ?? 'inherit') === 'inherit';
  transport.stderr?.on('data', (chunk: Buffer) => {
    if (inherit) process.stderr.write(chunk);
    stderrTail.text = (stderrTail.text + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
  });
  return transport;
}

function httpTransport(spec: HttpUpstream): StreamableHTTPClientTransport {
  const url = new URL(spec.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new GatewayError('UPSTREAM_START', `upstream URL must be http: or https:, got ${url.protocol}`);
  }
  const headers = spec.headers ?? {};
  return new StreamableHTTPClientTransport(url, {
    requestInit: { headers: { ...headers } },
    // Keep-alive agents, and a request a reused idle socket lost before any answer sent again once.
    fetch: upstreamFetch,
  });
}

/** The lane's sender for an HTTP upstream: direct POSTs, with the SDK transport for what they leave to it. */
function laneSender(
  spec: HttpUpstream,
  transport: StreamableHTTPClientTransport,
): (deliver: (message: JSONRPCMessage) => void, onerror: (error: Error) => void) => LaneSender {
  return (deliver, onerror) =>
    directPost(new URL(spec.url), spec.headers ?? {}, {
      session: () => ({ sessionId: transport.sessionId, protocolVersion: transport.protocolVersion }),
      deliver,
      onerror,
      fallback: (message, resumptionToken) =>
        transport.send(message, resumptionToken === undefined ? undefined : { resumptionToken }),
    });
}

/**
 * A JSON Schema validator whose Ajv is built on first use. The SDK builds an Ajv per Client and per Server,
 * a measurable share of each session's setup and heap, and the gateway's never validate: its clients list
 * and call with `request` (not `listTools`/`callTool`), its servers never call `elicitInput`.
 */
export class LazyValidator implements jsonSchemaValidator {
  #ajv: AjvJsonSchemaValidator | undefined;
  getValidator<T>(schema: JsonSchemaType): JsonSchemaValidator<T> {
    return (this.#ajv ??= new AjvJsonSchemaValidator()).getValidator<T>(schema);
  }
}

/**
 * Connects to the upstream as an MCP client and completes the handshake. Throws a GatewayError with a
 * message a person can act on when the server cannot be started or reached.
 */
export async function connectUpstream(
  spec: UpstreamSpec,
  options: ConnectOptions,
): Promise<UpstreamConnection> {
  const watch: StartWatch = { text: '', garbage: undefined };
  const http = isHttpUpstream(spec);
  let transport: Transport;
  try {
    transport = http ? httpTransport(spec) : stdioTransport(spec, watch);
  } catch (error) {
    throw error instanceof GatewayError ? error : startFailure(spec, error, watch, 0);
  }
  const client = new Client(options.clientInfo, {
    capabilities: options.capabilities ?? {},
    jsonSchemaValidator: new LazyValidator(),
  });
  const extensionMs = http ? 0 : (options.slowStartMs ?? 0);
  const ordered = new ArrivalOrderTransport(
    transport,
    transport instanceof StreamableHTTPClientTransport
      ? laneSender(spec as HttpUpstream, transport)
      : undefined,
  );
  try {
    await handshake(client, ordered, watch, extensionMs, options);
  } catch (error) {
    await client.close().catch(() => undefined);
    throw startFailure(spec, error, watch, options.connectTimeoutMs + extensionMs);
  }

  let state: 'open' | 'closing' | 'lost' = 'open';
  let lostReason: string | undefined;
  let probing = false;
  const connection: UpstreamConnection = {
    client,
    lane: ordered.lane,
    capabilities: client.getServerCapabilities() ?? {},
    serverInfo: client.getServerVersion() ?? { name: 'upstream', version: '0.0.0' },
    instructions: client.getInstructions(),
    declared: options.capabilities ?? {},
    onlost: undefined,
    async close() {
      if (state !== 'open') return;
      state = 'closing';
      if (transport instanceof StreamableHTTPClientTransport) await terminate(transport);
      await client.close();
    },
  };
  client.onclose = () => {
    if (state !== 'open') return;
    state = 'lost';
    connection.onlost?.(
      lostReason ?? (http ? 'the upstream closed the connection' : 'the upstream process exited'),
    );
  };
  // An HTTP server that dies leaves its streams erroring but no close event: a failed ping decides.
  // Closing the client then rejects every call in flight, so none waits for its timeout.
  client.onerror = (error) => {
    if (!http || state !== 'open' || probing || PROTOCOL_NOISE.test(error.message)) return;
    probing = true;
    client.ping({ timeout: options.probeTimeoutMs }).then(
      () => {
        probing = false;
      },
      (pingError: unknown) => {
        lostReason = `the upstream stopped answering (${describeError(error)}; ping: ${describeError(pingError)})`;
        void client.close();
      },
    );
  };
  return connection;
}

// Ends the HTTP session politely, without letting a dead server hold up shutdown.
async function terminate(transport: StreamableHTTPClientTransport): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, 1000);
    timer.unref();
  });
  await Promise.race([transport.terminateSession().catch(() => undefined), deadline]);
  clearTimeout(timer);
}

export { DEFAULT_INHERITED_ENV, upstreamEnvironment } from './upstream-env.js';
