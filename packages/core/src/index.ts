/**
 * @mcp-middleware/core: the middleware contract, compose, errors, events, the runner and the SDK adapter.
 * What only middleware authors need is on `@mcp-middleware/core/helpers`, redaction on
 * `@mcp-middleware/core/redact`, the testing kit on `@mcp-middleware/core/testing`.
 */
export { createKey } from './contract.js';
export type {
  AuthInfo,
  CallToolResult,
  ContextChanges,
  Key,
  Middleware,
  Next,
  Operation,
  OperationResults,
  RequestContext,
  RequestHook,
  RequestHooks,
  Result,
  ToolAnnotations,
  ToolArgs,
  ToolContext,
  ToolExtra,
  ToolInfo,
} from './contract.js';
export { systemClock } from './clock.js';
export type { Clock, TimerHandle } from './clock.js';
export { compose } from './compose.js';
export type { ComposeOptions } from './compose.js';
export {
  ConfigError,
  ERROR_CODES,
  MiddlewareError,
  isCallerMistake,
  isMiddlewareError,
  isRetryable,
} from './errors.js';
export type { ErrorCode, MiddlewareErrorLike, MiddlewareErrorOptions } from './errors.js';
export { EventChannel } from './events.js';
export type { EventListener, MiddlewareEvent, MiddlewareEventType } from './events.js';
export { principalKey, spanKey } from './keys.js';
export type { Principal, PrincipalSource, SpanRef } from './keys.js';
export { OptionReader, didYouMean, readOptions } from './options.js';
export { ERROR_META_KEY, errorDetailOf, isInputRequired, isToolResult, toToolResult } from './result.js';
export type { ErrorDetail } from './result.js';
export { attachOnce, createToolRunner } from './runner.js';
export type { Pipeline, RequestHandler, RunnerOptions, ToolHandler, ToolRunner } from './runner.js';
export { defineMiddleware } from './requests.js';
export type { MiddlewareSteps } from './requests.js';
export { when } from './selector.js';
export type { GlobPattern, ToolSelector } from './selector.js';
export { withMiddleware, wrapTool } from './with-middleware.js';
