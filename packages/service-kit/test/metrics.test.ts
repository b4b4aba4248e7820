import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { counter, gaugeSource, metricsText, requestMetrics, startOpsServer, type OpsServer } from '../src/metrics.js';

const silent = pino({ level: 'silent' });

describe('the operations endpoint', () => {
  let ops: OpsServer | undefined;
  afterEach(async () => {
    await ops?.close();
    ops = undefined;
  });

  it('answers /healthz from the health check: 200 up, 503 down', async () => {
    let ok = true;
    ops = await startOpsServer({ host: '127.0.0.1', port: 0, logger: silent, health: () => ({ ok, detail: { service: 'likes' } }) });
    const health = async () => {
      const res = await fetch(`http://127.0.0.1:${ops!.port}/healthz`);
      return { status: res.status, body: await res.json() };
    };
    expect(await health()).toEqual({ status: 200, body: { status: 'up', service: 'likes' } });
    ok = false;
    expect(await health()).toEqual({ status: 503, body: { status: 'down', service: 'likes' } });
  });

  it('serves Prometheus text at /metrics, and nothing else', async () => {
    ops = await startOpsServer({ host: '127.0.0.1', port: 0, logger: silent, health: () => ({ ok: true }) });
    requestMetrics().total.inc({ action: 'like.add', outcome: 'ok' });
    const res = await fetch(`http://127.0.0.1:${ops.port}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await res.text()).toMatch(/^tidings_requests_total\{action="like\.add",outcome="ok"\} [1-9]/m);
    expect((await fetch(`http://127.0.0.1:${ops.port}/`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${ops.port}/metrics`, { method: 'POST' })).status).toBe(405);
  });
});

describe('metrics shared by the services of one process', () => {
  it('makes a metric once however often it is asked for', () => {
    expect(counter('tidings_test_total', 'a test counter')).toBe(counter('tidings_test_total', 'a test counter'));
    expect(requestMetrics().total).toBe(requestMetrics().total);
  });

  it('sums a gauge over its sources, and forgets a source when told', async () => {
    const stopA = gaugeSource('tidings_test_waiting', 'a test gauge', () => 3);
    const stopB = gaugeSource('tidings_test_waiting', 'a test gauge', () => 4);
    expect(await metricsText()).toMatch(/^tidings_test_waiting 7$/m);
    stopA();
    expect(await metricsText()).toMatch(/^tidings_test_waiting 4$/m);
    stopB();
    expect(await metricsText()).toMatch(/^tidings_test_waiting 0$/m);
  });
});
