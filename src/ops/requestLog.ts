import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../graphql/context';
import type { Logger } from '../platform/logger';
import { operationNameOf } from './operationName';

/**
 * One structured log line per GraphQL request, written when the response is sent:
 *
 *   requestId, operationName, operationType, durationMs, status (HTTP), errorCount,
 *   errorCodes ({ CODE: count }), and from the request's accounting (src/data/accounting.ts)
 *   upstreamCalls, cacheHits, cacheMisses, staleServes.
 *
 * The line holds identifiers and counts only: never the query text, variables, error
 * messages (they may echo input values), headers or results, so no token, router secret or
 * customer data can reach it. Requests refused before Apollo sees them (bad JSON, body too
 * large, router secret missing) are answered by the HTTP layer and not logged here.
 */

export interface RequestLogDeps {
  logger: Logger;
  /** Monotonic clock in ms (default `performance.now`). */
  now?: () => number;
}

const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

export function createRequestLogPlugin(deps: RequestLogDeps): ApolloServerPlugin<Context> {
  const now = deps.now ?? (() => performance.now());
  return {
    async requestDidStart() {
      // Nothing to build when neither level of the line is written (LOG_LEVEL=error).
      const { logger } = deps;
      if (logger.isLevelEnabled && !logger.isLevelEnabled('info') && !logger.isLevelEnabled('warn'))
        return;
      const started = now();
      return {
        async willSendResponse(requestContext) {
          const body = requestContext.response.body;
          const errors = body.kind === 'single' ? (body.singleResult.errors ?? []) : [];
          const errorCodes: Record<string, number> = {};
          for (const error of errors) {
            const code = error.extensions?.code;
            const key = typeof code === 'string' && CODE.test(code) ? code : 'UNKNOWN';
            errorCodes[key] = (errorCodes[key] ?? 0) + 1;
          }
          const status = requestContext.response.http.status ?? 200;
          const line = {
            requestId: requestContext.contextValue.requestId,
            operationName: operationNameOf(requestContext),
            operationType: requestContext.operation?.operation ?? null,
            durationMs: Math.round((now() - started) * 10) / 10,
            status,
            errorCount: errors.length,
            ...(errors.length > 0 && { errorCodes }),
            ...requestContext.contextValue.accounting.snapshot(),
          };
          if (status >= 500) deps.logger.warn(line, 'graphql request');
          else deps.logger.info(line, 'graphql request');
        },
      };
    },
  };
}
