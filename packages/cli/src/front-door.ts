/**
 * The gateway's HTTP front door: with API keys or JWTs in the config's `auth`, a request without a valid
 * credential is answered 401 with a Bearer challenge before MCP dispatch (initialize included), and the RFC
 * 9728 metadata is served. Built from @mcp-middleware/auth's gate and metadata, never a second implementation.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import {
  apiKeys,
  bearerGate,
  jwt,
  protectedResourceMetadata,
  type GatedRequest,
  type NodeBearerGate,
  type ProtectedResourceMetadata,
  type TokenVerifier,
} from '@mcp-middleware/auth';

/** What the HTTP listener asks of the front door. */
export interface FrontDoor {
  /** Serves the protected-resource metadata document; true when `req` asked for it. */
  serveMetadata(req: IncomingMessage, res: ServerResponse): boolean;
  /** True (with `req.auth` set) when the request carries a valid credential; else it has answered 401. */
  admit(req: GatedRequest, res: ServerResponse): Promise<boolean>;
  /**
   * True when a request with `headers` would pass the door now, answering nobody: how a reload re-checks the
   * streams and sessions admitted by the door it replaced.
   */
  passes(headers: IncomingHttpHeaders): Promise<boolean>;
  /** What decides who passes (the configured credentials): two doors with the same admit the same requests. */
  readonly credentials: string;
  /** The canonical URI of the gateway that tokens must be issued for. */
  readonly resource: string;
  readonly metadata: ProtectedResourceMetadata;
}

type Options = Readonly<Record<string, unknown>>;

// What decides the door: its credentials (scopes and requirements are the pipeline's).
const doorOf = (auth: Options | undefined): string | undefined =>
  auth === undefined || (auth['jwt'] === undefined && auth['apiKeys'] === undefined)
    ? undefined
    : JSON.stringify([auth['jwt'], auth['apiKeys']]);

// Where passes() lets the gates write their refusal: nowhere.
const NOWHERE = {
  writeHead(): unknown {
    return this;
  },
  end(): unknown {
    return this;
  },
} as unknown as ServerResponse;

const looksLikeJwt = (token: string): boolean => token.split('.').length === 3;

/**
 * The front door for the config's `auth` options (as the config file wrote them, already checked), or
 * undefined when they name no API keys and no JWT issuer: nothing to check at the door then (an
 * `authInfo` or `env` credential is the pipeline's to check). `listenUrl` is the default resource; with
 * JWTs the first configured audience is, since tokens must be issued for it.
 */
export function frontDoorFor(auth: Options | undefined, listenUrl: URL): FrontDoor | undefined {
  if (auth === undefined || (auth['jwt'] === undefined && auth['apiKeys'] === undefined)) return undefined;
  const jwtOptions = auth['jwt'] as Parameters<typeof jwt>[0] | undefined;
  const keyOptions = auth['apiKeys'] as Parameters<typeof apiKeys>[0] | undefined;
  const tokens = jwtOptions === undefined ? undefined : jwt(jwtOptions);
  const keys = keyOptions === undefined ? undefined : apiKeys(keyOptions);
  const audience = tokens?.audiences.find((a) => URL.canParse(a));
  const resource = audience ?? listenUrl.href;

  // The door accepts exactly the credentials the pipeline's auth() reads: a bearer JWT, API keys in their
  // header (x-api-key by default), or API keys as bearer tokens when that header is `authorization`.
  const keyHeader = keyOptions?.header ?? 'x-api-key';
  const bearerKeys = keys !== undefined && keyHeader === 'authorization' ? keys : undefined;
  const bearerVerifier: TokenVerifier | undefined =
    tokens === undefined
      ? bearerKeys
      : {
          verify: (token) =>
            (bearerKeys !== undefined && !looksLikeJwt(token) ? bearerKeys : tokens).verify(token),
          issuedHere: bearerKeys !== undefined,
        };
  const gate = bearerVerifier === undefined ? undefined : bearerGate({ verifier: bearerVerifier, resource });
  // API keys in their own header pass the same gate, presented to it as a bearer credential.
  const keyGate: NodeBearerGate | undefined =
    keys === undefined || bearerKeys !== undefined ? undefined : bearerGate({ verifier: keys, resource });
  const issuer = jwtOptions?.issuer;
  const metadata = protectedResourceMetadata({
    resource,
    authorizationServers: issuer === undefined ? [] : Array.isArray(issuer) ? issuer : [issuer as string],
  });

  const door: FrontDoor = {
    resource,
    metadata,
    credentials: doorOf(auth) as string,
    serveMetadata: (req, res) => metadata.handle(req, res),
    passes: (headers) => door.admit({ headers } as GatedRequest, NOWHERE),
    async admit(req, res) {
      const key = keyGate === undefined ? undefined : req.headers[keyHeader];
      if (gate !== undefined && (req.headers.authorization !== undefined || keyGate === undefined)) {
        return gate(req, res);
      }
      // No credential the bearer gate reads: the key gate answers, 401 without a key.
      const shim = {
        headers: typeof key === 'string' ? { authorization: `Bearer ${key}` } : {},
      } as GatedRequest;
      const admitted = await (keyGate as NodeBearerGate)(shim, res);
      if (admitted && shim.auth !== undefined) req.auth = shim.auth;
      return admitted;
    },
  };
  return door;
}

/** What putting `after` in place of `before` does to the door, for the reload line; undefined for nothing. */
export function doorChange(before: Options | undefined, after: Options | undefined): string | undefined {
  const was = doorOf(before);
  const now = doorOf(after);
  if (was === now) return undefined;
  if (was === undefined) return 'front door added (401 without a credential)';
  if (now === undefined) return "front door removed (credentials are the pipeline's to check)";
  return 'front door takes the new credentials';
}
