// GET /metrics: the registry in Prometheus text format. Open even when a token guards /v1/.

import type { FastifyPluginAsync } from 'fastify';
// Brings @fastify/swagger's route-schema keys (summary, description, tags) into FastifySchema.
import type {} from '@fastify/swagger';
import type { MetricsSource } from '../service/metrics-source';
import { buildMetricsRegistry, type MetricsRegistryOptions } from './registry';

export function metricsPlugin(source: MetricsSource, opts: MetricsRegistryOptions = {}): FastifyPluginAsync {
  const registry = buildMetricsRegistry(source, opts);
  return async (app) => {
    app.get(
      '/metrics',
      {
        schema: {
          summary: 'Prometheus metrics',
          description: 'Per-rule, default, malformed, bypass and per-interface counters, ruleset gauges, apply durations and process metrics, in the Prometheus text format.',
          tags: ['metrics'],
        },
      },
      async (_req, reply) => {
        const text = await registry.metrics();
        return reply.type(registry.contentType).send(text);
      },
    );
  };
}
