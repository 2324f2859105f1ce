// The routes of CONTRACT section 5. Handlers only translate HTTP to service calls: reads answer
// from the service, mutations pass the If-Match header and the caller along, and every answer
// that carries a generation also carries `ETag: "<generation>"`.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RulesetService } from '../service/ruleset-service';
import type { ExplainQuery } from '../service/explain-frame';
import { callerOf } from './auth';
import { routeName } from './errors';
import { schemas } from './schemas';

type Req = FastifyRequest<{ Params: { id: string; name: string }; Querystring: { before?: string; after?: string }; Body: unknown }>;

export interface RouteOptions {
  /** The --listen address, to name unix-socket callers in the change log. */
  listen: string;
}

export function registerRoutes(app: FastifyInstance, service: RulesetService, opts: RouteOptions): void {
  const mutation = (req: Req) => ({
    who: callerOf(req, opts.listen),
    route: routeName(req),
    ifMatch: typeof req.headers['if-match'] === 'string' ? req.headers['if-match'] : undefined,
  });
  const acknowledge = (reply: FastifyReply, generation: number, status = 200) =>
    reply.code(status).header('etag', etag(generation)).send({ generation });

  app.get('/v1/ruleset', { schema: schemas.getRuleset }, async (_req, reply) => {
    const { generation, json } = service.ruleset();
    return reply.header('etag', etag(generation)).send(json);
  });
  app.put('/v1/ruleset', { schema: schemas.putRuleset }, async (req: Req, reply) =>
    acknowledge(reply, await service.replaceRuleset(req.body, mutation(req))),
  );
  app.post('/v1/ruleset/validate', { schema: schemas.validateRuleset }, async (req: Req) => service.validate(req.body));

  app.get('/v1/rules', { schema: schemas.getRules }, async (_req, reply) => {
    const { generation, rules } = service.rules();
    return reply.header('etag', etag(generation)).send({ generation, rules });
  });
  app.get('/v1/rules/:id', { schema: schemas.getRule }, async (req: Req, reply) => {
    const { generation, rule } = service.rule(req.params.id);
    return reply.header('etag', etag(generation)).send(rule);
  });
  app.post('/v1/rules', { schema: schemas.postRule }, async (req: Req, reply) =>
    acknowledge(reply, await service.addRule(req.body, { before: req.query.before, after: req.query.after }, mutation(req)), 201),
  );
  app.put('/v1/rules/:id', { schema: schemas.putRule }, async (req: Req, reply) =>
    acknowledge(reply, await service.replaceRule(req.params.id, req.body, mutation(req))),
  );
  app.delete('/v1/rules/:id', { schema: schemas.deleteRule }, async (req: Req, reply) =>
    acknowledge(reply, await service.deleteRule(req.params.id, mutation(req))),
  );

  app.get('/v1/sets/:name', { schema: schemas.getSet }, async (req: Req, reply) => {
    const { generation, name, elements, count } = service.set(req.params.name);
    return reply.header('etag', etag(generation)).send({ name, elements, count });
  });
  app.patch('/v1/sets/:name', { schema: schemas.patchSet }, async (req: Req, reply) =>
    acknowledge(reply, await service.patchSet(req.params.name, req.body, mutation(req))),
  );
  app.put('/v1/sets/:name', { schema: schemas.putSet }, async (req: Req, reply) =>
    acknowledge(reply, await service.replaceSet(req.params.name, req.body, mutation(req))),
  );

  app.get('/v1/stats', { schema: schemas.stats }, async () => service.stats());
  app.post('/v1/explain', { schema: schemas.explain }, async (req: Req) => service.explain(req.body as ExplainQuery));
  app.get('/v1/status', { schema: schemas.status }, async () => service.status());
  app.get('/healthz', { schema: schemas.healthz }, async (_req, reply) => {
    const health = service.healthy();
    return health.ok
      ? reply.send({ status: 'ok', generation: service.generation() })
      : reply.code(503).send({ status: 'unavailable', reason: health.reason });
  });
}

export function etag(generation: number): string {
  return `"${generation}"`;
}
