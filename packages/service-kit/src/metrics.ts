import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, collectDefaultMetrics, register } from 'prom-client';

/**
 * Prometheus metrics of a Tidings process (prom-client's default registry: one per process).
 *
 *   tidings_requests_total{action, outcome}      requests answered, by action and outcome
 *                                                (`ok` or the error code)
 *   tidings_request_duration_seconds{action}     time from a request's arrival to its answer
 *   tidings_messages_stored_total                messages and room events chat-store committed
 *   tidings_writer_waiting                       sends chat-store accepted and has not stored yet
 *   tidings_broker_connections                   connected clients (broker)
 *   tidings_broker_retained_messages             retained messages the broker holds (broker)
 *   process_* and nodejs_*                       prom-client's defaults (CPU, memory, event loop lag)
 *
 * Every series carries `service` (the process) as a default label. Several services in one
 * process (the tests) share the registry, so metrics are made once per process ({@link metric}),
 * and a gauge reads the sum of every source registered for it.
 */

const made = new Map<string, unknown>();

function metric<T>(name: string, make: () => T): T {
  let m = made.get(name) as T | undefined;
  if (!m) {
    m = make();
    made.set(name, m);
  }
  return m;
}

/** Latency buckets (seconds): a request on a healthy machine takes milliseconds; a database stall, seconds. */
const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function requestMetrics() {
  return {
    total: metric(
      'tidings_requests_total',
      () =>
        new Counter({
          name: 'tidings_requests_total',
          help: 'Requests answered, by action and outcome (ok, or the error code)',
          labelNames: ['action', 'outcome'] as const,
        }),
    ),
    duration: metric(
      'tidings_request_duration_seconds',
      () =>
        new Histogram({
          name: 'tidings_request_duration_seconds',
          help: 'Time from a request’s arrival to its answer, by action',
          labelNames: ['action'] as const,
          buckets: REQUEST_BUCKETS,
        }),
    ),
  };
}

/** A counter made once per process. */
export function counter(name: string, help: string): Counter {
  return metric(name, () => new Counter({ name, help }));
}

const gaugeSources = new Map<string, Set<() => number>>();

/**
 * A gauge whose value, at each scrape, is the sum of its sources (e.g. every chat-store writer
 * of the process). Returns the function that removes this source (on stop).
 */
export function gaugeSource(name: string, help: string, read: () => number): () => void {
  let sources = gaugeSources.get(name);
  if (!sources) {
    const set = new Set<() => number>();
    sources = set;
    gaugeSources.set(name, set);
    metric(
      name,
      () =>
        new Gauge({
          name,
          help,
          collect() {
            let sum = 0;
            for (const source of set) sum += source();
            this.set(sum);
          },
        }),
    );
  }
  sources.add(read);
  return () => sources.delete(read);
}

let defaultsOn = false;

/** Names the process on every series and adds prom-client's process metrics (once). */
export function labelProcess(service: string): void {
  register.setDefaultLabels({ service });
  if (!defaultsOn) {
    defaultsOn = true;
    collectDefaultMetrics({ register });
  }
}

/** The text a Prometheus scrape reads. */
export function metricsText(): Promise<string> {
  return register.metrics();
}

export const METRICS_CONTENT_TYPE = register.contentType;

export interface OpsServerOptions {
  host: string;
  /** 0 = any free port. */
  port: number;
  logger: Logger;
  /** Is the process ready to serve: `ok` and what to say about it. */
  health: () => { ok: boolean; detail?: Record<string, unknown> };
}

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * The operations endpoint of a service process: `GET /healthz` (200 `{"status":"up"}` while the
 * broker connection is up, else 503 `{"status":"down"}` — for load balancers and Kubernetes
 * probes) and `GET /metrics` (Prometheus text). Nothing else: every other path is 404, every other
 * method 405. The broker serves both on its own HTTP port.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const server = http.createServer((req, res) => {
    void answerOps(req, res, options.health).catch((err: unknown) => {
      options.logger.warn({ err }, 'ops endpoint failed');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  options.logger.info({ host: options.host, port }, 'ops endpoint listening (/healthz, /metrics)');
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Answers /healthz and /metrics; true when it did (the broker's HTTP server uses it too). */
export async function answerOps(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  health: () => { ok: boolean; detail?: Record<string, unknown> },
): Promise<boolean> {
  const path = (req.url ?? '/').split('?')[0];
  if (path !== '/healthz' && path !== '/metrics') {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return false;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
    return true;
  }
  if (path === '/healthz') {
    const { ok, detail } = health();
    res
      .writeHead(ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      .end(JSON.stringify({ status: ok ? 'up' : 'down', ...detail }));
    return true;
  }
  const body = await metricsText();
  res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE, 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : body);
  return true;
}
