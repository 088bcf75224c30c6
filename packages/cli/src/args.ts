/** Command-line parsing for `mcp-middleware`: pure, so every usage error is tested without a process. */
import { parseArgs } from 'node:util';
import { CliError, EXIT_CODES } from './errors.js';
import type { UpstreamSpec } from './upstream.js';
import { DEFAULT_INHERITED_ENV } from './upstream-env.js';

/** What `mcp-middleware proxy` was asked to do. */
export interface ProxyArgs {
  readonly config: string | undefined;
  readonly listen: string;
  readonly upstream: UpstreamSpec;
  readonly restart: boolean;
  readonly drainTimeoutMs: number | undefined;
  readonly connectTimeoutMs: number | undefined;
  readonly requestTimeoutMs: number | undefined;
  /** HTTP listener: idle kept-alive connections, request headers, whole requests (createGateway's options). */
  readonly keepAliveTimeoutMs: number | undefined;
  readonly headersTimeoutMs: number | undefined;
  readonly receiveTimeoutMs: number | undefined;
  /** Re-read the config file when it changes (SIGHUP always re-reads it). */
  readonly watch: boolean;
}

/** A parsed command line. */
export type Command =
  | { readonly name: 'help'; readonly topic: 'main' | 'proxy' | 'check' | 'schema' }
  | { readonly name: 'version' }
  | { readonly name: 'proxy'; readonly args: ProxyArgs }
  | { readonly name: 'check'; readonly config: string; readonly upstream: UpstreamSpec | undefined }
  | { readonly name: 'schema' };

export const MAIN_HELP = `Usage: mcp-middleware <command> [options]

Put a middleware pipeline (auth, rate limits, retry, timeouts, caching, metrics, …)
in front of any MCP server.

Commands:
  proxy    run the gateway in front of an MCP server (stdio command or HTTP URL)
  check    validate a config file and print the pipeline each tool gets
  schema   print the JSON Schema of the config file format

Options:
  -h, --help     show help (also: mcp-middleware <command> --help)
  -v, --version  print the version

Exit codes: 0 ok, 1 runtime failure, 2 usage or config error, 3 upstream failed to start.
`;

export const PROXY_HELP = `Usage: mcp-middleware proxy [options] -- COMMAND [ARGS…]
       mcp-middleware proxy [options] --upstream http://host:port/mcp

Connects to an MCP server as a client and serves its tools, resources and prompts,
running every tools/call through the pipeline.

Options:
  -c, --config FILE            pipeline config (YAML or JSON); without it the gateway passes calls through
  -l, --listen stdio|URL       where clients connect (default: stdio); a URL such as
                               http://127.0.0.1:8080/mcp serves Streamable HTTP there plus
                               /healthz, /readyz and /metrics
  -u, --upstream URL           a Streamable HTTP upstream instead of a command
  -H, --header "NAME: VALUE"   header for an HTTP upstream (repeatable); \${VAR} reads the environment
  -e, --pass-env NAME          let the upstream command inherit NAME from the gateway's environment
                               (repeatable; NAME_* passes a prefix); by default it gets only PATH,
                               HOME, locale, temp, proxy, NODE_* and npm_config_* variables
  -w, --watch                  re-read the config file when it changes (SIGHUP always re-reads it)
      --restart                restart (stdio) or reconnect (HTTP) the upstream when it goes away,
                               instead of exiting with code 1
      --drain-timeout-ms MS    on SIGTERM/SIGINT, how long calls in flight may finish (default 10000)
      --connect-timeout-ms MS  bound on starting the upstream and the handshake (default 10000)
      --request-timeout-ms MS  bound on each upstream request, reset by progress (default 60000)
      --keep-alive-timeout-ms MS  HTTP: close a kept-alive connection idle this long (default 65000;
                               keep it above a load balancer's idle timeout, 60 s on AWS ALB)
      --headers-timeout-ms MS  HTTP: bound on receiving a request's headers (default keep-alive + 1000)
      --receive-timeout-ms MS  HTTP: bound on receiving a whole request, 0 for none (default 300000);
                               a response that streams is never cut by it
  -h, --help                   show this help

The command after -- runs with an allow-listed part of the gateway's environment (see
--pass-env); a client's credentials never go upstream. In stdio mode nothing but
JSON-RPC is written to stdout; diagnostics go to stderr. A second SIGTERM/SIGINT stops at once.
`;

