// Runs the example server in memory with a real SDK client and prints what each call returned.
import { connectInMemory } from '@mcp-middleware/core/testing';
import { createServer } from './server.js';

const { client, close } = await connectInMemory(createServer());
for (const [name, args] of [
  ['search', { query: 'middleware' }],
  ['search', { query: 'my password is hunter2' }],
  ['fail', undefined],
] as const) {
  const result = await client.callTool({ name, arguments: args });
  process.stdout.write(`${name} ${JSON.stringify(args ?? {})}\n  → ${JSON.stringify(result)}\n`);
}
await close();
