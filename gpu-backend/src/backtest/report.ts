/**
 * `report.html`: one self-contained page (inline CSS and SVG, no scripts, no network) with the metrics
 * table beside persistence, the Diebold-Mariano table, forecast vs actual with the 90% band, rolling band
 * coverage, reliability diagrams and per-volatility-tercile coverage.
 */
import type { ReliabilityBin } from '@satcast/core';
import type { BacktestRun } from './run.js';
import { SERVED } from './walk-forward.js';

const W = 860;
const H = 240;
const PAD = { l: 64, r: 12, t: 12, b: 28 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const fmt = (v: number | null | undefined, d = 4) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : Math.abs(v) >= 1000 ? v.toFixed(0) : v.toFixed(d));
const pct = (v: number | null | undefined, d = 1) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(d)}%`);

interface Line {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  color: string;
  dash?: boolean;
}

function scale(min: number, max: number, a: number, b: number) {
  const span = max - min || 1;
  return (v: number) => a + ((v - min) / span) * (b - a);
}

function extent(arrs: ArrayLike<number>[]): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const a of arrs) for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i]!)) (lo = Math.min(lo, a[i]!), (hi = Math.max(hi, a[i]!)));
  return [lo, hi];
}

function axes(sx: (v: number) => number, sy: (v: number) => number, [x0, x1]: [number, number], [y0, y1]: [number, number], xTime: boolean, yFmt: (v: number) => string): string {
  const parts: string[] = [];
  for (let k = 0; k <= 4; k++) {
    const v = y0 + ((y1 - y0) * k) / 4;
    parts.push(`<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${sy(v)}" y2="${sy(v)}" stroke="#eee"/><text x="${PAD.l - 4}" y="${sy(v) + 4}" text-anchor="end">${esc(yFmt(v))}</text>`);
  }
  for (let k = 0; k <= 4; k++) {
    const v = x0 + ((x1 - x0) * k) / 4;
    const label = xTime ? new Date(v).toISOString().slice(0, 10) : v.toFixed(1);
    parts.push(`<text x="${sx(v)}" y="${H - 8}" text-anchor="middle">${label}</text>`);
  }
  return parts.join('');
}

function path(x: ArrayLike<number>, y: ArrayLike<number>, sx: (v: number) => number, sy: (v: number) => number): string {
  let d = '';
  let pen = false;
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(y[i]!)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${sx(x[i]!).toFixed(1)},${sy(y[i]!).toFixed(1)}`;
    pen = true;
  }
  return d;
}

function lineChart(lines: Line[], opts: { band?: { x: ArrayLike<number>; lo: ArrayLike<number>; hi: ArrayLike<number> }; xTime?: boolean; yFmt?: (v: number) => string; hline?: number; yRange?: [number, number] } = {}): string {
  const xr = extent(lines.map((l) => l.x));
  const yr = opts.yRange ?? extent([...lines.map((l) => l.y), ...(opts.band ? [opts.band.lo, opts.band.hi] : [])]);
  const sx = scale(xr[0], xr[1], PAD.l, W - PAD.r);
  const sy = scale(yr[0], yr[1], H - PAD.b, PAD.t);
  let band = '';
  if (opts.band) {
    const { x, lo, hi } = opts.band;
    let d = '';
    for (let i = 0; i < x.length; i++) d += `${i ? 'L' : 'M'}${sx(x[i]!).toFixed(1)},${sy(hi[i]!).toFixed(1)}`;
    for (let i = x.length - 1; i >= 0; i--) d += `L${sx(x[i]!).toFixed(1)},${sy(lo[i]!).toFixed(1)}`;
    band = `<path d="${d}Z" fill="#1f77b4" fill-opacity="0.18" stroke="none"/>`;
  }
  const h = opts.hline !== undefined ? `<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${sy(opts.hline)}" y2="${sy(opts.hline)}" stroke="#000" stroke-dasharray="4 3"/>` : '';
  const legend = lines.map((l, i) => `<text x="${PAD.l + 8 + i * Math.min(150, (W - PAD.l - PAD.r) / Math.max(1, lines.length))}" y="${PAD.t + 10}" fill="${l.color}">■ ${esc(l.name)}</text>`).join('');
  return `<svg viewBox="0 0 ${W} ${H}" width="100%" role="img">${axes(sx, sy, xr, yr, opts.xTime ?? true, opts.yFmt ?? ((v) => fmt(v, 3)))}${band}${h}${lines
    .map((l) => `<path d="${path(l.x, l.y, sx, sy)}" fill="none" stroke="${l.color}" stroke-width="1.2"${l.dash ? ' stroke-dasharray="3 2"' : ''}/>`)
    .join('')}${legend}</svg>`;
}

