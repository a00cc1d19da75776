/**
 * Monitoring and alerting, end to end. The backend starts on three months of the bundled BTCUSDT history
 * with the last 16 bars held back; the test then replays those bars through the live loop (the bus topic
 * the csv replay feeds, consumed by the store/pipeline group) one at a time, waiting for each evaluation,
 * so every step is on the data clock and repeatable:
 *
 * - a second source (`btceur`, the same history as BTCEUR) stops after backfill: with a 1 h grace it is
 *   stale once its newest bar is 3 h old (due 1 h after open, next one 1 h later, + grace) — from bar 2;
 *   `system-failure` fires at bar 3 (two breaches), the source catches up before bar 4 and the alert
 *   resolves at bar 5 (two clears) — to PagerDuty (Events API v2) and a signed operator webhook;
 * - bars 8+ are lifted 6% (a 3σ+ jump of the close-to-close return, z ≈ 12): `data-anomaly` fires at
 *   bar 8 and resolves at bar 11 (three clears) — to Slack.
 *
 * All receivers are one local HTTP server on 127.0.0.1. The replay window was chosen with no natural
 * |z| >= 2.5 return (checked below, so the test fails loudly if the data changes).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { HOUR, TOPICS, signPayload, type Candle } from '@satcast/core';
import { loadBtcHourly } from '@satcast/data';
import { METRIC_NAMES, zScore } from '@satcast/plugin-alerting';
import { FakeHttpReceiver, type RecordedRequest } from '@satcast/plugin-alerting/testing';
import { startSatcast, type Satcast } from '../src/runner.js';
import { AlertingService, Channels } from '../src/alerting/index.js';
import { STATE_KEY } from '../src/alerting/service.js';
import { createAlertingMetrics } from '../src/metrics/metrics.js';
import { createStore } from '@satcast/adapter-store-libsql';
import { createCache } from '@satcast/adapter-cache-memory';
import { Registry } from 'prom-client';
import { quietLog, tempDir, testConfig } from './helpers.js';
import { parsePrometheus } from './prometheus.js';

const JWT_SECRET = 'alerting-test-jwt-secret-0123456789';
const USER_SECRET = 'user-webhook-secret-0123456789abcdef';
const OPS_SECRET = 'ops-webhook-secret-0123456789abcdef';
const ROUTING_KEY = 'R0123456789abcdef0123456789abcdef';
const from = Date.UTC(2024, 0, 1);
const to = Date.UTC(2024, 3, 1);
const N = 16;
const RESUME = 4;
const JUMP = 8;
const all = loadBtcHourly({ from, to });
const S = all.length - N;
const lift = (b: Candle, k: number): Candle => ({ ...b, open: b.open * k, high: b.high * k, low: b.low * k, close: b.close * k });
const replay = all.slice(S).map((b, i) => (i >= JUMP ? lift(b, 1.06) : b));
const eur = (i: number): Candle => ({ ...all[S + i]!, symbol: 'BTCEUR' });

const jwt = (sub: string) =>
  new SignJWT({ role: 'operator' }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuer('https://auth.satcast.local')
    .setAudience('satcast-api').setExpirationTime('5m').sign(new TextEncoder().encode(JWT_SECRET));

function writeCsv(path: string, bars: readonly Candle[]): string {
  writeFileSync(path, gzipSync(`ts,open,high,low,close,volume\n${bars.map((c) => `${c.openTime},${c.open},${c.high},${c.low},${c.close},${c.volume}`).join('\n')}\n`));
  return path;
}

async function until(cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const at = (rx: FakeHttpReceiver, prefix: string) => rx.accepted.filter((r) => r.path.startsWith(prefix));
const body = (r: RecordedRequest) => JSON.parse(r.body) as Record<string, any>;

describe('alerting end to end', () => {
  let sc: Satcast;
  let rx: FakeHttpReceiver;
  const timeline: { i: number; slack: number; pagerduty: number; ops: number; firing: string[] }[] = [];
  const rules: Record<string, string> = {};
  const call = async (method: string, path: string, who?: string, payload?: unknown) =>
    fetch(`${sc.url}${path}`, {
      method,
      headers: { ...(who ? { authorization: `Bearer ${await jwt(who)}` } : {}), ...(payload ? { 'content-type': 'application/json' } : {}) },
      body: payload ? JSON.stringify(payload) : undefined,
    });

  beforeAll(async () => {
    process.env.SATCAST_JWT_SECRET = JWT_SECRET;
    process.env.SATCAST_USER_WEBHOOK_SECRET = USER_SECRET;
    rx = await new FakeHttpReceiver({
      accept: (req) =>
        req.path === '/v2/enqueue'
          ? { status: 202, body: JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: JSON.parse(req.body).dedup_key }) }
          : { status: 200, body: req.path.startsWith('/services/') ? 'ok' : '{}' },
      gate: (req) => (req.path === '/user/gone' ? { status: 410, body: 'gone' } : undefined),
    }).start();
    const dir = tempDir();
    const main = writeCsv(join(dir, 'btcusdt.csv.gz'), all);
    const stale = writeCsv(join(dir, 'btceur.csv.gz'), all.slice(0, S));
    const config = testConfig(dir, main, {
      sources: [
        { plugin: 'csv', options: { path: main, replay: { holdBackBars: N } } },
        { plugin: 'csv', id: 'btceur', options: { path: stale, symbol: 'BTCEUR' } },
      ],
      notifiers: [
        { plugin: 'slack', options: { webhookUrl: `${rx.url}/services/T000/B000/secretpart` } },
        { plugin: 'pagerduty', options: { routingKey: ROUTING_KEY, baseUrl: rx.url } },
        { plugin: 'webhook', id: 'ops', options: { url: `${rx.url}/ops`, secret: OPS_SECRET } },
      ],
      alerting: { freshnessGraceMs: HOUR, anomalyFeatures: [], checkEveryMs: 0, routes: { 'system-failure': ['pagerduty', 'ops'] } },
    });
    // live: false — the held-back bars are replayed below, one evaluation at a time.
    sc = await startSatcast(config, { log: quietLog, live: false });
    const svc = sc.alerting!.service;
    await svc.idle();

    // Users' rules exist before the replay; each fires on its first evaluation (confidence is always >= 0.5).
    const mk = async (who: string, name: string, horizon: string, channel: unknown, kind = 'confidence_above') => {
      const res = await call('POST', '/api/v1/alerts', who, { name, kind, horizon, ...(kind === 'confidence_above' ? { threshold: 0.5 } : {}), channel });
      expect(res.status).toBe(201);
      rules[name] = ((await res.json()) as { id: string }).id;
    };
    await mk('alice', 'hook', '1h', { type: 'webhook', url: `${rx.url}/user/alice` });
    await mk('alice', 'gone', '4h', { type: 'webhook', url: `${rx.url}/user/gone` });
    await mk('bob', 'board', '24h', { type: 'dashboard' });
    await mk('carol', 'band', '1h', { type: 'dashboard' }, 'price_outside_band');

    for (let i = 0; i < N; i++) {
      if (i >= RESUME) {
        // The stale source catches up (all it missed at RESUME), then keeps pace.
        const bars = i === RESUME ? Array.from({ length: RESUME + 1 }, (_, j) => eur(j)) : [eur(i)];
        await sc.bus.publish(TOPICS.candles, 'btceur', { sourceId: 'btceur', batch: { candles: bars } });
        await until(() => svc.seenEventTime('btceur') === eur(i).openTime, `btceur bar ${i}`);
      }
      await sc.bus.publish(TOPICS.candles, 'csv', { sourceId: 'csv', batch: { candles: [replay[i]!] } });
      await until(() => svc.lastEvaluatedAt() === replay[i]!.openTime + HOUR, `evaluation of bar ${i}`);
      await svc.idle();
      timeline.push({ i, slack: at(rx, '/services/').length, pagerduty: at(rx, '/v2/enqueue').length, ops: at(rx, '/ops').length, firing: svc.engine.active().map((a) => a.dedupKey).filter((k) => !k.startsWith('low-confidence')) });
    }
  }, 120_000);

  afterAll(async () => {
    await sc?.close();
    await rx?.close();
  });

  it('the replay window has no natural 2.5σ return, and the injected jump is far beyond 3σ', () => {
    const close = all.map((b) => b.close);
    const r = close.slice(1).map((c, j) => Math.log(c / close[j]!));
    for (let b = S - 3; b < all.length; b++) expect(Math.abs(zScore(r[b - 1]!, r.slice(b - 169, b - 1)))).toBeLessThan(2.5);
    const lifted = [...all.slice(0, S), ...replay].map((x) => x.close);
    const R = lifted.slice(1).map((c, k) => Math.log(c / lifted[k]!));
    const j = S + JUMP - 1; // R[j]: the return into the first lifted bar
    expect(zScore(R[j]!, R.slice(j - 168, j))).toBeGreaterThan(5);
  });

  it('a stale source fires system-failure once (2 breaches) and resolves after it catches up (2 clears)', () => {
    const pd = timeline.map((t) => t.pagerduty);
    expect(pd).toEqual([0, 0, 0, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
    expect(timeline.map((t) => t.ops)).toEqual(pd);
    const events = at(rx, '/v2/enqueue').map(body);
    expect(events.map((e) => [e.event_action, e.dedup_key])).toEqual([
      ['trigger', 'system-failure:component=source:btceur'],
      ['resolve', 'system-failure:component=source:btceur'],
    ]);
    expect(events[0]).toMatchObject({ routing_key: ROUTING_KEY, payload: { severity: 'critical' } });
    expect(events[0]!.payload.summary).toMatch(/btceur/);
  });

  it('the signed operator webhook gets the same fire and resolve, verifiable with its secret', async () => {
    const ops = at(rx, '/ops');
    expect(ops.map((r) => [body(r).alert.status, body(r).alert.dedupKey])).toEqual([
      ['firing', 'system-failure:component=source:btceur'],
      ['resolved', 'system-failure:component=source:btceur'],
    ]);
    for (const r of ops) expect(r.headers['x-satcast-signature']).toBe(await signPayload(OPS_SECRET, Number(r.headers['x-satcast-timestamp']), r.body));
    expect(body(ops[0]!).alert.id).toBe(body(ops[1]!).alert.id);
  });

  it('a 3σ price jump fires data-anomaly on Slack once and resolves after three calm bars', () => {
    expect(timeline.map((t) => t.slack)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2]);
    const slack = at(rx, '/services/').map(body);
    expect(slack.map((m) => m.text)).toEqual([expect.stringMatching(/Data anomaly/), expect.stringMatching(/Data anomaly/)]);
    expect(JSON.stringify(slack[0])).toMatch(/BTCUSDT:1h:return/);
    expect(slack[0]!.blocks.length).toBeGreaterThan(1);
    expect(timeline[JUMP]!.firing).toContain('data-anomaly:series=BTCUSDT:1h:return,source=csv');
    expect(timeline.at(-1)!.firing).toEqual([]);
  });

  it('stores each operator alert once and updates it in place on resolve; actions are audited', async () => {
    const stored = (await sc.store.listAlerts({ limit: 1000 })).filter((a) => !a.rule.startsWith('user:') && a.rule !== 'low-confidence');
    expect(stored.map((a) => [a.rule, a.dedupKey, a.status]).sort()).toEqual([
      ['data-anomaly', 'data-anomaly:series=BTCUSDT:1h:return,source=csv', 'resolved'],
      ['system-failure', 'system-failure:component=source:btceur', 'resolved'],
    ]);
    const actions = (await sc.store.listAudit({ limit: 1000 })).filter((e) => e.actor === 'alerting').map((e) => [e.action, e.target]);
    expect(actions).toEqual(expect.arrayContaining([['alert.action.failover', 'system-failure:component=source:btceur'], ['alert.action.validate', 'data-anomaly:series=BTCUSDT:1h:return,source=csv']]));
    // Unconfigured channels are recorded, not silently dropped.
    const status = (await (await call('GET', '/api/v1/alerting', 'ops-person')).json()) as { channels: { name: string; ok: boolean }[]; deliveries: { channel: string; outcome: string }[] };
    expect(status.channels.map((c) => [c.name, c.ok])).toEqual([['dashboard', true], ['slack', true], ['pagerduty', true], ['ops', true]]);
    expect(status.deliveries.filter((d) => ['slack', 'pagerduty', 'ops'].includes(d.channel)).every((d) => d.outcome === 'delivered')).toBe(true);
  });

  it('users\' rules are delivered through their own channel with the status visible via the API', async () => {
    const get = async (who: string, name: string) => call('GET', `/api/v1/alerts/${rules[name]}/deliveries`, who);
    const hook = (await (await get('alice', 'hook')).json()) as { deliveries: { status: string; attempts: number; channel: string }[] };
    expect(hook.deliveries).toEqual([expect.objectContaining({ status: 'delivered', attempts: 1, channel: 'webhook' })]);
    const received = at(rx, '/user/alice');
    expect(received).toHaveLength(1);
    expect(body(received[0]!).alert.rule).toBe(`user:${rules.hook}`);
    expect(received[0]!.headers['x-satcast-signature']).toBe(await signPayload(USER_SECRET, Number(received[0]!.headers['x-satcast-timestamp']), received[0]!.body));
    const gone = (await (await get('alice', 'gone')).json()) as { deliveries: { status: string; attempts: number; error: string }[] };
    expect(gone.deliveries).toEqual([expect.objectContaining({ status: 'failed', attempts: 1, error: expect.stringMatching(/410/) })]);
    const board = (await (await get('bob', 'board')).json()) as { deliveries: { status: string; channel: string }[] };
    expect(board.deliveries).toEqual([expect.objectContaining({ status: 'delivered', channel: 'dashboard' })]);
    expect((await get('bob', 'hook')).status).toBe(404);
    // price_outside_band: one alert per matured 1h prediction whose realised price left its band — the
    // same misses the scorer recorded (covered90 false) for predictions issued from start to the last target.
    const band = (await (await get('carol', 'band')).json()) as { deliveries: { status: string; message: string }[] };
    const issued = [replay[0]!.openTime, ...replay.slice(0, -1).map((b) => b.openTime + HOUR)];
    const misses = (await sc.store.listOutcomes({ asset: 'BTCUSDT', model: 'ewma-band', horizon: '1h' })).filter((o) => issued.includes(o.issuedAt) && !o.covered90);
    expect(misses.length).toBeGreaterThanOrEqual(1); // at least the bar before the 6% jump
    expect(band.deliveries).toHaveLength(misses.length);
    expect(band.deliveries.every((d) => d.status === 'delivered' && /is (above|below) the 90% band/.test(d.message))).toBe(true);
    const doc = (await (await fetch(`${sc.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain('/api/v1/alerts/{id}/deliveries');
  });

  it('/metrics parses as Prometheus text format and carries the monitoring metrics', async () => {
    const res = await fetch(`${sc.url}/metrics`);
    const m = parsePrometheus(await res.text());
    for (const def of METRIC_NAMES.filter((d) => d.source !== 'prometheus')) {
      expect(m.families.get(def.name)?.type, def.name).toBe(def.type);
    }
    const v = (name: string, labels: Record<string, string>) => m.value(name, labels);
    expect(v('satcast_alert_events_total', { rule: 'data-anomaly', severity: 'warning', event: 'fire' })).toBe(1);
    expect(v('satcast_alert_events_total', { rule: 'system-failure', severity: 'critical', event: 'resolve' })).toBe(1);
    expect(v('satcast_notifications_total', { channel: 'slack', outcome: 'delivered' })).toBe(2);
    expect(v('satcast_notifications_total', { channel: 'pagerduty', outcome: 'delivered' })).toBe(2);
    expect(v('satcast_notification_attempts_total', { channel: 'ops' })).toBe(2);
    expect(v('satcast_component_up', { component: 'source:btceur' })).toBe(1);
    expect(v('satcast_component_up', { component: 'store' })).toBe(1);
    expect(v('satcast_last_prediction_timestamp_seconds', { horizon: '1h' })).toBe((replay.at(-1)!.openTime + HOUR) / 1000);
    expect(Math.abs(v('satcast_source_anomaly_zscore', { source: 'csv', series: 'BTCUSDT:1h:return' })!)).toBeLessThan(2.5);
    const psi = m.samples('satcast_feature_drift_psi');
    const ks = m.samples('satcast_feature_drift_ks_pvalue');
    expect(psi.length).toBeGreaterThan(50);
    expect(ks.length).toBe(psi.length);
    for (const s of psi) expect(s.value).toBeGreaterThanOrEqual(0);
    for (const s of ks) expect(s.value >= 0 && s.value <= 1).toBe(true);
    expect(psi.every((s) => s.labels.set === 'ta' || s.labels.set === 'unknown')).toBe(true);
    // Histogram invariants on the confidence distribution: cumulative buckets, +Inf = count.
    const buckets = m.samples('satcast_prediction_confidence_bucket').filter((s) => s.labels.horizon === '1h');
    for (let k = 1; k < buckets.length; k++) expect(buckets[k]!.value).toBeGreaterThanOrEqual(buckets[k - 1]!.value);
    expect(buckets.at(-1)!.labels.le).toBe('+Inf');
    expect(buckets.at(-1)!.value).toBe(v('satcast_prediction_confidence_count', { horizon: '1h' }));
    expect(v('satcast_prediction_confidence_count', { horizon: '1h' })).toBeGreaterThanOrEqual(N);
  });
});

describe('alerting actions and channels (engine driven directly)', () => {
  const start = async (notifiers: unknown[]) => {
    const dir = tempDir();
    const config = testConfig(dir, join(dir, 'unused.csv.gz'), { notifiers: notifiers as never, alerting: { checkEveryMs: 0 } });
    const store = await createStore({ url: `file:${join(dir, 'store.db')}` });
    const channels = await Channels.create(config, store, quietLog, new AbortController().signal);
    const cache = createCache();
    const service = new AlertingService({ config, store, cache, log: quietLog, metrics: createAlertingMetrics(new Registry()), channels, sources: () => [] });
    // A second process on the same store and cache, resuming from the saved state.
    const restart = async () => new AlertingService({ config, store, cache, log: quietLog, metrics: createAlertingMetrics(new Registry()), channels, sources: () => [], initialState: await cache.get(STATE_KEY) });
    return { store, service, channels, restart };
  };
  const low = (value: number) => ({ confidence: [{ horizon: '1h', value }] });
  const coverage = (coverage90: number) => ({ coverage: [{ model: 'ewma-band', horizon: '24h', coverage90, n: 200 }] });

  it('retrain: the hook runs once per fire, the action is audited, and unconfigured channels are recorded with the reason', async () => {
    delete process.env.SATCAST_SLACK_WEBHOOK_URL;
    const { store, service, channels } = await start([{ plugin: 'slack', options: {} }]);
    const seen: string[] = [];
    service.on('retrain', (a, event) => void seen.push(`${event}:${a.dedupKey}`));
    for (let t = 1; t <= 5; t++) await service.evaluate(coverage(0.8), t * HOUR);
    await service.idle();
    expect(seen).toEqual(['fire:accuracy-degradation:horizon=24h,model=ewma-band']);
    expect(service.flags.retrainRequested).toBe(3 * HOUR);
    expect((await store.listAudit({ limit: 100 })).map((e) => e.action)).toEqual(['alert.action.retrain']);
    const recs = service.recentDeliveries();
    expect(recs.map((r) => [r.channel, r.outcome]).sort()).toEqual([['email', 'no-channel'], ['slack', 'no-channel'], ['sms', 'no-channel']]);
    expect(recs.find((r) => r.channel === 'slack')!.error).toMatch(/misconfigured: .*SATCAST_SLACK_WEBHOOK_URL/);
    expect(recs.find((r) => r.channel === 'sms')!.error).toMatch(/no notifier configured for channel "sms"/);
    const slack = (await channels.status()).find((c) => c.name === 'slack')!;
    expect(slack).toMatchObject({ ok: false, plugin: 'slack' });
    await store.close();
  });

  it('raise-update-frequency: the flag is up while low confidence fires and down after it resolves; the alert lands on the dashboard', async () => {
    const { store, service } = await start([]);
    const flags: boolean[] = [];
    for (const [t, v] of [0.6, 0.6, 0.6, 0.71, 0.8, 0.8, 0.8].entries()) {
      await service.evaluate(low(v), (t + 1) * HOUR);
      flags.push(service.flags.raiseUpdateFrequency);
    }
    await service.idle();
    // Fires on the 3rd breach; 0.71 is in the dead band (no progress), then 3 clears resolve it.
    expect(flags).toEqual([false, false, true, true, true, true, false]);
    const stored = await store.listAlerts({ limit: 10 });
    expect(stored.map((a) => [a.rule, a.status])).toEqual([['low-confidence', 'resolved']]);
    expect(service.recentDeliveries().map((r) => [r.channel, r.outcome, r.status])).toEqual([['dashboard', 'delivered', 'resolved'], ['dashboard', 'delivered', 'firing']]);
    await store.close();
  });

  it('between predictions, the periodic check extrapolates the data clock by wall time: a stalled feed goes stale', async () => {
    const dir = tempDir();
    const config = testConfig(dir, join(dir, 'unused.csv.gz'), { alerting: { checkEveryMs: 0 } });
    const store = await createStore({ url: `file:${join(dir, 'store.db')}` });
    const channels = await Channels.create(config, store, quietLog, new AbortController().signal);
    let wall = 1_000_000;
    const lastBar = Date.UTC(2024, 2, 31, 10);
    const service = new AlertingService({ config, store, cache: createCache(), log: quietLog, metrics: createAlertingMetrics(new Registry()), channels, sources: () => [{ id: 'csv', lastEventTime: lastBar, errors: 0 }], wallClock: () => wall });
    const p = { asset: 'BTCUSDT', horizon: '1h', issuedAt: lastBar + HOUR, confidence: 0.9 } as never;
    await service.onPredictions([p]);
    const firing = () => service.engine.active().map((a) => a.dedupKey);
    // Predicted at 11:00 from the 10:00 bar; the next bar is due at 12:00, so with the 1 h grace the source is
    // stale after 13:00 on the data clock: checks at 11:30 and 12:30 pass, 13:30 breaches, 14:30 fires.
    for (const h of [0.5, 1.5, 2.5]) {
      wall = 1_000_000 + h * HOUR;
      await service.check();
    }
    expect(firing()).toEqual([]);
    wall = 1_000_000 + 3.5 * HOUR;
    await service.check();
    expect(firing()).toEqual(['system-failure:component=source:csv']);
    await service.idle();
    await store.close();
  });

  it('a restarted service resumes the saved state: no second fire, and the resolve keeps the original alert id', async () => {
    const { store, service, restart } = await start([]);
    for (let t = 1; t <= 3; t++) await service.evaluate(low(0.6), t * HOUR);
    await service.idle();
    const again = await restart();
    for (let t = 4; t <= 8; t++) await again.evaluate(low(t < 6 ? 0.6 : 0.9), t * HOUR);
    await again.idle();
    expect(again.counts).toMatchObject({ fired: 0, resolved: 1 });
    const stored = await store.listAlerts({ limit: 10 });
    expect(stored.map((a) => [a.id, a.status])).toEqual([[`low-confidence:horizon=1h:${3 * HOUR}`, 'resolved']]);
    await store.close();
  });
});
