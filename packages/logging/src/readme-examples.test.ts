// The README's snippets, verbatim, run against the real SDK with the log output captured.
// #region imports
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { withMiddleware } from '@mcp-middleware/core';
import { logging } from '@mcp-middleware/logging';
import { z } from 'zod';
// #endregion
// #region logger-imports
import { pino, type DestinationStream } from 'pino';
// #endregion
import type { Middleware } from '@mcp-middleware/core';
import { connectInMemory } from '@mcp-middleware/core/testing';
import { describe, expect, it } from 'vitest';

// #region smallest-usage
function createServer(): McpServer {
  const server = withMiddleware(new McpServer({ name: 'weather', version: '1.0.0' }), [logging()]);
  server.registerTool('forecast', { inputSchema: { city: z.string() } }, ({ city }) => ({
    content: [{ type: 'text', text: `Sunny in ${city}` }],
  }));
  return server;
}
// #endregion

// #region own-logger
function createLogging(destination: DestinationStream = pino.destination(2)): Middleware {
  const logger = pino({ level: 'info', base: { service: 'weather-mcp' } }, destination);
  return logging({ logger, includeArgs: true, redact: ['card.number'] });
}
// #endregion

describe('README examples', () => {
  it('answers through a server wrapped with the default logger', async () => {
    const { client, close } = await connectInMemory(createServer());
    const result = await client.callTool({ name: 'forecast', arguments: { city: 'Paris' } });
    await close();
    expect(result.content).toEqual([{ type: 'text', text: 'Sunny in Paris' }]);
  });

  it('logs a failed call to your logger with the arguments redacted', async () => {
    const lines: Record<string, unknown>[] = [];
    const server = withMiddleware(new McpServer({ name: 'shop', version: '1.0.0' }), [
      createLogging({
        write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>),
      }),
    ]);
    server.registerTool('pay', { inputSchema: { card: z.object({ number: z.string() }) } }, () => {
      throw new Error('card declined');
    });
    const { client, close } = await connectInMemory(server);
    await client.callTool({ name: 'pay', arguments: { card: { number: '4111111111111111' } } });
    await close();
    expect(lines).toEqual([
      expect.objectContaining({
        service: 'weather-mcp',
        tool: 'pay',
        outcome: 'failed',
        args: { card: { number: '[redacted]' } },
      }),
    ]);
  });
});