function reliabilityChart(byModel: Record<string, ReliabilityBin[]>): string {
  const lines: Line[] = Object.entries(byModel).map(([name, bins], i) => {
    const used = bins.filter((b) => b.n > 0);
    return { name, x: used.map((b) => b.meanP), y: used.map((b) => b.freq), color: COLORS[i % COLORS.length]! };
  });
  lines.push({ name: 'perfect', x: [0, 1], y: [0, 1], color: '#999', dash: true });
  return lineChart(lines, { xTime: false, yRange: [0, 1], yFmt: (v) => v.toFixed(2) });
}

function tercileBars(metrics: BacktestRun['metrics'][string]): string {
  const names = Object.keys(metrics);
  const bw = (W - PAD.l - PAD.r) / (names.length * 4);
  const sy = scale(0.6, 1, H - PAD.b, PAD.t);
  let s = axes((v) => v, sy, [0, 0], [0.6, 1], false, (v) => `${Math.round(v * 100)}%`).replace(/<text x="[^"]*" y="232"[^<]*<\/text>/g, '');
  names.forEach((name, i) => {
    metrics[name]!.coverage90ByVolTercile.forEach((c, t) => {
      const x = PAD.l + (i * 4 + t + 0.5) * bw;
      const y = sy(Math.max(0.6, Math.min(1, c)));
      s += `<rect x="${x}" y="${y}" width="${bw * 0.9}" height="${H - PAD.b - y}" fill="${['#9ecae1', '#4292c6', '#08519c'][t]}"><title>${esc(name)} ${['calm', 'middle', 'wild'][t]}: ${pct(c)}</title></rect>`;
    });
    s += `<text x="${PAD.l + (i * 4 + 2) * bw}" y="${H - 8}" text-anchor="middle">${esc(name)}</text>`;
  });
  s += `<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${sy(0.9)}" y2="${sy(0.9)}" stroke="#000" stroke-dasharray="4 3"/>`;
  return `<svg viewBox="0 0 ${W} ${H}" width="100%" role="img">${s}</svg><p class="note">Bars: calm / middle / wild tercile of trailing 24-bar realised volatility; dashed line: 90% target.</p>`;
}

/** Rolling share of rows covered by the band, over `win` rows. */
function rollingCoverage(actual: Float64Array, lo: Float64Array, hi: Float64Array, win: number): Float64Array {
  const out = new Float64Array(actual.length).fill(Number.NaN);
  let c = 0;
  for (let i = 0; i < actual.length; i++) {
    c += actual[i]! >= lo[i]! && actual[i]! <= hi[i]! ? 1 : 0;
    if (i >= win) c -= actual[i - win]! >= lo[i - win]! && actual[i - win]! <= hi[i - win]! ? 1 : 0;
    if (i >= win - 1) out[i] = c / win;
  }
  return out;
}

function metricsTable(m: BacktestRun['metrics'][string]): string {
  const cols: [string, (x: BacktestRun['metrics'][string][string]) => string][] = [
    ['n', (x) => String(x.n)],
    ['MAE', (x) => fmt(x.mae, 2)],
    ['RMSE', (x) => fmt(x.rmse, 2)],
    ['MAE skill vs persistence', (x) => pct(x.maeSkillVsPersistence, 3)],
    ['DM p (vs persistence)', (x) => fmt(x.dmPValueVsPersistence, 4)],
    ['hit rate [95% CI]', (x) => `${pct(x.hitRate)} [${pct(x.hitRateCI95[0])}, ${pct(x.hitRateCI95[1])}]`],
    ['majority rate', (x) => pct(x.majorityRate)],
    ['coverage 90', (x) => pct(x.coverage90)],
    ['coverage by vol tercile', (x) => x.coverage90ByVolTercile.map((c) => pct(c)).join(' / ')],
    ['width 90', (x) => pct(x.width90)],
    ['pinball', (x) => fmt(x.pinball, 2)],
    ['ECE', (x) => fmt(x.ece, 4)],
    ['high-confidence share / hit', (x) => `${pct(x.highConfidence.share)} / ${pct(x.highConfidence.hitRate)}`],
    ['1 − MAPE', (x) => pct(x.mapeAccuracy)],
  ];
  const head = `<tr><th>model</th>${cols.map(([c]) => `<th>${esc(c)}</th>`).join('')}</tr>`;
  const rows = Object.entries(m).map(([name, x]) => `<tr${name === SERVED ? ' class="served"' : ''}><td>${esc(name)}</td>${cols.map(([, f]) => `<td>${f(x)}</td>`).join('')}</tr>`);
  return `<table>${head}${rows.join('')}</table>`;
}

