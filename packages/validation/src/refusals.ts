/** The refusals the payload guards give, for a tool's arguments and for the params of any other request. */
import { MiddlewareError } from '@mcp-middleware/core';
import { formatPath, invalidArguments, invalidParams, nameFor } from './issues.js';
import type { PayloadViolation } from './payload.js';

/** What a refusal names: a tool's arguments, or the params of a request method. */
export type Subject =
  { readonly kind: 'tool'; readonly name: string } | { readonly kind: 'request'; readonly method: string };

function phrase(subject: Subject): string {
  return subject.kind === 'tool'
    ? `the arguments for tool \`${nameFor(subject.name)}\``
    : `the params of \`${subject.method}\``;
}

function advice(subject: Subject): string {
  return subject.kind === 'tool'
    ? 'Send less data, e.g. split the work over several calls.'
    : 'Send a smaller request.';
}

function invalid(
  subject: Subject,
  path: string,
  message: string,
  data: Readonly<Record<string, unknown>>,
): MiddlewareError {
  const issues = [{ path, message }];
  return subject.kind === 'tool'
    ? invalidArguments(subject.name, issues, data)
    : invalidParams(subject.method, issues, data);
}

/**
 * The refusal for a payload over a limit: `PAYLOAD_TOO_LARGE` for size, string and array limits,
 * `INVALID_ARGUMENTS` for nesting and forbidden keys (a shape problem, not a size one). Values are never
 * echoed; paths are cut by `formatPath`.
 */
export function payloadError(subject: Subject, violation: PayloadViolation): MiddlewareError {
  const what = phrase(subject);
  switch (violation.kind) {
    case 'bytes':
      return new MiddlewareError(
        'PAYLOAD_TOO_LARGE',
        `${what.charAt(0).toUpperCase()}${what.slice(1)} are too large: over the limit of ${violation.limit} ` +
          `bytes. ${advice(subject)}`,
        { data: { limit: 'maxArgsBytes', max: violation.limit } },
      );
    case 'string':
    case 'array': {
      const path = formatPath(violation.path);
      const [noun, unit] = violation.kind === 'string' ? ['string', 'characters'] : ['array', 'items'];
      return new MiddlewareError(
        'PAYLOAD_TOO_LARGE',
        `The ${noun} at \`${path}\` in ${what} has ${violation.length} ${unit}, over the limit of ` +
          `${violation.limit}. Send a smaller value, e.g. split the work over several calls.`,
        {
          data: {
            limit: violation.kind === 'string' ? 'maxStringLength' : 'maxArrayLength',
            max: violation.limit,
            path,
          },
        },
      );
    }
    case 'depth':
      return invalid(
        subject,
        formatPath(violation.path),
        `nested deeper than the limit of ${violation.limit} levels; send a flatter structure`,
        { limit: 'maxDepth', max: violation.limit },
      );
    case 'key':
      return invalid(
        subject,
        formatPath(violation.path),
        `the property name "${violation.key}" is not allowed; rename or remove it`,
        { limit: 'forbiddenKeys' },
      );
  }
}
