/** Turns the pipeline's middleware events into span events: retries, cache results, breaker moves, rejections. */
import type { Attributes } from '@opentelemetry/api';
import type { MiddlewareEvent } from '@mcp-middleware/core';
import { redactSecrets } from '@mcp-middleware/core/redact';
import { ATTR_ERROR_TYPE } from './semconv.js';

/** A span event: a name and its attributes. */
export interface SpanEvent {
  readonly name: string;
  readonly attributes: Attributes;
}

/** The prefix of every span event and attribute this package adds beyond the conventions. */
export const EVENT_PREFIX = 'mcp_middleware';

/**
 * The span event for a middleware event. Events carry no secrets by contract; free text (a warning's
 * message) is redacted anyway, and breaker keys are left out because they may name a principal.
 */
export function spanEventOf(event: MiddlewareEvent): SpanEvent {
  switch (event.type) {
    case 'retry':
      return {
        name: `${EVENT_PREFIX}.retry`,
        attributes: {
          [`${EVENT_PREFIX}.retry.attempt`]: event.attempt,
          [`${EVENT_PREFIX}.retry.delay_ms`]: event.delayMs,
          ...(event.code !== undefined && { [ATTR_ERROR_TYPE]: event.code }),
        },
      };
    case 'give-up':
      return {
        name: `${EVENT_PREFIX}.retry.give_up`,
        attributes: {
          [`${EVENT_PREFIX}.retry.attempts`]: event.attempts,
          [`${EVENT_PREFIX}.retry.reason`]: event.reason,
        },
      };
    case 'reject':
      return {
        name: `${EVENT_PREFIX}.reject`,
        attributes: { [ATTR_ERROR_TYPE]: event.code, [`${EVENT_PREFIX}.reject.source`]: event.source },
      };
    case 'breaker':
      return {
        name: `${EVENT_PREFIX}.breaker`,
        attributes: { [`${EVENT_PREFIX}.breaker.state`]: event.state },
      };
    case 'cache':
      return {
        name: `${EVENT_PREFIX}.cache`,
        attributes: {
          [`${EVENT_PREFIX}.cache.result`]: event.result,
          ...(event.ageMs !== undefined && { [`${EVENT_PREFIX}.cache.age_ms`]: event.ageMs }),
          ...(event.reason !== undefined && { [`${EVENT_PREFIX}.cache.reason`]: event.reason }),
        },
      };
    case 'timeout':
      return {
        name: `${EVENT_PREFIX}.timeout`,
        attributes: { [`${EVENT_PREFIX}.timeout.timeout_ms`]: event.timeoutMs },
      };
    case 'warning':
      return {
        name: `${EVENT_PREFIX}.warning`,
        attributes: {
          [`${EVENT_PREFIX}.warning.source`]: event.source,
          [`${EVENT_PREFIX}.warning.message`]: redactSecrets(event.message),
        },
      };
  }
}
