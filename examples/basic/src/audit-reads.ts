/** A middleware for resources: an audit trail of reads, and a refusal for one URI scheme. */
import { MiddlewareError, defineMiddleware, type Middleware } from '@mcp-middleware/core';

/** Records `uri: N part(s)` for every resource read, and refuses `secret://` URIs. */
export function auditReads(log: string[]): Middleware {
  return defineMiddleware('auditReads', {
    requests: {
      'resources/read': async (ctx, next) => {
        if (ctx.target?.startsWith('secret://') === true) {
          throw new MiddlewareError('FORBIDDEN', 'secret:// resources are not served here');
        }
        const result = await next();
        log.push(`${ctx.target ?? '?'}: ${result.contents.length} part(s)`);
        return result;
      },
    },
  });
}
