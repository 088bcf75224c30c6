/** @mcp-middleware/validation: payload guards, schemas, business rules and output checks for MCP servers. */
export { validation } from './validation.js';
export type {
  RuleProblem,
  RuleVerdict,
  ToolSchemas,
  ToolValidation,
  ValidationOptions,
  ValidationRule,
} from './options.js';
export type { ValidationIssue } from './issues.js';
export type { PathSegment } from './payload.js';
export type { AjvCompiler, JsonSchema, RawShape, SchemaSpec, StandardSchemaLike } from './schemas.js';
