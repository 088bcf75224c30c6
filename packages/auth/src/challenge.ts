/** The pieces of an HTTP refusal: the `WWW-Authenticate` challenge, and which tools a request calls. */

function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, '')}"`;
}

/** A `WWW-Authenticate: Bearer …` challenge (RFC 6750 §3, RFC 9728 §5.1). */
export function bearerChallenge(params: {
  readonly error?: string | undefined;
  readonly description?: string | undefined;
  readonly scopes?: readonly string[] | undefined;
  readonly resourceMetadata: string;
}): string {
  const parts: string[] = [];
  if (params.error !== undefined) parts.push(`error=${quoted(params.error)}`);
  if (params.description !== undefined) parts.push(`error_description=${quoted(params.description)}`);
  if (params.scopes !== undefined && params.scopes.length > 0)
    parts.push(`scope=${quoted(params.scopes.join(' '))}`);
  parts.push(`resource_metadata=${quoted(params.resourceMetadata)}`);
  return `Bearer ${parts.join(', ')}`;
}

/** The tool names of the `tools/call` requests in a parsed JSON-RPC body (one message or a batch). */
export function toolNamesOf(body: unknown): string[] {
  const messages: readonly unknown[] = Array.isArray(body) ? body : [body];
  const names: string[] = [];
  for (const message of messages) {
    if (typeof message !== 'object' || message === null) continue;
    const { method, params } = message as { method?: unknown; params?: { name?: unknown } };
    if (method === 'tools/call' && typeof params?.name === 'string') names.push(params.name);
  }
  return names;
}
