/** The one builder of the ToolInfo a middleware sees, for a tool registered in process or mirrored from an upstream. */
import type { ToolInfo } from './contract.js';

/** The fields of a tool (an SDK registration or a `tools/list` entry) that a middleware sees. */
export interface ToolFields {
  readonly title?: string | undefined;
  readonly description?: string | undefined;
  readonly annotations?: unknown;
  readonly inputSchema?: unknown;
  readonly outputSchema?: unknown;
  readonly _meta?: Record<string, unknown> | undefined;
}

/** The frozen ToolInfo of tool `name`: its schemas and annotations as they are, nothing copied or checked. */
export function createToolInfo(name: string, tool: ToolFields): ToolInfo {
  return Object.freeze({
    name,
    title: tool.title,
    description: tool.description,
    annotations: tool.annotations as ToolInfo['annotations'],
    inputSchema: tool.inputSchema,
    outputSchema: tool.outputSchema,
    _meta: tool._meta,
  });
}
