// build(): the fastify application, without listening (tests drive it with app.inject()).
//
// ajv is configured to judge input exactly as sent: no type coercion, no removal of unknown
// keys, no defaults filled in (fastify's defaults do all three). Ruleset-shaped bodies are
// validated by the service with the ruleset's own validator; the rest (explain, query strings)
// by the ajv here. Responses are serialised with JSON.stringify: response schemas document the
// API, they never filter what is sent.

import Ajv from 'ajv';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import type { Logger } from 'pino';
import { metricsPlugin } from '../metrics';
import { SCHEMA_ID, rulesetSchema } from '../ruleset/schema';
import type { RulesetService } from '../service/ruleset-service';
import { authenticator, installAuth } from './auth';
import { frameworkErrorHandler, installErrorHandlers, routeName } from './errors';
import { installJsonParser } from './json-body';
import { registerRoutes } from './routes';
import { SERVICE_VALIDATED } from './schemas';

export const DEFAULT_BODY_LIMIT = 64 * 1024 * 1024;

export interface AppOptions {
  /** Bearer token guarding every route but /metrics, /healthz and /docs/json; null: none. */
  token: string | null;
  logger: Logger;
  /** The --listen address (names unix-socket callers in logs). */
  listen?: string;
  bodyLimit?: number;
  /** Whole request (headers and body) must arrive within this (slowloris). Default 30 s. */
  requestTimeoutMs?: number;
  /** An idle connection is closed after this. Default 60 s. */
  connectionTimeoutMs?: number;
  /** Serve GET /metrics (src/metrics). Default true. */
  metrics?: boolean;
}

export async function build(service: RulesetService, opts: AppOptions): Promise<FastifyInstance> {
  const bodyLimit = opts.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const authenticate = authenticator(opts.token);
  const app = Fastify({
    loggerInstance: opts.logger as unknown as FastifyBaseLogger,
    // One line per change is logged by the service, errors by the error handler; per-request
    // lines only at debug (below), without query strings.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    requestTimeout: opts.requestTimeoutMs ?? 30_000,
    connectionTimeout: opts.connectionTimeoutMs ?? 60_000,
    keepAliveTimeout: 5_000,
    return503OnClosing: true,
    exposeHeadRoutes: true, // HEAD /v1/ruleset: the ETag without the body
    // Malformed percent-encodings and over-long parameters: the contract's body, after auth.
    frameworkErrors: frameworkErrorHandler(authenticate, bodyLimit),
    http: { headersTimeout: Math.min(opts.requestTimeoutMs ?? 30_000, 10_000), connectionsCheckingInterval: 2_000 },
  });
  installValidation(app);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  installJsonParser(app);
  installErrorHandlers(app, bodyLimit);
  installAuth(app, authenticate);
  app.addHook('onResponse', async (req, reply) => {
    req.log.debug({ route: routeName(req), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request');
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'xdpfw', description: 'XDP packet-filtering firewall: ruleset management, counters, explain.', version: '1' },
      components: opts.token === null ? {} : { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: opts.token === null ? [] : [{ bearer: [] }],
    },
    // Component names from the ruleset schema: `ruleset`, `ruleset-rule`, ... rather than def-0.
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (json.$id === SCHEMA_ID ? 'ruleset' : `def-${i}`) },
  });
  app.get('/docs/json', { schema: { hide: true } }, async () => app.swagger());

  registerRoutes(app, service, { listen: opts.listen ?? '' });
  if (opts.metrics !== false) await app.register(metricsPlugin(service));
  await app.ready();
  return app;
}

function installValidation(app: FastifyInstance): void {
  const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true, coerceTypes: false, useDefaults: false, removeAdditional: false });
  ajv.addSchema(rulesetSchema());
  app.addSchema(rulesetSchema()); // for @fastify/swagger's $ref resolution
  app.setValidatorCompiler(({ schema }) => {
    if ((schema as Record<string, unknown>)[SERVICE_VALIDATED] === true) return () => true;
    return ajv.compile(schema); // false + .errors: fastify attaches them as err.validation
  });
}
