/**
 * The API's Prometheus metrics, in a registry of its own (one per app, so apps built side by side
 * in one process keep separate counts): requests by route and status, latency per route, and
 * backend requests that failed or timed out, by backend.
 */
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export class ApiMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'api_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'api_http_request_duration_seconds',
    help: 'time to answer a request, by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly seriesAnswers = new Counter({
    name: 'api_series_answers_total',
    help: 'sentiment and candle answers, by outcome: hit (sent again from the answer cache) or build (merged and serialized)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly backendErrors = new Counter({
    name: 'api_backend_errors_total',
    help: 'backend requests of the API that failed or passed API_BACKEND_TIMEOUT, by backend',
    labelNames: ['backend'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'api_' });
  }
}
