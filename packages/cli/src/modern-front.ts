/**
 * The 2026-07-28 front door of `--listen http`: stateless requests (no session, per-request `_meta`)
 * served by SDK v2's `createMcpHandler`, which answers `server/discover`, validates the envelope and the
 * `Mcp-Method`/`Mcp-Name` headers, answers removed methods and adds `resultType`. Every request passes the
 * gateway's pipeline (discover and listen, which the SDK answers itself, in modern-admission.ts), then goes
 * upstream in the revision the upstream speaks (modern-upstream.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toWebRequest, type NodeIncomingMessageLike } from '@modelcontextprotocol/node';
import {
  createMcpHandler,
  isLegacyRequest,
  type AuthInfo,
  type McpHttpHandler,
  type ServerNotifier,
} from '@modelcontextprotocol/server';
import { admitSelfAnswered, errorResponse } from './modern-admission.js';
import { ModernHandlers, type ModernHost } from './modern-handlers.js';
import { listenedResources, MAX_LISTENED_URIS, rememberBody, writeResponse } from './modern-http.js';

export type { ModernHost } from './modern-handlers.js';

/** The 2026-07-28 front door. */
export interface ModernFront {
  /** True when `body` (already parsed) is a 2026-07-28 request: this door owns its answer, errors included. */
  claims(req: IncomingMessage, body: unknown): Promise<boolean>;
  serve(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void>;
  /** Publishes list changes and resource updates to open `subscriptions/listen` streams. */
  readonly notify: ServerNotifier;
  close(): Promise<void>;
}

/** Builds the 2026 front door on `host`. */
export function createModernFront(host: ModernHost): ModernFront {
  const handlers = new ModernHandlers(host);
  // Strict: 2025-11-25 traffic never reaches this handler (the listener keeps it on its sessions).
  const handler: McpHttpHandler = createMcpHandler(() => handlers.build(), { legacy: 'reject' });

  return {
    async claims(req, body) {
      if (req.method !== 'POST') return false;
      const probe = await toWebRequest(req as NodeIncomingMessageLike, body);
      return !(await isLegacyRequest(probe, body));
    },
    async serve(req, res, body) {
      const abort = new AbortController();
      res.once('close', () => abort.abort());
      const request = await toWebRequest(req as NodeIncomingMessageLike, body, { signal: abort.signal });
      rememberBody(request, body);
      const authInfo = (req as { auth?: AuthInfo }).auth;
      const uris = listenedResources(body);
      const id = (body as { id?: unknown }).id;
      try {
        // A listen whose new URIs the gateway has no room for is refused before any pipeline step runs (one
        // naming more than a listen may is the admission's to refuse, -32602).
        if (uris.length <= MAX_LISTENED_URIS) host.roomFor?.(uris);
      } catch (error) {
        return writeResponse(errorResponse(id, error), res);
      }
      // Discover and listen are answered by the SDK itself: they pass the pipeline here, before anything
      // (an upstream subscription included) is done for them.
      const admission = admitSelfAnswered(host.runner, body, request, authInfo);
      if (admission !== undefined) {
        const refused = await admission;
        if (refused !== undefined) return writeResponse(refused, res);
        if (abort.signal.aborted) return;
      }
      // The stream lives as long as its response: closed by the client, the gateway or the network. Room
      // taken by another listen while this one was admitted refuses it here.
      let release: (() => void) | undefined;
      try {
        release = uris.length > 0 ? host.listening?.(uris) : undefined;
      } catch (error) {
        return writeResponse(errorResponse(id, error), res);
      }
      if (release !== undefined) res.once('close', release);
      const response = await handler.fetch(request, {
        parsedBody: body,
        ...(authInfo !== undefined && { authInfo }),
      });
      await writeResponse(response, res);
    },
    notify: handler.notify,
    close: () => handler.close(),
  };
}
