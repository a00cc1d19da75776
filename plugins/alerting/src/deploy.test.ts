/**
 * The deploy files reference only known metrics: every series in the Grafana dashboard and the Prometheus
 * rules is in METRIC_NAMES, and every METRIC_NAMES entry marked exported is really registered by the
 * backend (its source is read as text, not imported: the backend is not a dependency of this package).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { KNOWN_SERIES, METRIC_NAMES, metricsInPromQL } from './metrics.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dashboard = JSON.parse(readFileSync(`${root}deploy/grafana/satcast.json`, 'utf8'));
const rules = parse(readFileSync(`${root}deploy/prometheus/alerts.yml`, 'utf8')) as {
  groups: { name: string; rules: { alert: string; expr: string; for?: string; labels: Record<string, string>; annotations: Record<string, string> }[] }[];
};

interface Panel { type: string; title: string; targets?: { expr: string }[]; panels?: Panel[] }
const allPanels = (ps: Panel[]): Panel[] => ps.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);

/** Metric names in a dashboard expression; `label_values(metric, label)` names a metric and a label. */
function dashboardMetrics(expr: string): string[] {
  const lv = /label_values\(\s*([a-zA-Z_:][\w:]*)\s*,\s*\w+\s*\)/.exec(expr);
  return lv ? [lv[1]!] : metricsInPromQL(expr);
}

describe('metric names', () => {
  it('metricsInPromQL finds metrics, not functions, labels, keywords or durations', () => {
    expect(metricsInPromQL('histogram_quantile(0.95, sum by (le, route) (rate(a_bucket{status=~"5.."}[5m]))) > 0.25')).toEqual(['a_bucket']);
    expect(metricsInPromQL('x < 0.88 and y >= 50')).toEqual(['x', 'y']);
    expect(metricsInPromQL('time() - max by (horizon) (z) > 7200')).toEqual(['z']);
    expect(metricsInPromQL('sum(rate(q[5m])) without (instance) / clamp_min(sum(rate(r[5m])), 1e-9)')).toEqual(['q', 'r']);
  });

  it('names are unique, well formed, and exported ones exist in the backend source', () => {
    const names = METRIC_NAMES.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    const backend = readFileSync(`${root}gpu-backend/src/metrics/metrics.ts`, 'utf8');
    for (const m of METRIC_NAMES) {
      expect(m.name).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
      if (m.source === 'backend' && m.exported) expect(backend, m.name).toContain(`name: '${m.name}'`);
      if (m.source === 'backend' && !m.exported) expect(backend, `${m.name} is exported now: mark it`).not.toContain(`name: '${m.name}'`);
      if (m.type === 'counter' && m.source !== 'process') expect(m.name.endsWith('_total')).toBe(true);
    }
  });
});

describe('deploy/grafana/satcast.json', () => {
  const panels = allPanels(dashboard.panels);
  const exprs = [
    ...panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: p.title, expr: t.expr }))),
    ...dashboard.templating.list.map((v: { name: string; query: { query: string } }) => ({ where: `$${v.name}`, expr: v.query.query })),
    ...dashboard.annotations.list.map((a: { name: string; expr: string }) => ({ where: a.name, expr: a.expr })),
  ];

  it('is a dashboard with unique panel ids, a Prometheus datasource input and non-overlapping grid', () => {
    expect(dashboard.uid).toBe('satcast-overview');
    expect(dashboard.__inputs[0].pluginId).toBe('prometheus');
    const ids = panels.map((p) => (p as unknown as { id: number }).id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const p of panels as unknown as { gridPos: { x: number; y: number; w: number; h: number } }[]) {
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
        expect(cells.has(`${x},${y}`), `overlap at ${x},${y}`).toBe(false);
        cells.add(`${x},${y}`);
      }
    }
    expect(panels.filter((p) => p.type !== 'row').length).toBeGreaterThanOrEqual(20);
  });

  it('references only metrics in METRIC_NAMES', () => {
    expect(exprs.length).toBeGreaterThan(20);
    for (const { where, expr } of exprs) {
      const used = dashboardMetrics(expr);
      expect(used.length, `${where}: ${expr}`).toBeGreaterThan(0);
      for (const name of used) expect(KNOWN_SERIES.has(name), `${where}: unknown metric ${name}`).toBe(true);
    }
  });
});

describe('deploy/prometheus/alerts.yml', () => {
  const all = rules.groups.flatMap((g) => g.rules);

  it('every rule has a unique name, an expression, a severity and a summary', () => {
    expect(new Set(all.map((r) => r.alert)).size).toBe(all.length);
    for (const r of all) {
      expect(r.alert).toMatch(/^Satcast[A-Z]\w+$/);
      expect(typeof r.expr).toBe('string');
      expect(['info', 'warning', 'critical']).toContain(r.labels.severity);
      expect(r.annotations.summary.length).toBeGreaterThan(0);
      if (r.for !== undefined) expect(r.for).toMatch(/^\d+[smh]$/);
    }
  });

  it('references only metrics in METRIC_NAMES', () => {
    for (const r of all) {
      const used = metricsInPromQL(r.expr);
      expect(used.length, r.alert).toBeGreaterThan(0);
      for (const name of used) expect(KNOWN_SERIES.has(name), `${r.alert}: unknown metric ${name}`).toBe(true);
    }
  });

  it('covers the four operator rules of the spec with their actions', () => {
    const action = (name: string) => all.find((r) => r.alert === name)?.labels.action;
    expect(action('SatcastCoverageLow')).toBe('retrain');
    expect(action('SatcastDataAnomaly')).toBe('validate');
    expect(action('SatcastComponentDown')).toBe('failover');
    expect(action('SatcastLowConfidence')).toBe('raise-update-frequency');
    expect(all.find((r) => r.alert === 'SatcastCoverageLow')!.expr).toContain('satcast_live_coverage90 < 0.88');
  });
});
