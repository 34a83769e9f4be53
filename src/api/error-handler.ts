import type { FastifyError, FastifyInstance } from 'fastify';
import { SentinelError } from '../errors.js';

/**
 * Maps every failure to the coded error body. Client mistakes caught by fastify itself (body too
 * large, malformed JSON, wrong content type) get our codes too, so clients handle one format.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | SentinelError | Error, request, reply) => {
    let err: SentinelError;
    if (error instanceof SentinelError) {
      err = error;
    } else {
      const code = (error as FastifyError).code;
      const status = (error as FastifyError).statusCode;
      if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        err = new SentinelError('payload_too_large');
      } else if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
        err = new SentinelError('unsupported_media_type');
      } else if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') {
        err = new SentinelError('invalid_json', 'the request body is empty or its length is wrong');
      } else if (error instanceof SyntaxError || code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
        err = new SentinelError('invalid_json', `the request body is not valid JSON: ${error.message}`);
      } else if (status !== undefined && status >= 400 && status < 500) {
        err = new SentinelError('invalid_request', error.message);
      } else if (isStoreUnavailable(error)) {
        request.log.error({ err: error }, 'store unavailable');
        err = new SentinelError(
          'store_unavailable',
          'the store is not available; nothing was written, retry later',
        );
      } else {
        request.log.error({ err: error }, 'request failed');
        err = new SentinelError('internal_error');
      }
    }
    if (err.status >= 500) request.log.error({ code: err.code }, err.message);
    void reply.code(err.status).send(err.toBody());
  });
  app.setNotFoundHandler((request, reply) => {
    void reply
      .code(404)
      .send(
        new SentinelError('not_found', `no route ${request.method} ${request.url.split('?')[0]}`).toBody(),
      );
  });
}

/**
 * Failures of the database itself rather than of the request: locked or full SQLite, an unreachable
 * or restarting PostgreSQL. Nothing was committed; the client may retry.
 */
export function isStoreUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = String((error as { code?: unknown }).code ?? '');
  if ((error as Error).name === 'SqliteError') {
    return /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|NOMEM)/.test(code);
  }
  if (/^(08|53|57P)/.test(code)) return true; // PostgreSQL connection, resources, shutdown
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(code)) return true;
  return (
    (error as Error).message === 'store is closed' ||
    /Connection terminated|timeout exceeded when trying to connect/.test((error as Error).message ?? '')
  );
}
