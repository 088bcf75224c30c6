/** @mcp-middleware/core: the middleware contract, compose, errors, events and the SDK adapter. */
export { createKey } from './contract.js';
export { describeTarget } from './describe-target.js';
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
export { sleep, systemClock } from './clock.js';
export type { Clock, TimerHandle } from './clock.js';
export { childrenOf, compose, withChildren } from './compose.js';
export type { ComposeOptions } from './compose.js';
export { createContext, createRequestContext, extraFor } from './context.js';
export {
  Cancellation,
  cancelReasonOf,
  isCancelled,
  watchCancellation,
  whenCancelled,
} from './cancellation.js';
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
export { keyOfPrincipal, principalIdOf, principalKey, principalKeyOf, spanKey } from './keys.js';
export type { Principal, PrincipalSource, SpanRef } from './keys.js';
export { OptionReader, didYouMean, readOptions } from './options.js';
export { errorTypeOf, outcomeOfError, outcomeOfResult } from './outcome.js';
export type { Outcome, OutcomeKind } from './outcome.js';
export {
  ERROR_META_KEY,
  describeValue,
  errorDetailOf,
  isInputRequired,
  isToolResult,
  redactSecrets,
  toToolResult,
} from './result.js';
export type { ErrorDetail } from './result.js';
export { REDACTED, isSecretKey, redactText } from './redact.js';
export { MORE_KEY, TRUNCATED, redactValue } from './redact-value.js';
export type { RedactOptions } from './redact-value.js';
export { attachOnce, createToolRunner } from './runner.js';
export type { Pipeline, RequestHandler, RunnerOptions, ToolHandler, ToolRunner } from './runner.js';
export { defineMiddleware, stepFor } from './requests.js';
export type { MiddlewareSteps } from './requests.js';
export { asNotFound, asProtocolError, isNotFound } from './not-found.js';
export { toRequestError } from './request-error.js';
export { globToRegExp, toolMatcher, when } from './selector.js';
export type { GlobPattern, ToolSelector } from './selector.js';
export { requestTarget } from './request-target.js';
export { withMiddleware, wrapTool } from './with-middleware.js';
export { callUserCallback, reportCallbackError } from './user-callback.js';
export {
  MODERN_PROTOCOL_VERSION,
  PROTOCOL_VERSION_META_KEY,
  isModernRequest,
  protocolVersionOf,
} from './protocol.js';
export { WeakChannels } from './weak-channels.js';
