/** RFC 9728 protected-resource metadata: the document MCP clients read to find the authorization server. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigError, readOptions } from '@mcp-middleware/core';
import { describeValue } from '@mcp-middleware/core/helpers';
import { toUrl } from './from-auth-info.js';

/** Options of {@link protectedResourceMetadata}. */
export interface ProtectedResourceOptions {
  /** This server's canonical URI (RFC 8707), e.g. `https://mcp.example.com/mcp`. Required. */
  readonly resource: string | URL;
  /**
   * The authorization servers that issue tokens for it. Required; an empty list (RFC 9728 makes the field
   * optional) says no authorization server issues them: the server checks credentials it minted itself
   * (API keys), and the document omits `authorization_servers`.
   */
  readonly authorizationServers: readonly (string | URL)[];
  /** Scopes clients may request. @default omitted */
  readonly scopesSupported?: readonly string[] | undefined;
  /** A human-readable name. @default omitted */
  readonly resourceName?: string | undefined;
  /** A page about the server for developers. @default omitted */
  readonly resourceDocumentation?: string | URL | undefined;
  /** `Cache-Control: max-age` of the document, in seconds. @default 3600 */
  readonly maxAgeSec?: number | undefined;
}

/** The metadata document and handlers that serve it. */
export interface ProtectedResourceMetadata {
  /** Where the document lives: the `resource_metadata` of every challenge. */
  readonly url: string;
  /** The path part of `url`, for routers. */
  readonly path: string;
  readonly document: Readonly<Record<string, unknown>>;
  /**
   * node:http / Express: answers GET, HEAD and OPTIONS on `path` and returns true; otherwise calls `next`
   * (when given) and returns false.
   */
  handle(req: IncomingMessage, res: ServerResponse, next?: () => void): boolean;
  /** Fetch style: the response for a request to `path`, or undefined for any other request. */
  handleFetch(request: Request): Response | undefined;
}

const WELL_KNOWN = '/.well-known/oauth-protected-resource';

/** The RFC 9728 well-known URL of a resource's metadata (path-suffixed, as the MCP spec expects). */
export function resourceMetadataUrl(resource: string | URL): string {
  const url = toUrl(resource);
  if (url === undefined) throw new TypeError('resourceMetadataUrl: resource must be an absolute URL');
  const path = url.pathname === '/' ? '' : url.pathname;
  return new URL(`${WELL_KNOWN}${path}`, url.origin).href;
}

function absoluteUrl(reader: ReturnType<typeof readOptions>, key: string, value: unknown): string {
  const url = toUrl(value);
  if (url === undefined) reader.fail(key, 'an absolute URL', value);
  return url.href;
}

/** Reads and checks the options once and builds the document from them; a ConfigError names a bad option. */
function readMetadataOptions(options: ProtectedResourceOptions): {
  readonly resourceUrl: URL;
  readonly document: Readonly<Record<string, unknown>>;
  readonly maxAgeSec: number;
} {
  const reader = readOptions('protectedResourceMetadata', options, [
    'resource',
    'authorizationServers',
    'scopesSupported',
    'resourceName',
    'resourceDocumentation',
    'maxAgeSec',
  ]);
  if (!reader.has('resource')) reader.fail('resource', "this server's canonical URI");
  const resourceUrl = toUrl(reader.raw('resource')) ?? reader.fail('resource', 'an absolute URL');
  if (resourceUrl.hash !== '')
    reader.fail('resource', 'a URL without a fragment (RFC 8707)', 'a URL with one');
  const servers = reader.raw('authorizationServers');
  if (!Array.isArray(servers)) {
    throw new ConfigError(
      'authorizationServers',
      `protectedResourceMetadata: authorizationServers must be a list of authorization server URLs, got ${describeValue(servers)}`,
    );
  }
  const scopes = reader.raw('scopesSupported');
  if (
    scopes !== undefined &&
    (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string' && s !== ''))
  ) {
    reader.fail('scopesSupported', 'a list of scope names');
  }
  const name = reader.string('resourceName');
  const documentation = reader.has('resourceDocumentation')
    ? absoluteUrl(reader, 'resourceDocumentation', reader.raw('resourceDocumentation'))
    : undefined;
  const maxAgeSec = reader.integer('maxAgeSec', { min: 0, default: 3600 });

  const document = Object.freeze({
    resource: resourceUrl.href,
    ...(servers.length > 0 && {
      authorization_servers: (servers as unknown[]).map((s, i) =>
        absoluteUrl(reader, `authorizationServers.${i}`, s),
      ),
    }),
    bearer_methods_supported: ['header'],
    ...(scopes !== undefined && { scopes_supported: [...(scopes as string[])] }),
    ...(name !== undefined && { resource_name: name }),
    ...(documentation !== undefined && { resource_documentation: documentation }),
  });
  return { resourceUrl, document, maxAgeSec };
}

function pathOf(target: string | undefined): string {
  if (target === undefined) return '';
  const query = target.indexOf('?');
  return query === -1 ? target : target.slice(0, query);
}

/** Builds the protected-resource metadata document for `resource` and the handlers that serve it. */
export function protectedResourceMetadata(options: ProtectedResourceOptions): ProtectedResourceMetadata {
  const { resourceUrl, document, maxAgeSec } = readMetadataOptions(options);
  const url = resourceMetadataUrl(resourceUrl);
  const path = new URL(url).pathname;
  const body = JSON.stringify(document);
  // The document is public; browser-based clients fetch it cross-origin.
  const headers = {
    'content-type': 'application/json',
    'cache-control': `public, max-age=${maxAgeSec}`,
    'access-control-allow-origin': '*',
  };
  const preflight = {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'GET, HEAD, OPTIONS',
    'access-control-allow-headers': '*',
  };

  return {
    url,
    path,
    document,
    handle(req, res, next) {
      if (pathOf(req.url) !== path) {
        next?.();
        return false;
      }
      if (req.method === 'OPTIONS') res.writeHead(204, preflight).end();
      else if (req.method === 'GET' || req.method === 'HEAD') {
        res.writeHead(200, headers).end(req.method === 'GET' ? body : undefined);
      } else res.writeHead(405, { allow: 'GET, HEAD, OPTIONS' }).end();
      return true;
    },
    handleFetch(request) {
      if (new URL(request.url).pathname !== path) return undefined;
      if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: preflight });
      if (request.method === 'GET') return new Response(body, { status: 200, headers });
      if (request.method === 'HEAD') return new Response(null, { status: 200, headers });
      return new Response(null, { status: 405, headers: { allow: 'GET, HEAD, OPTIONS' } });
    },
  };
}
