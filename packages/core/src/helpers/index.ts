/** @mcp-middleware/core/helpers: what middleware authors share, so no package writes its own copy. */
export { cancelledError } from '../cancelled.js';
export { observeOutcome } from '../outcome.js';
export { requestFailureOf } from '../request-failure.js';
export type { RequestFailure } from '../request-failure.js';
export { isProtocolEscape } from '../result.js';
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
