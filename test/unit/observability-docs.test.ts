import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_EVENTS, RECORD_FIELDS } from '../../src/telemetry/audit.js';
import { createLogger } from '../../src/telemetry/log.js';
import { METRICS, prometheusName, StepgateMetrics } from '../../src/telemetry/metrics.js';
import { startMetricsExport, type MetricsExport } from '../../src/telemetry/metrics-export.js';
import { ATTR, SPAN_CHECK, SPAN_JWKS } from '../../src/telemetry/tracing.js';

/**
 * The observability contract (STYLE habit 10): every metric, span attribute, audit event and
 * record field is documented, nothing undocumented is exported, and the Grafana dashboard queries
 * only metrics stepgate really exports (read from a real scrape of the Prometheus endpoint).
 */

const doc = readFileSync(new URL('../../docs/observability.md', import.meta.url), 'utf8');
const dashboard = JSON.parse(readFileSync(new URL('../../deploy/grafana/stepgate-dashboard.json', import.meta.url), 'utf8')) as Dashboard;

interface Dashboard {
  uid: string;
  panels: { type: string; title: string; datasource?: { uid: string }; targets?: { expr: string }[] }[];
  templating: { list: { name: string; query?: string | { query: string } }[] };
}

/** Backticked names in the first cell of every table row (a cell may list several). */
function documented(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^\|([^|\n]+)\|/gm)) for (const n of m[1]!.matchAll(/`([^`]+)`/g)) names.add(n[1]!);
  return names;
}

const rows = documented(doc);

describe('docs/observability.md', () => {
  it.each(Object.values(METRICS).map((m) => prometheusName(m)))('documents the metric %s', (name) => {
    expect(rows).toContain(name);
  });

  it('documents no metric that stepgate does not export', () => {
    const exported = new Set(Object.values(METRICS).map((m) => prometheusName(m)));
    expect([...rows].filter((r) => r.startsWith('stepgate_') && !exported.has(r))).toEqual([]);
  });

  it.each(Object.values(ATTR))('documents the span attribute %s', (attr) => {
    expect(rows).toContain(attr);
  });

  it('documents both span names as headings', () => {
    for (const name of [SPAN_CHECK, SPAN_JWKS]) expect(doc).toMatch(new RegExp(`^### \`${name.replace(/\./g, '\\.')}\`$`, 'm'));
  });

  it('documents no stepgate.* span attribute that does not exist', () => {
    const attrs = new Set<string>(Object.values(ATTR));
    expect([...rows].filter((r) => /^stepgate\.[a-z_.]+$/.test(r) && !attrs.has(r))).toEqual([]);
  });

  it.each([...AUDIT_EVENTS])('documents the audit event %s', (event) => {
    expect(rows).toContain(event);
  });

  it.each([...RECORD_FIELDS])('documents the record field %s', (field) => {
    expect(rows).toContain(field);
  });

  it('names the metric labels of each metric in its row', () => {
    for (const m of Object.values(METRICS)) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${prometheusName(m)}\` |`))!;
      for (const label of m.labels) expect(row, `${m.name} row names label ${label}`).toContain(`\`${label}\``);
    }
  });
});

describe('deploy/grafana/stepgate-dashboard.json', () => {
  let exporter: MetricsExport;
  let scraped: Set<string>;

  beforeAll(async () => {
    const metrics = new StepgateMetrics(() => undefined, { name: 'stepgate', version: 'test' });
    exporter = await startMetricsExport({ producer: metrics, listen: '127.0.0.1:0', env: {}, log: createLogger('silent') });
    const text = await (await fetch(`http://127.0.0.1:${exporter.port}/metrics`)).text();
    scraped = new Set<string>();
    for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      scraped.add(m[1]!);
      if (m[2] === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) scraped.add(`${m[1]}${suffix}`);
    }
  });

  afterAll(async () => exporter?.shutdown());

  it('is exported under the documented names', () => {
    for (const m of Object.values(METRICS)) expect(scraped).toContain(prometheusName(m));
  });

  const exprs = [
    ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
    ...dashboard.templating.list.map((v) => (typeof v.query === 'object' ? v.query.query : (v.query ?? ''))),
  ].filter((e) => e !== '' && e !== 'prometheus');

  it('has queries', () => {
    expect(dashboard.uid).toBe('stepgate');
    expect(exprs.length).toBeGreaterThan(20);
    for (const p of dashboard.panels.filter((x) => x.targets)) expect(p.datasource?.uid).toBe('${datasource}');
  });

  // A label that no longer exists (as `rules` once did) silently empties a panel: every grouping
  // and matcher must name a label of the metrics the query reads.
  it.each(exprs)('groups and filters only on labels the metric has: %s', (expr) => {
    const names = metricNames(expr);
    const known = new Set(['job', 'instance', 'le', '__name__']);
    for (const m of Object.values(METRICS)) {
      const n = prometheusName(m);
      if (names.some((x) => x === n || x.startsWith(`${n}_`) || x === `${m.name}_bucket`)) for (const l of m.labels) known.add(l);
    }
    const used = [
      ...[...expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap((m) => m[1]!.split(',')),
      ...[...expr.matchAll(/\{([^}]*)\}/g)].flatMap((m) => [...m[1]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map((x) => x[1]!)),
    ].map((l) => l.trim()).filter((l) => l !== '');
    for (const label of used) expect(known, `label ${label} in ${expr}`).toContain(label);
  });

  it('shows 0 rather than "no data" on panels of events that may not have happened yet', () => {
    const quiet = ['stepgate_state_errors_total', 'stepgate_guardrail_hits_total', 'stepgate_approvals_total'];
    for (const e of exprs.filter((x) => quiet.some((q) => x.includes(q)))) expect(e).toMatch(/or on\(\) vector\(0\)$/);
  });

  it.each(exprs)('queries only exported metrics: %s', (expr) => {
    const names = metricNames(expr);
    expect(names.length, 'every query reads at least one metric').toBeGreaterThan(0);
    for (const name of names) expect(scraped, `${name} in the dashboard is not a stepgate metric`).toContain(name);
  });
});

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/** Metric names in a PromQL expression (or a Grafana label_values() variable query). */
export function metricNames(expr: string): string[] {
  const labelValues = /^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(expr);
  if (labelValues) return [labelValues[1]!];
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names: string[] = [];
  for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const after = stripped.slice(m.index! + m[0].length).trimStart();
    if (after.startsWith('(') || KEYWORDS.has(m[0].toLowerCase())) continue;
    names.push(m[0]);
  }
  return names;
}
