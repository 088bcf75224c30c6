// The config README's example: any McpServer, with the pipeline a YAML file describes.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { withMiddleware } from '@mcp-middleware/core';
import { createPipeline, loadConfig } from '@mcp-middleware/config';

export async function serverFromConfig(path: string): Promise<McpServer> {
  const { middlewares } = await createPipeline(loadConfig(path));
  return withMiddleware(new McpServer({ name: 'my-server', version: '1.0.0' }), middlewares);
}
