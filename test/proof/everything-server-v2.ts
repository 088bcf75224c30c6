/**
 * Our own "everything" server on SDK v2 (`@modelcontextprotocol/server` 2.x): the tools, resources and
 * prompts the server scenarios of @modelcontextprotocol/conformance 0.2.0-alpha.12 call, for the
 * 2025-11-25 and the 2026-07-28 requirement sets, written the way a v2 application would. Tools that need
 * the client (sampling, elicitation, roots) return `inputRequired(...)`: the client answers on 2026-07-28;
 * on 2025-11-25 the SDK's legacy shim turns it into a server→client request where the connection can carry
 * one (not on createMcpHandler's per-request legacy serving, which refuses it).
 */
import { randomBytes } from 'node:crypto';
import {
  CLIENT_CAPABILITIES_META_KEY,
  McpServer,
  ResourceTemplate,
  acceptedContent,
  completable,
  createRequestStateCodec,
  inputRequired,
  inputResponse,
  type ClientCapabilities,
  type InputRequest,
  type InputRequests,
  type ServerContext,
  type ServerNotifier,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import {
  CONTENT_TOOLS,
  ELICITATIONS,
  ERROR_MESSAGE,
  PROMPTS,
  RESOURCES,
  TEMPLATE,
  completeArg1,
  elicited,
  loggedRun,
  progressRun,
  text,
} from './everything-fixtures.js';

/** What a round of a multi-round tool seals into its `requestState`. */
interface RoundState {
  readonly tool: string;
  readonly round: number;
}

// One key for every server the factory builds: round 2 of a flow reaches another instance than round 1.
const states = createRequestStateCodec<RoundState>({ key: randomBytes(32) });

const objectSchema = (properties: Record<string, unknown>, required: string[] = []) =>
  ({ type: 'object', properties, required }) as never;

const askName = (message: string): InputRequest =>
  inputRequired.elicit({
    message,
    requestedSchema: objectSchema({ name: { type: 'string' } }, ['name']),
  });

const askSampling = (prompt: string, maxTokens: number): InputRequest =>
  inputRequired.createMessage({
    messages: [{ role: 'user', content: { type: 'text', text: prompt } }],
    maxTokens,
  });

/** The text of a sampling answer, whatever its content shape. */
function samplingText(responses: Record<string, unknown> | undefined, key: string): string | undefined {
  const view = inputResponse(responses, key);
  if (view.kind !== 'sampling') return undefined;
  const content = view.result.content as { type: string; text?: string } | { type: string }[];
  const first = Array.isArray(content) ? content[0] : content;
  return first !== undefined && 'text' in first ? String(first.text) : `[${first?.type ?? 'empty'}]`;
}

/** What the client said it supports: the 2026 envelope, else what it declared at initialize. */
function clientCapabilities(server: McpServer, ctx: ServerContext): ClientCapabilities {
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
  const declared = envelope?.[CLIENT_CAPABILITIES_META_KEY] as ClientCapabilities | undefined;
  return declared ?? server.server.getClientCapabilities() ?? {};
}

// Through `log`, which sends nothing when the request's level (2026: `_meta`, 2025: setLevel) is above it.
const log = (ctx: ServerContext, data: string): Promise<void> => ctx.mcpReq.log('info', data);

async function progress(ctx: ServerContext, value: number): Promise<void> {
  const token = ctx.mcpReq._meta?.progressToken;
  if (token === undefined) return;
  await ctx.mcpReq.notify({
    method: 'notifications/progress',
    params: { progressToken: token, progress: value, total: 100 },
  });
}

/** A tool that asks the user `question` for a name under `user_name`, then greets them. */
function greeter(server: McpServer, name: string, question: string): void {
  server.registerTool(name, { description: 'Asks for a name, then greets' }, (ctx) => {
    const answer = acceptedContent(ctx.mcpReq.inputResponses, 'user_name');
    if (typeof answer?.name !== 'string') {
      return inputRequired({ inputRequests: { user_name: askName(question) } });
    }
    return text(`Hello, ${answer.name}!`);
  });
}

/** A tool that asks the client's model `prompt` under `key`, then answers with what it said. */
function askModel(server: McpServer, name: string, key: string, prompt: string, description: string): void {
  server.registerTool(name, { description }, (ctx) => {
    const reply = samplingText(ctx.mcpReq.inputResponses, key);
    if (reply === undefined) return inputRequired({ inputRequests: { [key]: askSampling(prompt, 100) } });
    return text(`The model said: ${reply}`);
  });
}

function registerContentTools(server: McpServer): void {
  for (const { name, description, annotations, result } of CONTENT_TOOLS) {
    server.registerTool(name, { description, ...(annotations && { annotations }) }, () => result);
  }
  server.registerTool(
    'test_tool_with_logging',
    { description: 'Sends three log messages while it runs' },
    (ctx) => loggedRun((data) => log(ctx, data), ctx.mcpReq.signal),
  );
  server.registerTool(
    'test_tool_with_progress',
    { description: 'Reports progress 0, 50 and 100 of 100' },
    (ctx) => progressRun((value) => progress(ctx, value), ctx.mcpReq.signal),
  );
  server.registerTool('test_logging_tool', { description: 'Logs one message' }, async (ctx) => {
    await log(ctx, 'Logging tool called');
    return text('Logged');
  });
  server.registerTool('test_error_handling', { description: 'Always fails' }, () => {
    throw new Error(ERROR_MESSAGE);
  });
  // Returning a sampling request the client did not declare is answered -32021 by the SDK itself.
  askModel(
    server,
    'test_missing_capability',
    'sample',
    'Say something',
    'Needs the client to declare sampling',
  );
}

/** The 2025-11-25 client-request tools, written once as multi-round tools. */
function registerClientRequestTools(server: McpServer): void {
  server.registerTool(
    'test_sampling',
    { description: 'Asks the client for a completion', inputSchema: z.object({ prompt: z.string() }) },
    ({ prompt }, ctx) => {
      const reply = samplingText(ctx.mcpReq.inputResponses, 'completion');
      if (reply === undefined) {
        return inputRequired({ inputRequests: { completion: askSampling(prompt, 100) } });
      }
      return text(`LLM response: ${reply}`);
    },
  );
  for (const { tool, description, message, requestedSchema, label } of ELICITATIONS) {
    server.registerTool(
      tool,
      { description, inputSchema: z.object({ message: z.string().optional() }) },
      (args, ctx) => {
        const view = inputResponse(ctx.mcpReq.inputResponses, 'answer');
        if (view.kind === 'elicit') return text(elicited(label, view.action, view.content));
        const request = inputRequired.elicit({
          message: args.message ?? message,
          requestedSchema: requestedSchema as never,
        });
        return inputRequired({ inputRequests: { answer: request } });
      },
    );
  }
}

/** The 2026-07-28 multi-round-trip (SEP-2322) tools and prompt. */
function registerMultiRoundTools(server: McpServer): void {
  greeter(server, 'test_input_required_result_elicitation', 'What is your name?');
  askModel(
    server,
    'test_input_required_result_sampling',
    'capital_question',
    'What is the capital of France?',
    'Asks the client model a question',
  );
  server.registerTool('test_input_required_result_list_roots', { description: 'Lists the roots' }, (ctx) => {
    const view = inputResponse(ctx.mcpReq.inputResponses, 'client_roots');
    if (view.kind !== 'roots') {
      return inputRequired({ inputRequests: { client_roots: inputRequired.listRoots() } });
    }
    return text(`Roots: ${view.roots.map((root) => root.uri).join(', ')}`);
  });
  greeter(server, 'test_streaming_elicitation', 'Your name?');
  server.registerTool(
    'test_input_required_result_request_state',
    { description: 'Round-trips a sealed requestState' },
    async (ctx) => {
      const state = ctx.mcpReq.requestState<RoundState>();
      const confirmed = acceptedContent(ctx.mcpReq.inputResponses, 'confirm');
      if (state?.tool !== 'request_state' || confirmed === undefined) {
        return inputRequired({
          inputRequests: {
            confirm: inputRequired.elicit({
              message: 'Please confirm',
              requestedSchema: objectSchema({ ok: { type: 'boolean' } }, ['ok']),
            }),
          },
          requestState: await states.mint({ tool: 'request_state', round: 1 }),
        });
      }
      return text('state-ok: the requestState came back intact');
    },
  );
  server.registerTool(
    'test_input_required_result_multiple_inputs',
    { description: 'Asks for a name, a greeting and the roots at once' },
    async (ctx) => {
      const responses = ctx.mcpReq.inputResponses;
      const name = acceptedContent(responses, 'user_name');
      const greeting = samplingText(responses, 'greeting');
      const roots = inputResponse(responses, 'client_roots');
      if (name === undefined || greeting === undefined || roots.kind !== 'roots') {
        return inputRequired({
          inputRequests: {
            user_name: askName('What is your name?'),
            greeting: askSampling('Generate a greeting', 50),
            client_roots: inputRequired.listRoots(),
          },
          requestState: await states.mint({ tool: 'multiple_inputs', round: 1 }),
        });
      }
      return text(`${greeting} ${String(name.name)} (${roots.roots.length} roots)`);
    },
  );
  server.registerTool(
    'test_input_required_result_multi_round',
    { description: 'Asks for a name, then a colour, then answers' },
    async (ctx) => {
      const state = ctx.mcpReq.requestState<RoundState>();
      const round = state?.tool === 'multi_round' ? state.round : 0;
      if (round === 1 && acceptedContent(ctx.mcpReq.inputResponses, 'step1') !== undefined) {
        return inputRequired({
          inputRequests: {
            step2: inputRequired.elicit({
              message: 'Step 2: What is your favorite color?',
              requestedSchema: objectSchema({ color: { type: 'string' } }, ['color']),
            }),
          },
          requestState: await states.mint({ tool: 'multi_round', round: 2 }),
        });
      }
      const color = acceptedContent(ctx.mcpReq.inputResponses, 'step2');
      if (round === 2 && color !== undefined) return text(`Favorite color: ${String(color.color)}`);
      return inputRequired({
        inputRequests: { step1: askName('Step 1: What is your name?') },
        requestState: await states.mint({ tool: 'multi_round', round: 1 }),
      });
    },
  );
  server.registerTool(
    'test_input_required_result_tampered_state',
    { description: 'Refuses a requestState that fails its MAC' },
    async (ctx) => {
      // A tampered state never reaches here: the server's requestState.verify refuses it with -32602.
      if (ctx.mcpReq.requestState<RoundState>()?.tool === 'tampered_state') return text('state verified');
      return inputRequired({
        inputRequests: { confirm: askName('Who are you?') },
        requestState: await states.mint({ tool: 'tampered_state', round: 1 }),
      });
    },
  );
  server.registerTool(
    'test_input_required_result_capabilities',
    { description: 'Asks only for what the client declared' },
    (ctx) => {
      if (ctx.mcpReq.inputResponses !== undefined) return text('answered');
      const declared = clientCapabilities(server, ctx);
      const requests: InputRequests = {};
      if (declared.sampling !== undefined) requests.summary = askSampling('Summarise the request', 50);
      if (declared.elicitation !== undefined) requests.user_name = askName('What is your name?');
      if (declared.roots !== undefined) requests.client_roots = inputRequired.listRoots();
      if (Object.keys(requests).length === 0) return text('the client declared nothing to ask');
      return inputRequired({ inputRequests: requests });
    },
  );
  server.registerPrompt(
    'test_input_required_result_prompt',
    { description: 'A prompt that needs context from the user first' },
    (ctx) => {
      const answer = acceptedContent(ctx.mcpReq.inputResponses, 'user_context');
      if (answer === undefined) {
        return inputRequired({
          inputRequests: {
            user_context: inputRequired.elicit({
              message: 'What context should the prompt use?',
              requestedSchema: objectSchema({ context: { type: 'string' } }, ['context']),
            }),
          },
        });
      }
      return {
        messages: [{ role: 'user', content: { type: 'text', text: `Context: ${String(answer.context)}` } }],
      };
    },
  );
}

/** Tools that change the lists, for `subscriptions/listen` streams to report. */
function registerTriggers(server: McpServer, notify: ServerNotifier | undefined): void {
  server.registerTool('test_trigger_tool_change', { description: 'Reports the tool list changed' }, () => {
    notify?.toolsChanged();
    return text('tools changed');
  });
  server.registerTool(
    'test_trigger_prompt_change',
    { description: 'Reports the prompt list changed' },
    () => {
      notify?.promptsChanged();
      return text('prompts changed');
    },
  );
}

function registerResources(server: McpServer, subscriptions: Set<string>): void {
  for (const { name, uri, description, mimeType, content } of RESOURCES) {
    server.registerResource(name, uri, { description, mimeType }, (url) => ({
      contents: [{ uri: url.href, ...content }],
    }));
  }
  server.registerResource(
    TEMPLATE.name,
    new ResourceTemplate(TEMPLATE.uriTemplate, { list: undefined }),
    TEMPLATE.metadata,
    (uri, { id }) => TEMPLATE.read(uri, id),
  );
  server.server.setRequestHandler('resources/subscribe', (request) => {
    subscriptions.add(request.params.uri);
    return {};
  });
  server.server.setRequestHandler('resources/unsubscribe', (request) => {
    subscriptions.delete(request.params.uri);
    return {};
  });
}

function registerPrompts(server: McpServer): void {
  server.registerPrompt('test_simple_prompt', { description: 'A prompt without arguments' }, PROMPTS.simple);
  server.registerPrompt(
    'test_prompt_with_arguments',
    {
      description: 'A prompt with two arguments',
      argsSchema: z.object({
        arg1: completable(z.string().describe('First test argument'), completeArg1),
        arg2: z.string().describe('Second test argument'),
      }),
    },
    ({ arg1, arg2 }) => PROMPTS.withArguments(arg1, arg2),
  );
  server.registerPrompt(
    'test_prompt_with_embedded_resource',
    {
      description: 'A prompt that embeds a resource',
      argsSchema: z.object({ resourceUri: z.string().describe('URI of the resource to embed') }),
    },
    ({ resourceUri }) => PROMPTS.withEmbeddedResource(resourceUri),
  );
  server.registerPrompt(
    'test_prompt_with_image',
    { description: 'A prompt with an image' },
    PROMPTS.withImage,
  );
}

// Cacheable results (SEP-2549) say how long they stay fresh; the fixtures never change.
const FIXED = { ttlMs: 60_000, cacheScope: 'public' } as const;

/** Options of {@link createEverythingServerV2}. */
export interface EverythingV2Options {
  /** Where list changes go (the HTTP handler's notifier, for `subscriptions/listen`). */
  readonly notify?: ServerNotifier | undefined;
  /** Records subscribed URIs (2025-11-25 `resources/subscribe`). */
  readonly subscriptions?: Set<string>;
}

/** A new v2 server with every conformance fixture registered. */
export function createEverythingServerV2(options: EverythingV2Options = {}): McpServer {
  const server = new McpServer(
    { name: 'mcp-middleware-proof-everything-v2', version: '1.0.0' },
    {
      capabilities: {
        logging: {},
        tools: { listChanged: true },
        prompts: { listChanged: true },
        resources: { subscribe: true },
      },
      cacheHints: {
        'tools/list': FIXED,
        'prompts/list': FIXED,
        'resources/list': FIXED,
        'resources/templates/list': FIXED,
        'resources/read': FIXED,
      },
      requestState: { verify: states.verify },
    },
  );
  registerContentTools(server);
  registerClientRequestTools(server);
  registerMultiRoundTools(server);
  registerTriggers(server, options.notify);
  registerResources(server, options.subscriptions ?? new Set());
  registerPrompts(server);
  return server;
}
