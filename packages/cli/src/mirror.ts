/** One downstream MCP session: a low-level Server that mirrors the upstream's tools, resources and prompts. */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  CancelTaskRequestSchema,
  CancelTaskResultSchema,
  CompleteRequestSchema,
  GetTaskPayloadRequestSchema,
  GetTaskPayloadResultSchema,
  GetTaskRequestSchema,
  GetTaskResultSchema,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListTasksRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  RootsListChangedNotificationSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  type CompleteRequest,
  type GetPromptRequest,
  type ListPromptsRequest,
  type ListResourcesRequest,
  type ListResourceTemplatesRequest,
  type ReadResourceRequest,
  type ServerCapabilities,
} from '@modelcontextprotocol/sdk/types.js';
import { MirrorHandlers, type MirrorHost } from './mirror-handlers.js';
import { newSession, type Session } from './session.js';
import { LazyValidator, type UpstreamConnection } from './upstream.js';

export type { MirrorHost } from './mirror-handlers.js';

/** The capabilities to offer: the upstream's, with list changes always announced (restarts change lists). */
export function mirroredCapabilities(upstream: ServerCapabilities): ServerCapabilities {
  return {
    ...(upstream.tools !== undefined && { tools: { listChanged: true } }),
    ...(upstream.resources !== undefined && {
      resources: { listChanged: true, ...(upstream.resources.subscribe === true && { subscribe: true }) },
    }),
    ...(upstream.prompts !== undefined && { prompts: { listChanged: true } }),
    ...(upstream.logging !== undefined && { logging: {} }),
    ...(upstream.completions !== undefined && { completions: {} }),
    // Tasks (2025-11-25, experimental) exactly as declared: which requests may create one, list, cancel.
    ...(upstream.tasks !== undefined && { tasks: upstream.tasks }),
  };
}

function handleTools(server: Server, on: MirrorHandlers, session: Session): void {
  server.setRequestHandler(ListToolsRequestSchema, on.listTools());
  server.setRequestHandler(CallToolRequestSchema, on.callTool);
  session.lane = on.callTool;
}

function handleResources(server: Server, on: MirrorHandlers): void {
  server.setRequestHandler(
    ListResourcesRequestSchema,
    on.upstream('resources/list', (client, params: ListResourcesRequest['params'], options) =>
      client.listResources(params, options),
    ),
  );
  server.setRequestHandler(
    ListResourceTemplatesRequestSchema,
    on.upstream(
      'resources/templates/list',
      (client, params: ListResourceTemplatesRequest['params'], options) =>
        client.listResourceTemplates(params, options),
    ),
  );
  server.setRequestHandler(
    ReadResourceRequestSchema,
    on.upstream('resources/read', (client, params: ReadResourceRequest['params'], options) =>
      client.readResource(params, options),
    ),
  );
}

function handlePrompts(server: Server, on: MirrorHandlers): void {
  server.setRequestHandler(
    ListPromptsRequestSchema,
    on.upstream('prompts/list', (client, params: ListPromptsRequest['params'], options) =>
      client.listPrompts(params, options),
    ),
  );
  server.setRequestHandler(
    GetPromptRequestSchema,
    on.upstream('prompts/get', (client, params: GetPromptRequest['params'], options) =>
      client.getPrompt(params, options),
    ),
  );
}

function handleCompletions(server: Server, on: MirrorHandlers): void {
  server.setRequestHandler(
    CompleteRequestSchema,
    on.upstream('completion/complete', (client, params: CompleteRequest['params'], options) =>
      client.complete(params, options),
    ),
  );
}

function handleSubscriptions(server: Server, on: MirrorHandlers): void {
  server.setRequestHandler(SubscribeRequestSchema, on.subscribe());
  server.setRequestHandler(UnsubscribeRequestSchema, on.unsubscribe());
}

/** The tasks/* methods the upstream answers, each only for the session's own tasks, on its connection. */
function handleTasks(
  server: Server,
  on: MirrorHandlers,
  tasks: NonNullable<ServerCapabilities['tasks']>,
): void {
  server.setRequestHandler(GetTaskRequestSchema, on.task('tasks/get', GetTaskResultSchema));
  server.setRequestHandler(GetTaskPayloadRequestSchema, on.task('tasks/result', GetTaskPayloadResultSchema));
  if (tasks.list !== undefined) server.setRequestHandler(ListTasksRequestSchema, on.listTasks());
  if (tasks.cancel !== undefined) {
    server.setRequestHandler(CancelTaskRequestSchema, on.task('tasks/cancel', CancelTaskResultSchema));
  }
}

/** Creates the Server for one downstream session, bound to the gateway; a handler per upstream capability. */
export function createMirrorServer(host: MirrorHost, upstream: UpstreamConnection): Session {
  const capabilities = mirroredCapabilities(upstream.capabilities);
  const server = new Server(upstream.serverInfo, {
    capabilities,
    // The session's server never validates (it sends no elicitation of its own): no Ajv per session.
    jsonSchemaValidator: new LazyValidator(),
    ...(upstream.instructions !== undefined && { instructions: upstream.instructions }),
  });
  const session = newSession(server);
  const on = new MirrorHandlers(host, session);
  if (capabilities.tools !== undefined) handleTools(server, on, session);
  if (capabilities.resources !== undefined) handleResources(server, on);
  if (capabilities.prompts !== undefined) handlePrompts(server, on);
  if (capabilities.completions !== undefined) handleCompletions(server, on);
  if (capabilities.logging !== undefined) server.setRequestHandler(SetLevelRequestSchema, on.setLevel);
  if (capabilities.resources?.subscribe === true) handleSubscriptions(server, on);
  if (capabilities.tasks !== undefined) handleTasks(server, on, capabilities.tasks);
  server.setNotificationHandler(RootsListChangedNotificationSchema, on.rootsChanged);
  return session;
}
