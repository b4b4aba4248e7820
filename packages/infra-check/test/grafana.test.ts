import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ROOT, read } from './lib.js';

interface Target {
  refId: string;
  expr: string;
  datasource?: { uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: Target[];
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: unknown; definition?: string }[] };
}

const dashboard = JSON.parse(read('grafana', 'tidings.json')) as Dashboard;
const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

/** PromQL's functions, aggregations and keywords: words in a query that are not metric names. */
const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

/**
 * The metric names a PromQL query reads: its identifiers, without label matchers `{…}`, ranges
 * `[…]`, strings, grouping labels `by (…)`, function names (a word before `(`) and keywords.
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const names = new Set<string>();
  for (const m of bare.matchAll(/(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const after = bare.slice(m.index + m[0].length).trimStart();
    if (after.startsWith('(') || PROMQL_WORDS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return [...names];
}

/** The labels a query groups by. */
function groupingLabels(expr: string): string[] {
  return [...expr.matchAll(/\bby\s*\(([^)]*)\)/g)].flatMap((m) => m[1]!.split(',').map((l) => l.trim()));
}

/** The names metrics.ts's comment documents (`tidings_…` at the start of a comment line). */
function documented(): Set<string> {
  const text = readFileSync(path.join(ROOT, 'packages/service-kit/src/metrics.ts'), 'utf8');
  return new Set([...text.matchAll(/^\s*\*\s+(tidings_[a-z0-9_]+)/gm)].map((m) => m[1]!));
}

/** The names the code registers: metrics.ts's `name: '…'`, and gaugeSource/counter calls in every app. */
function registered(): Set<string> {
  const names = new Set<string>();
  const metrics = readFileSync(path.join(ROOT, 'packages/service-kit/src/metrics.ts'), 'utf8');
  for (const m of metrics.matchAll(/name: '(tidings_[a-z0-9_]+)'/g)) names.add(m[1]!);
  for (const app of readdirSync(path.join(ROOT, 'apps'))) {
    const src = path.join(ROOT, 'apps', app, 'src');
    let files: string[];
    try {
      files = readdirSync(src, { recursive: true }) as string[];
    } catch {
      continue;
    }
    for (const f of files.filter((x) => x.endsWith('.ts'))) {
      for (const m of readFileSync(path.join(src, f), 'utf8').matchAll(/(?:gaugeSource|counter)\(\s*'(tidings_[a-z0-9_]+)'/g)) names.add(m[1]!);
    }
  }
  return names;
}

/** prom-client's default metrics (process_*, nodejs_*), as a registry of this process lists them. */
async function promClientDefaults(): Promise<Set<string>> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const names = (await registry.getMetricsAsJSON()).map((m) => m.name);
  return new Set(names);
}

/** A series name as its metric: a histogram's _bucket, _sum and _count are the histogram. */
const metricOf = (series: string) => series.replace(/_(bucket|sum|count)$/, '');

describe('reading metric names from PromQL', () => {
  it.each([
    ['sum by (action) (rate(tidings_requests_total{service=~"$service"}[$__rate_interval]))', ['tidings_requests_total']],
    ['histogram_quantile(0.99, sum by (le, action) (rate(x_bucket{a="b"}[5m])))', ['x_bucket']],
    ['a / on (service) group_left b', ['a', 'b']],
    ['up{job=~"tidings.*"} offset 5m', ['up']],
    ['sum(rate(c{outcome!="ok"}[1m])) / sum(rate(c[1m]))', ['c']],
  ])('%s', (expr, names) => {
    expect(metricNames(expr)).toEqual(names);
  });
});

describe('the Grafana dashboard', () => {
  it('is a dashboard: a uid, a title, panels with unique ids on a 24-column grid, each query on the chosen Prometheus', () => {
    expect(dashboard).toMatchObject({ uid: 'tidings', title: 'Tidings' });
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    const cells = new Set<string>();
    for (const p of dashboard.panels) {
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++)
        for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
          expect(cells.has(`${x},${y}`), `${p.title} overlaps another panel`).toBe(false);
          cells.add(`${x},${y}`);
        }
      if (p.type === 'row') continue;
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      expect(p.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
    }
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(['datasource', 'service']);
  });

  it('shows requests per action, errors per outcome, p50/p95/p99, messages stored, the writer queue, connections, memory and CPU', () => {
    const all = queries.map((q) => q.expr).join('\n');
    expect(all).toContain('sum by (action) (rate(tidings_requests_total');
    expect(all).toContain('sum by (outcome) (rate(tidings_requests_total');
    for (const q of ['0.5', '0.95', '0.99']) expect(all).toContain(`histogram_quantile(${q}, sum by (le) (rate(tidings_request_duration_seconds_bucket`);
    for (const name of [
      'tidings_messages_stored_total',
      'tidings_writer_waiting',
      'tidings_broker_connections',
      'process_resident_memory_bytes',
      'process_cpu_seconds_total',
    ])
      expect(all).toContain(name);
  });

  it('reads only metrics that exist: documented in metrics.ts or registered by an app, or prom-client defaults', async () => {
    const docs = documented();
    expect([...docs]).toContain('tidings_requests_total');
    const code = registered();
    const defaults = await promClientDefaults();
    expect([...defaults]).toContain('process_resident_memory_bytes');
    const used = new Set(queries.flatMap((q) => metricNames(q.expr)));
    expect(used.size).toBeGreaterThan(8);
    for (const series of used) {
      if (series === 'up') continue; // Prometheus' own, one per target
      const metric = metricOf(series);
      if (metric.startsWith('tidings_')) {
        expect(code.has(metric), `${series}: no code registers ${metric}`).toBe(true);
        expect(docs.has(metric) || code.has(metric), series).toBe(true);
      } else expect(defaults.has(metric), `${series} is not one of prom-client's default metrics`).toBe(true);
    }
    // The variable's query too.
    const variable = dashboard.templating.list.find((v) => v.name === 'service')!;
    expect(defaults.has(/label_values\((\w+),/.exec(variable.definition!)![1]!)).toBe(true);
  });

  it('groups only by labels the series have', () => {
    const labels = new Set(['service', 'action', 'outcome', 'le', 'instance', 'job']);
    for (const q of queries) for (const l of groupingLabels(q.expr)) expect(labels.has(l), `${q.panel}: by ${l}`).toBe(true);
  });
});
