/**
 * Our own "everything" server: the tools, resources and prompts the server scenarios of
 * @modelcontextprotocol/conformance 0.1.13 call, built on McpServer the way an application would.
 */
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import {
  CreateMessageResultSchema,
  ElicitResultSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { ToolExtra } from '@mcp-middleware/core';
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

export { PNG_1PX } from './everything-fixtures.js';

async function progress(extra: ToolExtra, value: number): Promise<void> {
  const token = extra._meta?.progressToken;
  if (token === undefined) return;
  await extra.sendNotification({
    method: 'notifications/progress',
    params: { progressToken: token, progress: value, total: 100 },
  });
}

function registerTools(server: McpServer): void {
  for (const { name, description, annotations, result } of CONTENT_TOOLS) {
    server.registerTool(name, { description, ...(annotations && { annotations }) }, () => result);
  }
  server.registerTool(
    'test_tool_with_logging',
    { description: 'Sends three log messages while it runs' },
    (extra) =>
      loggedRun(
        (data) =>
          extra.sendNotification({ method: 'notifications/message', params: { level: 'info', data } }),
        extra.signal,
      ),
  );
  server.registerTool(
    'test_tool_with_progress',
    { description: 'Reports progress 0, 50 and 100 of 100' },
    (extra) => progressRun((value) => progress(extra, value), extra.signal),
  );
  server.registerTool('test_error_handling', { description: 'Always fails' }, () => {
    throw new Error(ERROR_MESSAGE);
  });
  server.registerTool(
    'test_sampling',
    { description: 'Asks the client for a completion', inputSchema: { prompt: z.string() } },
    async ({ prompt }, extra) => {
      const answer = await extra.sendRequest(
        {
          method: 'sampling/createMessage',
          params: { messages: [{ role: 'user', content: { type: 'text', text: prompt } }], maxTokens: 100 },
        },
        CreateMessageResultSchema,
      );
      const reply = answer.content.type === 'text' ? answer.content.text : `[${answer.content.type}]`;
      return text(`LLM response: ${reply}`);
    },
  );
  for (const { tool, description, message, requestedSchema, label } of ELICITATIONS) {
    server.registerTool(
      tool,
      { description, inputSchema: { message: z.string().optional() } },
      async (args, extra) => {
        const answer = await extra.sendRequest(
          {
            method: 'elicitation/create',
            params: { message: args.message ?? message, requestedSchema: requestedSchema as never },
          },
          ElicitResultSchema,
        );
        return text(elicited(label, answer.action, answer.content));
      },
    );
  }
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
  server.server.setRequestHandler(SubscribeRequestSchema, (request) => {
    subscriptions.add(request.params.uri);
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, (request) => {
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
      argsSchema: {
        arg1: completable(z.string().describe('First test argument'), completeArg1),
        arg2: z.string().describe('Second test argument'),
      },
    },
    ({ arg1, arg2 }) => PROMPTS.withArguments(arg1, arg2),
  );
  server.registerPrompt(
    'test_prompt_with_embedded_resource',
    {
      description: 'A prompt that embeds a resource',
      argsSchema: { resourceUri: z.string().describe('URI of the resource to embed') },
    },
    ({ resourceUri }) => PROMPTS.withEmbeddedResource(resourceUri),
  );
  server.registerPrompt(
    'test_prompt_with_image',
    { description: 'A prompt with an image' },
    PROMPTS.withImage,
  );
}

/** A new server with every conformance fixture registered; `subscriptions` records subscribed URIs. */
export function createEverythingServer(subscriptions = new Set<string>()): McpServer {
  const server = new McpServer(
    { name: 'mcp-middleware-proof-everything', version: '1.0.0' },
    { capabilities: { logging: {}, resources: { subscribe: true } } },
  );
  registerTools(server);
  registerResources(server, subscriptions);
  registerPrompts(server);
  return server;
}
