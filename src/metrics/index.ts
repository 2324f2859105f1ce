// Prometheus metrics for xdpfw (CONTRACT section 6).

export { metricsPlugin } from './plugin';
export { buildMetricsRegistry, APPLY_DURATION_BUCKETS, MALFORMED_REASONS, type MetricsRegistryOptions } from './registry';
