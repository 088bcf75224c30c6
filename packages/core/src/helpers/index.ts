/**
 * @mcp-middleware/core/helpers: what middleware authors share, so no package writes its own copy. Users
 * composing pipelines need only the root (`@mcp-middleware/core`).
 */
export { cancelledError } from '../cancelled.js';
export {
  Cancellation,
  cancelReasonOf,
  isCancelled,
  watchCancellation,
  whenCancelled,
} from '../cancellation.js';
export { sleep } from '../clock.js';
export { childrenOf, withChildren } from '../compose.js';
export { createContext, createRequestContext, extraFor, withSignalSource } from '../context.js';
export type { SignalSource } from '../context.js';
export { describeTarget } from '../describe-target.js';
export { KEY_PARTS, compileKeyBy, compileRequestKeyBy } from '../key-by.js';
export type { KeyBy, KeyByOptions, KeyFunction, KeyPart } from '../key-by.js';
export { keyOfPrincipal, principalIdOf, principalKeyOf } from '../keys.js';
export { asNotFound, asProtocolError, isNotFound } from '../not-found.js';
export { errorTypeOf, observeOutcome, outcomeOfError, outcomeOfResult } from '../outcome.js';
export type { Outcome, OutcomeKind } from '../outcome.js';
export {
  MODERN_PROTOCOL_VERSION,
  PROTOCOL_VERSION_META_KEY,
  isModernRequest,
  protocolVersionOf,
} from '../protocol.js';
export { failureKindOf, requestFailureOf } from '../request-failure.js';
export type { RequestFailure } from '../request-failure.js';
export { toRequestError } from '../request-error.js';
export { requestTarget } from '../request-target.js';
export { stepFor } from '../requests.js';
export { describeValue, isProtocolEscape } from '../result.js';
export { globToRegExp, toolMatcher } from '../selector.js';
export { readToolSelector } from '../selector-option.js';
export { extraOfV2 } from '../sdk-v2.js';
export type { V2Context } from '../sdk-v2.js';
export { createToolInfo } from '../tool-info.js';
export type { ToolFields } from '../tool-info.js';
export {
  absorbRejection,
  askUser,
  callHook,
  callUserCallback,
  isPromiseLike,
  publishWarning,
  reportCallbackError,
} from '../user-callback.js';
export { WeakChannels } from '../weak-channels.js';
