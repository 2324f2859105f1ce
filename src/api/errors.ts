// Every error answer has one shape: {"error": CODE, "message": TEXT, "details": [{path, message}]}.
// ServiceErrors carry their code; fastify's own errors (body too large, bad JSON, validation,
// unknown route, media type) are mapped here, and nothing else leaves the API as an error.

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { issuesFromAjvErrors } from '../ruleset/schema';
import { ErrorCode, ErrorDetail, STATUS_OF, ServiceError, invalid } from '../service/errors';

export interface ErrorBody {
  error: ErrorCode;
  message: string;
  details: ErrorDetail[];
}

export function sendError(reply: FastifyReply, e: ServiceError): FastifyReply {
  const body: ErrorBody = { error: e.code, message: e.message, details: e.details };
  return reply.code(e.status).type('application/json; charset=utf-8').send(body);
}

/** Maps any error thrown in a request to the contract's error. */
export function toServiceError(err: FastifyError | Error, bodyLimit: number): ServiceError {
  if (err instanceof ServiceError) return err;
  const e = err as FastifyError;
  if (e.validation) {
    const where = e.validationContext ?? 'body';
    const issues = issuesFromAjvErrors(e.validation as never);
    return where === 'body'
      ? invalid('the request body is not valid', issues)
      : invalid(`the ${where} is not valid`, issues.map((i) => ({ path: i.path, message: `${where}${i.path ? ` ${i.path}` : ''}: ${i.message}` })));
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ServiceError('payload_too_large', `the body is larger than the limit of ${bodyLimit} bytes (--body-limit)`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ServiceError('unsupported_media_type', 'send the body as application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return invalid('the body is empty', [{ path: '', message: 'a JSON body is required' }]);
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return invalid('the body is not valid JSON', [{ path: '', message: e.message }]);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return invalid('the Content-Length does not match the body', []);
    default:
      break;
  }
  const status = e.statusCode ?? 500;
  if (status === 404) return new ServiceError('not_found', e.message);
  if (status === 413) return new ServiceError('payload_too_large', e.message);
  if (status === 415) return new ServiceError('unsupported_media_type', e.message);
  if (status >= 400 && status < 500) return invalid(e.message, []);
  return new ServiceError('internal', 'internal error (see the daemon log)');
}

function logAndSend(req: FastifyRequest, reply: FastifyReply, err: Error, e: ServiceError): FastifyReply {
  if (e.status >= 500) {
    req.log.error({ err: { message: err.message, code: (err as { code?: string }).code, errno: (err as { errno?: number }).errno, stack: err.stack }, route: routeName(req) }, 'request failed');
  } else {
    req.log.info({ status: e.status, error: e.code, route: routeName(req) }, e.message);
  }
  return sendError(reply, e);
}

/**
 * fastify's `frameworkErrors` option: URLs it refuses before routing (a malformed
 * percent-encoding, a parameter longer than maxParamLength) get the contract's error body, and
 * only after authentication, since no onRequest hook runs for them.
 */
export function frameworkErrorHandler(authenticate: (req: FastifyRequest) => void, bodyLimit: number) {
  return (err: FastifyError, req: FastifyRequest, reply: FastifyReply): void => {
    let e: ServiceError;
    try {
      authenticate(req);
      e = urlError(err, bodyLimit);
    } catch (thrown) {
      e = toServiceError(thrown as Error, bodyLimit);
    }
    void logAndSend(req, reply, err, e);
  };
}

function urlError(err: FastifyError, bodyLimit: number): ServiceError {
  switch (err.code) {
    case 'FST_ERR_BAD_URL':
      return invalid('the URL is not valid: malformed percent-encoding', [{ path: '', message: 'percent-encode the path as UTF-8 (e.g. %2F for "/")' }]);
    case 'FST_ERR_MAX_PARAM_LENGTH':
      // Rule ids and set names have at most 64 characters: nothing that long exists.
      return new ServiceError('not_found', 'no rule or set has a name that long');
    default:
      return toServiceError(err, bodyLimit);
  }
}

export function installErrorHandlers(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => logAndSend(req, reply, err, toServiceError(err, bodyLimit)));
  app.setNotFoundHandler((req: FastifyRequest, reply: FastifyReply) =>
    sendError(reply, new ServiceError('not_found', `no route ${req.method} ${pathOnly(req.url)}`)),
  );
}

/** `PUT /v1/ruleset`: the route pattern, never the query string (it may hold secrets). */
export function routeName(req: FastifyRequest): string {
  return `${req.method} ${req.routeOptions.url ?? pathOnly(req.url)}`;
}

export function pathOnly(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

export { STATUS_OF };