export const CHECK_HELP = `Usage: mcp-middleware check --config FILE [-- COMMAND [ARGS…] | --upstream URL]

Validates the config file and prints each middleware's options and, for each tools: key,
what it changes. Warns about a pipeline order that breaks the documented guarantees and,
given an upstream (as proxy takes it), about tools: keys that match none of its tools.
Exits 0 when the file is valid (warnings or not), 2 when it is not, 3 when the upstream
cannot be started.
`;

export const SCHEMA_HELP = `Usage: mcp-middleware schema > mcp-middleware.schema.json

Prints the JSON Schema of the config file format, for editor completion. Point the
config at it with a first line \`# yaml-language-server: $schema=./mcp-middleware.schema.json\`
or a \`$schema\` key.
`;

const usage = (message: string, topic: string): CliError =>
  new CliError(EXIT_CODES.usage, `${message}\nRun \`mcp-middleware ${topic}--help\` for usage.`);

function milliseconds(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value))
    throw usage(`--${name} must be a whole number of milliseconds, got "${value}"`, 'proxy ');
  return Number(value);
}

/** Parses `NAME: VALUE` header flags, expanding `${VAR}` from `env`. */
export function parseHeaders(values: readonly string[], env: NodeJS.ProcessEnv): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const raw of values) {
    const colon = raw.indexOf(':');
    const name = colon < 1 ? '' : raw.slice(0, colon).trim();
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      throw usage(`--header must look like "Name: value", got "${raw.slice(0, 40)}"`, 'proxy ');
    }
    headers[name] = raw
      .slice(colon + 1)
      .trim()
      .replace(/\$\{(\w+)\}/g, (_match, variable: string) => {
        const value = env[variable];
        if (value === undefined)
          throw usage(`--header ${name} uses \${${variable}}, which is not set`, 'proxy ');
        return value;
      });
  }
  return headers;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*\*?$/;

/** The variables a stdio upstream inherits: the default allow-list plus each `--pass-env NAME`. */
function inheritedEnv(names: readonly string[], topic: string): readonly string[] | undefined {
  if (names.length === 0) return undefined;
  for (const name of names) {
    if (!ENV_NAME.test(name)) {
      throw usage(
        `--pass-env takes an environment variable name (or a PREFIX_*), got "${name.slice(0, 40)}"`,
        topic,
      );
    }
  }
  return [...DEFAULT_INHERITED_ENV, ...names];
}

/** The upstream of `proxy` or `check`: a command after `--`, or `--upstream URL` with its headers. */
function upstreamOf(
  values: {
    readonly upstream?: string | undefined;
    readonly header?: string[] | undefined;
    readonly 'pass-env'?: string[] | undefined;
  },
  positionals: readonly string[],
  env: NodeJS.ProcessEnv,
  topic: string,
): UpstreamSpec | undefined {
  const [command, ...commandArgs] = positionals;
  if (values.upstream !== undefined) {
    if (command !== undefined)
      throw usage('give either --upstream URL or a command after --, not both', topic);
    if (!URL.canParse(values.upstream) || !/^https?:$/.test(new URL(values.upstream).protocol)) {
      throw usage(`--upstream must be an http:// or https:// URL, got "${values.upstream}"`, topic);
    }
    if (values['pass-env'] !== undefined) {
      throw usage(
        '--pass-env applies to a command after --; an HTTP upstream takes credentials with --header',
        topic,
      );
    }
    return { url: values.upstream, headers: parseHeaders(values.header ?? [], env) };
  }
  if (values.header !== undefined) throw usage('--header applies only to an --upstream URL', topic);
  if (command === undefined) return undefined;
  const inheritEnv = inheritedEnv(values['pass-env'] ?? [], topic);
  return inheritEnv === undefined
    ? { command, args: commandArgs }
    : { command, args: commandArgs, inheritEnv };
}

