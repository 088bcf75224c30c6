/** @mcp-middleware/core/redact: the one redaction (key- and pattern-based) for error texts, logs and spans. */
export { REDACTED, isSecretKey, redactText } from '../redact.js';
export { MORE_KEY, TRUNCATED, redactValue } from '../redact-value.js';
export type { RedactOptions } from '../redact-value.js';
export { redactSecrets } from '../result.js';
