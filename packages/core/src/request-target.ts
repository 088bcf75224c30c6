/** What a request names, read from its raw params without trusting their shape. */

/** What a request names: the tool or prompt name, the resource URI, the completion's reference; else undefined. */
export function requestTarget(
  method: string,
  params: Readonly<Record<string, unknown>> | undefined,
): string | undefined {
  if (params === undefined) return undefined;
  const named = method === 'completion/complete' ? params.ref : params;
  if (typeof named !== 'object' || named === null) return undefined;
  const { name, uri } = named as { name?: unknown; uri?: unknown };
  if (typeof name === 'string') return name;
  return typeof uri === 'string' ? uri : undefined;
}

export function paramsOf(request: { readonly params?: unknown }): Record<string, unknown> | undefined {
  const { params } = request;
  return typeof params === 'object' && params !== null ? (params as Record<string, unknown>) : undefined;
}