export function renderReport(run: BacktestRun): string {
  const sections = run.results.map((r) => {
    const m = run.metrics[r.horizon]!;
    const s = r.byModel[SERVED]!;
    const tail = Math.min(r.rows.length, 500);
    const from = r.rows.length - tail;
    const x = r.issuedAt.subarray(from);
    const forecast = lineChart(
      [
        { name: 'actual', x, y: r.actual.subarray(from), color: '#000' },
        { name: 'satcast point', x, y: s.point.subarray(from), color: '#d62728' },
      ],
      { band: { x, lo: s.q.p05.subarray(from), hi: s.q.p95.subarray(from) }, yFmt: (v) => v.toFixed(0) },
    );
    const win = Math.max(24, Math.round(r.rows.length / 60));
    const cov = ['persistence', 'ewma-band', SERVED].filter((n) => r.byModel[n]).map((n, i) => ({
      name: n,
      x: r.issuedAt,
      y: rollingCoverage(r.actual, r.byModel[n]!.q.p05, r.byModel[n]!.q.p95, win),
      color: COLORS[i]!,
    }));
    const dmRows = Object.entries(m)
      .filter(([n]) => n !== 'persistence')
      .map(([n, x]) => `<tr><td>${esc(n)}</td><td>${fmt(x.dmStatisticVsPersistence, 3)}</td><td>${fmt(x.dmPValueVsPersistence, 4)}</td><td>${pct(x.maeSkillVsPersistence, 3)}</td><td>${x.maeSkillVsPersistence > 0 && (x.dmPValueVsPersistence ?? 1) < 0.05 ? 'better (p < 0.05)' : x.maeSkillVsPersistence < 0 && (x.dmPValueVsPersistence ?? 1) < 0.05 ? 'worse (p < 0.05)' : 'no significant difference'}</td></tr>`)
      .join('');
    return `<section><h2>Horizon ${r.horizon}</h2>
${metricsTable(m)}
<h3>Diebold-Mariano vs persistence (absolute error, Newey-West variance)</h3>
<table><tr><th>model</th><th>DM statistic</th><th>p-value</th><th>MAE skill</th><th>verdict</th></tr>${dmRows}</table>
<h3>Forecast vs actual, last ${tail} forecasts (served model, 90% band shaded)</h3>${forecast}
<h3>Rolling 90% band coverage (${win} forecasts)</h3>${lineChart(cov, { hline: 0.9, yFmt: (v) => `${(v * 100).toFixed(0)}%` })}
<h3>Reliability of pUp</h3>${reliabilityChart(Object.fromEntries(Object.entries(run.reports[r.horizon]!.reliability).filter(([n]) => n !== 'persistence')))}
<h3>Coverage of the 90% band per volatility tercile</h3>${tercileBars(m)}
</section>`;
  });
  const meta = run.meta;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Satcast backtest ${esc(String(meta.from))} → ${esc(String(meta.to))}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;max-width:1200px;color:#222}table{border-collapse:collapse;font-size:12px;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}td:first-child,th:first-child{text-align:left}tr.served{background:#fff4e5;font-weight:600}svg text{font-size:10px;fill:#444}.note{color:#666;font-size:12px}pre{background:#f6f6f6;padding:8px;font-size:11px;overflow:auto}</style></head><body>
<h1>Satcast walk-forward backtest</h1>
<p>${esc(String(meta.asset))} ${esc(String(meta.interval))}, issue times ${esc(String(meta.from))} → ${esc(String(meta.to))}. Models refit every ${esc(String(meta.refitDays))} days (baselines every ${esc(String(meta.cheapRefitDays))}), ${esc(String(meta.window))} window of ${esc(String(meta.trainRows))} bars, trained only on rows whose target was public at the refit time. <b>${SERVED}</b> = the served model (${esc(String((meta.served as { model: string }).model))}) through the serving layer: adaptive conformal band scaling, Platt-recalibrated pUp, conservative flag and shrink toward persistence below confidence ${esc(String(meta.confidenceThreshold))}.</p>
<p class="note">Read the hit rate beside the majority rate and its confidence interval: BTC direction is close to a coin flip, and a hit rate above 60% would point to leakage. "1 − MAPE" is the seed's accuracy metric; persistence scores almost the same, which is why it is not the headline.</p>
${sections.join('\n')}
<h2>Run</h2><pre>${esc(JSON.stringify(meta, null, 2))}</pre>
</body></html>
`;
}
