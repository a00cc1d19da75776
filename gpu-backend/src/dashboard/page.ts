/**
 * The dashboard page at `/`: price with the served 1h/4h/24h forecasts and their 90% bands, confidence,
 * data freshness per source and live scores beside persistence. Static HTML + uPlot served from the
 * `uplot` package on disk (no CDN); updates arrive over the WebSocket stream.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Satcast</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/dashboard/assets/uPlot.min.css">
<style>
 body{font:14px system-ui,sans-serif;margin:0;background:#0f1419;color:#e6e6e6}
 header{padding:12px 20px;border-bottom:1px solid #2a3038;display:flex;gap:16px;align-items:baseline}
 h1{font-size:18px;margin:0} .muted{color:#8b949e} main{padding:16px 20px;display:grid;gap:16px}
 table{border-collapse:collapse;width:100%} th,td{padding:6px 8px;border-bottom:1px solid #2a3038;text-align:right}
 th:first-child,td:first-child{text-align:left} .flag{color:#d29922} .ok{color:#3fb950} .bad{color:#f85149}
 section{background:#161b22;border:1px solid #2a3038;border-radius:6px;padding:12px}
 h2{font-size:14px;margin:0 0 8px}
</style></head>
<body>
<header><h1>Satcast</h1><span id="asset" class="muted"></span>
<span class="muted">live updates: <b id="updates">0</b></span><span id="ws" class="muted">connecting…</span></header>
<main>
<section><h2>Price and 90% band (1h forecasts)</h2><div id="chart"></div></section>
<section><h2>Latest forecasts</h2><table id="latest"><thead><tr><th>horizon</th><th>issued</th><th>last price</th><th>point</th>
<th>90% band</th><th>P(up)</th><th>confidence</th><th></th></tr></thead><tbody></tbody></table>
<p class="muted">Confidence = calibrated probability of the predicted direction. Below the threshold a forecast is flagged conservative and its point is shrunk toward the last price.</p></section>
<section><h2>Live scores (predictions scored as their target time passed, last 500 bars, beside persistence)</h2><table id="scores"><thead><tr><th>model</th><th>horizon</th><th>n</th>
<th>MAE skill vs persistence</th><th>90% coverage</th><th>pinball (USDT)</th></tr></thead><tbody></tbody></table></section>
<section><h2>Data freshness</h2><table id="sources"><thead><tr><th>source</th><th>newest event</th><th>last batch</th><th>errors</th></tr></thead><tbody></tbody></table></section>
<section><h2>Alerts (dashboard channel and every firing operator alert)</h2><table id="alerts"><thead><tr><th>severity</th><th>alert</th><th>since</th><th>detail</th></tr></thead><tbody></tbody></table><p id="alerts-note" class="muted"></p></section>
</main>
<script src="/dashboard/assets/uPlot.iife.min.js"></script>
<script>
const token = new URLSearchParams(location.search).get('token');
const headers = token ? { authorization: 'Bearer ' + token } : {};
const fmt = (x) => x.toLocaleString('en-US', { maximumFractionDigits: 2 });
const pct = (x) => x == null ? '–' : (100 * x).toFixed(1) + '%';
let plot, series = [[], [], [], []];
async function json(path) { const r = await fetch(path, { headers }); if (!r.ok) throw new Error(path + ' ' + r.status); return r.json(); }
function drawChart() {
  const width = document.getElementById('chart').clientWidth || 900;
  const opts = { width, height: 320, series: [{}, { label: 'price', stroke: '#58a6ff' },
    { label: 'p05', stroke: '#8b949e', dash: [4, 4] }, { label: 'p95', stroke: '#8b949e', dash: [4, 4] }],
    axes: [{ stroke: '#8b949e' }, { stroke: '#8b949e', size: 80 }] };
  if (plot) plot.setData(series); else plot = new uPlot(opts, series, document.getElementById('chart'));
}
function renderLatest(preds) {
  const body = document.querySelector('#latest tbody');
  body.innerHTML = preds.map((p) => '<tr data-horizon="' + p.horizon + '"><td>' + p.horizon + '</td><td>' + new Date(p.issuedAt).toISOString().slice(0, 16) + 'Z</td><td>' + fmt(p.lastPrice) +
    '</td><td>' + fmt(p.point) + '</td><td>' + fmt(p.quantiles.p05) + ' – ' + fmt(p.quantiles.p95) + '</td><td>' + pct(p.pUp) + '</td><td>' + pct(p.confidence) +
    '</td><td class="' + (p.conservative ? 'flag' : 'ok') + '">' + (p.conservative ? 'conservative' : 'confident') + '</td></tr>').join('');
}
async function loadHistory() {
  const h = await json('/api/v1/predictions?horizon=1h&order=desc&limit=300');
  const items = h.predictions.slice().reverse();
  series = [items.map((p) => p.issuedAt / 1000), items.map((p) => p.lastPrice), items.map((p) => p.quantiles.p05), items.map((p) => p.quantiles.p95)];
  drawChart();
}
async function loadPanels() {
  const [latest, health, scores] = await Promise.all([json('/api/v1/predictions'), fetch('/api/v1/health').then((r) => r.json()), json('/api/v1/scores')]);
  document.getElementById('asset').textContent = latest.asset + ' · served model ' + latest.servedModel;
  renderLatest(latest.predictions);
  document.querySelector('#sources tbody').innerHTML = health.components.sources.map((s) => '<tr><td>' + s.id + '</td><td>' + (s.lastEventTime || '–') + '</td><td>' + (s.lastBatchAt || '–') + '</td><td>' + s.errors + '</td></tr>').join('');
  loadAlerts().catch(() => {});
  document.querySelector('#scores tbody').innerHTML = scores.scores.map((s) => '<tr><td>' + s.model + '</td><td>' + s.horizon + '</td><td>' + s.n + '</td><td class="' + (s.maeSkillVsPersistence > 0 ? 'ok' : 'bad') + '">' + pct(s.maeSkillVsPersistence) + '</td><td>' + pct(s.coverage90) + '</td><td>' + (s.pinball == null ? '–' : fmt(s.pinball)) + '</td></tr>').join('');
}
const esc = (t) => String(t).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
// Operator alerts need the operator role: without a token the section says so instead of showing them.
async function loadAlerts() {
  const r = await fetch('/api/v1/alerting', { headers });
  const note = document.getElementById('alerts-note');
  if (!r.ok) { note.textContent = r.status === 401 || r.status === 403 ? 'Open the page with ?token=<operator JWT> to see alerts.' : 'alerts unavailable (' + r.status + ')'; return; }
  const a = await r.json();
  document.querySelector('#alerts tbody').innerHTML = a.firing.map((x) => '<tr><td class="' + (x.severity === 'info' ? 'flag' : 'bad') + '">' + x.severity + '</td><td>' + esc(x.title) +
    '</td><td>' + new Date(x.createdAt).toISOString().slice(0, 16) + 'Z</td><td>' + esc(x.message) + '</td></tr>').join('');
  const down = a.channels.filter((c) => !c.ok).map((c) => c.name + ': ' + (c.error || 'unhealthy'));
  note.textContent = (a.firing.length ? '' : 'No alert firing. ') + (down.length ? 'Channels failing: ' + down.join('; ') : '');
}
function connect() {
  const url = location.origin.replace('http', 'ws') + '/stream/predictions';
  const ws = token ? new WebSocket(url, ['bearer', token]) : new WebSocket(url);
  const status = document.getElementById('ws');
  ws.onopen = () => (status.textContent = 'live', status.className = 'ok');
  ws.onclose = () => { status.textContent = 'reconnecting…'; status.className = 'bad'; setTimeout(connect, 2000); };
  ws.onmessage = async (e) => {
    const m = JSON.parse(e.data);
    if (m.type !== 'prediction') return;
    const u = document.getElementById('updates'); u.textContent = String(Number(u.textContent) + 1);
    if (m.timeframe === '1h' && !series[0].includes(m.metadata.issuedAt / 1000)) {
      series.forEach((s, i) => s.push([m.metadata.issuedAt / 1000, m.metadata.lastPrice, m.metadata.quantiles.p05, m.metadata.quantiles.p95][i]));
      drawChart();
    }
    loadPanels().catch(() => {});
  };
}
Promise.all([loadHistory(), loadPanels()]).catch((e) => (document.getElementById('ws').textContent = String(e))).finally(connect);
</script></body></html>`;