function parseProxy(argv: readonly string[], env: NodeJS.ProcessEnv): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string', short: 'c' },
        listen: { type: 'string', short: 'l' },
        upstream: { type: 'string', short: 'u' },
        header: { type: 'string', short: 'H', multiple: true },
        'pass-env': { type: 'string', short: 'e', multiple: true },
        watch: { type: 'boolean', short: 'w' },
        restart: { type: 'boolean' },
        'drain-timeout-ms': { type: 'string' },
        'connect-timeout-ms': { type: 'string' },
        'request-timeout-ms': { type: 'string' },
        'keep-alive-timeout-ms': { type: 'string' },
        'headers-timeout-ms': { type: 'string' },
        'receive-timeout-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw usage(`${message}; put the upstream command and its own options after --`, 'proxy ');
  }
  const { values, positionals } = parsed;
  if (values.help === true) return { name: 'help', topic: 'proxy' };
  const upstream = upstreamOf(values, positionals, env, 'proxy ');
  if (upstream === undefined)
    throw usage('no upstream: put the server command after --, or pass --upstream URL', 'proxy ');
  const listen = values.listen ?? 'stdio';
  if (listen !== 'stdio' && (!URL.canParse(listen) || new URL(listen).protocol !== 'http:')) {
    throw usage(
      `--listen must be "stdio" or an http:// URL such as http://127.0.0.1:8080/mcp, got "${listen}"`,
      'proxy ',
    );
  }
  if (values.watch === true && values.config === undefined) {
    throw usage('--watch re-reads a config file: give one with --config FILE', 'proxy ');
  }
  return {
    name: 'proxy',
    args: {
      config: values.config,
      listen,
      upstream,
      restart: values.restart === true,
      drainTimeoutMs: milliseconds('drain-timeout-ms', values['drain-timeout-ms']),
      connectTimeoutMs: milliseconds('connect-timeout-ms', values['connect-timeout-ms']),
      requestTimeoutMs: milliseconds('request-timeout-ms', values['request-timeout-ms']),
      keepAliveTimeoutMs: milliseconds('keep-alive-timeout-ms', values['keep-alive-timeout-ms']),
      headersTimeoutMs: milliseconds('headers-timeout-ms', values['headers-timeout-ms']),
      receiveTimeoutMs: milliseconds('receive-timeout-ms', values['receive-timeout-ms']),
      watch: values.watch === true,
    },
  };
}

function parseSimple(name: 'check' | 'schema', argv: readonly string[], env: NodeJS.ProcessEnv): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: name === 'check',
      options: {
        help: { type: 'boolean', short: 'h' },
        ...(name === 'check' && {
          config: { type: 'string', short: 'c' },
          upstream: { type: 'string', short: 'u' },
          header: { type: 'string', short: 'H', multiple: true },
        }),
      },
    });
  } catch (error) {
    throw usage((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''), `${name} `);
  }
  const values = parsed.values as unknown as {
    help?: boolean;
    config?: string;
    upstream?: string;
    header?: string[];
  };
  if (values.help === true) return { name: 'help', topic: name };
  if (name === 'schema') return { name };
  if (values.config === undefined) throw usage('check needs --config FILE', 'check ');
  return { name, config: values.config, upstream: upstreamOf(values, parsed.positionals, env, 'check ') };
}

/** Parses the arguments after `mcp-middleware`. Throws a CliError (exit code 2) on bad usage. */
export function parseCommand(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Command {
  const [first, ...rest] = argv;
  switch (first) {
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      return { name: 'help', topic: 'main' };
    case '-v':
    case '--version':
      return { name: 'version' };
    case 'proxy':
      return parseProxy(rest, env);
    case 'check':
    case 'schema':
      return parseSimple(first, rest, env);
    default:
      throw usage(`unknown command "${first}"`, '');
  }
}
