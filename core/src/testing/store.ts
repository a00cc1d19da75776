import { AUDIT_GENESIS_HASH, auditEntryHash, canonicalJson, verifyAuditChain } from '../audit.js';
import { afterEach, beforeEach, describe, expect } from 'vitest';
import type { AuditEntry, ModelVersionRow, Store, StoredAuditEntry } from '../interfaces/store.js';
import type { Alert } from '../schemas/alert.js';
import type { ModelCard } from '../schemas/model-card.js';
import type { Observation } from '../schemas/observation.js';
import type { Prediction } from '../schemas/prediction.js';
import { DAY, HOUR, type Horizon } from '../time.js';
import { registerAccessTests } from './store-access.js';
import { STORE_T0, sampleCandles, sampleOutcome, samplePrediction } from './store-fixtures.js';
import { caseFor, type SuiteOptions } from './suite.js';

export interface StoreSuiteContext {
  store: Store;
}

export interface StoreSuiteOptions extends SuiteOptions<StoreSuiteContext> {
  /** Adapter name shown in the suite title, e.g. `libsql (:memory:)`. */
  name: string;
  /** Returns a fresh, empty, migrated store on every call: each test gets its own and closes it. */
  create: () => Promise<Store>;
}

/** Error an invalid batch must raise: a `VALIDATION` error whose `field` starts with the row index. */
async function expectRowRejected(p: Promise<unknown>, row: number, field: string): Promise<void> {
  const err = (await p.then(() => undefined, (e: unknown) => e)) as { code?: string; field?: string; message?: string } | undefined;
  expect(err, 'the batch should have been rejected').toBeDefined();
  expect(err!.code).toBe('VALIDATION');
  expect(err!.field).toBe(`${row}.${field}`);
  expect(err!.message).toContain(`row ${row}`);
}

const sortBy = <T>(xs: T[], key: (x: T) => string) => [...xs].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
const predKey = (p: Pick<Prediction, 'horizon' | 'issuedAt' | 'modelVersion'>) => `${p.issuedAt}|${p.horizon}|${p.modelVersion}`;

/**
 * The store contract every `adapters/store-*` passes. Orders it fixes where the interface is silent:
 * time series (candles, observations, feature vectors, outcomes) ascending; `listPredictions` ascending
 * unless `order: 'desc'`; quarantine and alerts newest first; audit by `seq`. Without `asOf`,
 * `getObservations` returns the latest revision of each eventTime.
 * @example
 * testStore({ name: 'libsql (:memory:)', create: () => createStore({ url: ':memory:' }) });
 */
export function testStore(opts: StoreSuiteOptions): void {
  const test = caseFor(opts.skip);
  let store: Store;

  describe(`store contract: ${opts.name}`, () => {
    beforeEach(async () => {
      store = await opts.create();
    });
    afterEach(async () => {
      await store?.close();
    });

    registerCandleTests(test, () => store);
    registerRecordTests(test, () => store);
    registerPredictionTests(test, () => store);
    registerRegistryAndAuditTests(test, () => store);
    registerAccessTests(test, () => store);

    opts.additionalTests?.(() => ({ store }));
  });
}

type Case = ReturnType<typeof caseFor>;

function registerCandleTests(test: Case, s: () => Store): void {
  const key = { symbol: 'BTCUSDT', interval: '1h' as const };

  test('upsertCandles inserts new bars and getCandles returns them ascending', async () => {
    expect(await s().upsertCandles([])).toEqual({ inserted: 0, updated: 0, unchanged: 0 });
    const bars = sampleCandles(48, { source: 'binance' });
    expect(await s().upsertCandles(bars)).toEqual({ inserted: 48, updated: 0, unchanged: 0 });
    expect(await s().countCandles(key)).toBe(48);
    expect(await s().getCandles(key)).toEqual(bars);
  });

  test('re-upserting the same candles reports unchanged and keeps the count', async () => {
    const bars = sampleCandles(48);
    await s().upsertCandles(bars);
    expect(await s().upsertCandles(bars.map((b) => ({ ...b })))).toEqual({ inserted: 0, updated: 0, unchanged: 48 });
    expect(await s().countCandles(key)).toBe(48);
  });

  test('a revised bar reports updated and its new values are stored', async () => {
    const bars = sampleCandles(24);
    await s().upsertCandles(bars);
    const last = bars[23]!;
    const revised = { ...last, close: last.high, volume: last.volume + 12.5 };
    const next = sampleCandles(1, { start: last.openTime + HOUR, price: revised.close, seed: 9 })[0]!;
    expect(await s().upsertCandles([...bars.slice(0, 23), revised, next])).toEqual({ inserted: 1, updated: 1, unchanged: 23 });
    expect(await s().getCandles({ ...key, from: last.openTime, to: last.openTime })).toEqual([revised]);
  });

  test('duplicate keys within one batch: the last row wins', async () => {
    const [a] = sampleCandles(1);
    await s().upsertCandles([a!, { ...a!, close: a!.low }]);
    expect((await s().getCandles(key))[0]!.close).toBe(a!.low);
    expect(await s().countCandles(key)).toBe(1);
  });

  test('getCandles honours inclusive from/to, order, limit and series isolation', async () => {
    const bars = sampleCandles(48);
    await s().upsertCandles([...bars, ...sampleCandles(10, { symbol: 'ETHUSDT', price: 3400 }), ...sampleCandles(10, { interval: '4h' })]);
    const t = (i: number) => bars[i]!.openTime;
    expect(await s().getCandles({ ...key, from: t(10), to: t(20) })).toEqual(bars.slice(10, 21));
    expect(await s().getCandles({ ...key, from: t(40) })).toEqual(bars.slice(40));
    expect(await s().getCandles({ ...key, to: t(2) })).toEqual(bars.slice(0, 3));
    expect(await s().getCandles({ ...key, order: 'desc' })).toEqual([...bars].reverse());
    expect(await s().getCandles({ ...key, order: 'desc', limit: 5 })).toEqual(bars.slice(43).reverse());
    expect(await s().getCandles({ ...key, limit: 3 })).toEqual(bars.slice(0, 3));
    expect(await s().getCandles({ ...key, from: t(47) + HOUR })).toEqual([]);
    expect(await s().countCandles({ symbol: 'ETHUSDT', interval: '1h' })).toBe(10);
    expect(await s().countCandles({ symbol: 'BTCUSDT', interval: '4h' })).toBe(10);
    expect(await s().countCandles({ symbol: 'SOLUSDT', interval: '1h' })).toBe(0);
  });

  test('latestCandleTime returns the newest open time, or undefined when empty', async () => {
    expect(await s().latestCandleTime(key)).toBeUndefined();
    const bars = sampleCandles(30);
    await s().upsertCandles([...bars.slice(20), ...bars.slice(0, 20)]);
    expect(await s().latestCandleTime(key)).toBe(bars[29]!.openTime);
    expect(await s().latestCandleTime({ ...key, interval: '4h' })).toBeUndefined();
  });

  test('a batch with one invalid row is rejected whole and stored rows stay intact', async () => {
    const bars = sampleCandles(10);
    await s().upsertCandles(bars);
    const bad = { ...bars[5]!, high: bars[5]!.low - 1 };
    const batch = [{ ...bars[0]!, close: bars[0]!.high }, ...sampleCandles(2, { start: bars[9]!.openTime + HOUR, seed: 3 }), bad];
    await expectRowRejected(s().upsertCandles(batch), 3, 'high');
    await expectRowRejected(s().upsertCandles([bars[1]!, { ...bars[1]!, openTime: bars[1]!.openTime + 1 }]), 1, 'openTime');
    expect(await s().getCandles(key)).toEqual(bars);
  });
}

function registerRecordTests(test: Case, s: () => Store): void {
  const fg = (eventTime: number, availableAt: number, value: number, extra: Partial<Observation> = {}): Observation => ({
    source: 'fear-greed', series: 'fear_greed', eventTime, availableAt, value, schemaVersion: 1, ...extra,
  });

  test('observations keep revisions; asOf returns the latest revision public at that time', async () => {
    const [d0, d1, d2] = [STORE_T0, STORE_T0 + DAY, STORE_T0 + 2 * DAY];
    const rows = [
      fg(d0, d0 + HOUR, 50, { attrs: { classification: 'Neutral' } }),
      fg(d0, d0 + 2 * DAY, 52, { attrs: { classification: 'Neutral', revised: true } }),
      fg(d1, d1 + HOUR, 40),
      fg(d2, d2 + HOUR, 73, { attrs: { classification: 'Greed' }, schemaVersion: 2 }),
      { ...fg(d0, d0 + HOUR, 3.5), source: 'fred', series: 'DGS10' },
    ];
    expect(await s().upsertObservations(rows)).toEqual({ inserted: 5, updated: 0, unchanged: 0 });
    const q = { source: 'fear-greed', series: 'fear_greed' };
    expect(await s().getObservations({ ...q, asOf: d0 })).toEqual([]);
    expect(await s().getObservations({ ...q, asOf: d1 + 2 * HOUR })).toEqual([rows[0], rows[2]]);
    expect(await s().getObservations({ ...q, asOf: d2 + DAY })).toEqual([rows[1], rows[2], rows[3]]);
    expect(await s().getObservations(q)).toEqual([rows[1], rows[2], rows[3]]);
    expect(await s().getObservations({ ...q, fromEventTime: d1, toEventTime: d1 })).toEqual([rows[2]]);
    expect(await s().upsertObservations(rows)).toEqual({ inserted: 0, updated: 0, unchanged: 5 });
    expect(await s().upsertObservations([{ ...rows[2]!, value: 41 }])).toEqual({ inserted: 0, updated: 1, unchanged: 0 });
    await expectRowRejected(s().upsertObservations([fg(d2, d2 + DAY, 1), fg(d2, d2 - HOUR, 1)]), 1, 'availableAt');
    expect(await s().getObservations({ ...q, fromEventTime: d2 })).toEqual([rows[3]]);
  });

  test('quarantine stores rejected records with their payload; list and count by source', async () => {
    const rows = [
      { source: 'binance', kind: 'candle', reason: 'high < low', payload: { t: STORE_T0, o: '60000.1', h: '59000', nested: [1, null, 'x'] }, receivedAt: STORE_T0 + 5 },
      { source: 'csv', kind: 'candle', reason: 'unparseable line 12', payload: '2024-07-01,abc,,', receivedAt: STORE_T0 + 6 },
      { source: 'binance', kind: 'message', reason: 'unknown event type', payload: { e: 'trade' }, receivedAt: STORE_T0 + 7 },
    ];
    expect(await s().quarantine(rows)).toBe(3);
    expect(await s().countQuarantine()).toBe(3);
    expect(await s().countQuarantine({ source: 'binance' })).toBe(2);
    const all = await s().listQuarantine();
    expect(all.map(({ id: _id, ...r }) => r)).toEqual([rows[2], rows[1], rows[0]]);
    expect(new Set(all.map((r) => r.id)).size).toBe(3);
    expect((await s().listQuarantine({ source: 'binance', limit: 1 })).map((r) => r.reason)).toEqual(['unknown event type']);
  });

  test('feature vectors roundtrip with null values and upsert idempotently', async () => {
    const rows = [0, 1, 2, 3].map((i) => ({ asset: 'BTCUSDT', time: STORE_T0 + i * HOUR, values: { ret_1h: 0.0012 * i, rsi_14: i === 0 ? null : 48.5 + i, fear_greed: 55 } }));
    expect(await s().putFeatureVectors(rows)).toEqual({ inserted: 4, updated: 0, unchanged: 0 });
    expect(await s().getFeatureVectors({ asset: 'BTCUSDT' })).toEqual(rows);
    expect(await s().getFeatureVectors({ asset: 'BTCUSDT', from: rows[1]!.time, to: rows[2]!.time })).toEqual(rows.slice(1, 3));
    expect(await s().getFeatureVectors({ asset: 'BTCUSDT', limit: 2 })).toEqual(rows.slice(0, 2));
    expect(await s().getFeatureVectors({ asset: 'ETHUSDT' })).toEqual([]);
    const changed = { ...rows[3]!, values: { ...rows[3]!.values, rsi_14: null } };
    expect(await s().putFeatureVectors([...rows.slice(0, 3), changed])).toEqual({ inserted: 0, updated: 1, unchanged: 3 });
    await expectRowRejected(s().putFeatureVectors([{ ...rows[0]!, values: { x: Number.NaN } }]), 0, 'values.x');
    expect((await s().getFeatureVectors({ asset: 'BTCUSDT' }))[0]).toEqual(rows[0]);
  });
}

function registerPredictionTests(test: Case, s: () => Store): void {
  const horizons: Horizon[] = ['1h', '4h', '24h'];
  const grid = (hours: number, models: string[]) =>
    Array.from({ length: hours }, (_, i) => i).flatMap((i) =>
      horizons.flatMap((h) =>
        models.map((m) => {
          const [model, version] = m.split('@');
          return samplePrediction({ horizon: h, issuedAt: STORE_T0 + i * HOUR, model, version, lastPrice: 60_000 + i * 25 });
        }),
      ),
    );

  test('putPredictions is idempotent and latestPredictions returns the newest per horizon', async () => {
    const preds = grid(4, ['gbdt@3']);
    expect(await s().putPredictions(preds)).toEqual({ inserted: 12, updated: 0, unchanged: 0 });
    expect(await s().putPredictions(preds)).toEqual({ inserted: 0, updated: 0, unchanged: 12 });
    const newest = preds.filter((p) => p.issuedAt === STORE_T0 + 3 * HOUR);
    expect(sortBy(await s().latestPredictions({ asset: 'BTCUSDT' }), predKey)).toEqual(sortBy(newest, predKey));
    expect(await s().latestPredictions({ asset: 'BTCUSDT', horizon: '4h' })).toEqual(newest.filter((p) => p.horizon === '4h'));
    const revised = { ...newest[0]!, point: newest[0]!.point + 10, metadata: { note: 'recalibrated' } };
    expect(await s().putPredictions([revised])).toEqual({ inserted: 0, updated: 1, unchanged: 0 });
    expect(await s().latestPredictions({ asset: 'BTCUSDT', horizon: revised.horizon })).toEqual([revised]);
    expect(await s().latestPredictions({ asset: 'ETHUSDT' })).toEqual([]);
  });

  test('latestPredictions filters by model name, the part of modelVersion before @', async () => {
    const old = samplePrediction({ model: 'gbdt', version: '3', issuedAt: STORE_T0 });
    const lite = samplePrediction({ model: 'gbdt-lite', version: '1', issuedAt: STORE_T0 + HOUR });
    const ens = samplePrediction({ model: 'ensemble', version: '7', issuedAt: STORE_T0 + 2 * HOUR });
    await s().putPredictions([old, lite, ens]);
    expect(await s().latestPredictions({ asset: 'BTCUSDT', model: 'gbdt' })).toEqual([old]);
    expect(await s().latestPredictions({ asset: 'BTCUSDT', horizon: '1h', model: 'ensemble' })).toEqual([ens]);
    expect(await s().latestPredictions({ asset: 'BTCUSDT', model: 'forest' })).toEqual([]);
  });

  test('listPredictions pages with a cursor, without duplicates or gaps', async () => {
    const preds = grid(10, ['gbdt@3', 'ensemble@1']);
    await s().putPredictions(preds);
    for (const order of ['asc', 'desc'] as const) {
      for (const filter of [{}, { model: 'gbdt' }, { horizon: '4h' as const }, { from: STORE_T0 + 2 * HOUR, to: STORE_T0 + 6 * HOUR }]) {
        const seen: Prediction[] = [];
        let cursor: string | undefined;
        for (let page = 0; page < 100; page++) {
          const res = await s().listPredictions({ asset: 'BTCUSDT', ...filter, order, limit: 7, cursor });
          expect(res.items.length).toBeLessThanOrEqual(7);
          seen.push(...res.items);
          cursor = res.nextCursor;
          if (!cursor) break;
        }
        const want = preds.filter(
          (p) =>
            (!('model' in filter) || p.modelVersion.startsWith('gbdt@')) &&
            (!('horizon' in filter) || p.horizon === filter.horizon) &&
            (!('from' in filter) || (p.issuedAt >= filter.from! && p.issuedAt <= filter.to!)),
        );
        expect(seen.length, `${order} ${JSON.stringify(filter)}`).toBe(want.length);
        expect(sortBy(seen, predKey)).toEqual(sortBy(want, predKey));
        const times = seen.map((p) => p.issuedAt);
        expect(times).toEqual([...times].sort((a, b) => (order === 'asc' ? a - b : b - a)));
      }
    }
  });

  test('unscoredPredictions returns due predictions without an outcome', async () => {
    const preds = [0, 1, 2, 3, 4, 5].flatMap((i) => (['1h', '24h'] as const).map((h) => samplePrediction({ horizon: h, issuedAt: STORE_T0 + i * HOUR })));
    await s().putPredictions(preds);
    const asOf = STORE_T0 + 4 * HOUR;
    const due = preds.filter((p) => p.targetTime <= asOf);
    expect(due).toHaveLength(4);
    expect(await s().unscoredPredictions({ asset: 'BTCUSDT', asOf })).toEqual(due);
    await s().putOutcomes([sampleOutcome(due[1]!)]);
    expect(await s().unscoredPredictions({ asset: 'BTCUSDT', asOf })).toEqual([due[0], due[2], due[3]]);
    expect(await s().unscoredPredictions({ asset: 'BTCUSDT', asOf, limit: 2 })).toEqual([due[0], due[2]]);
  });

  test('outcomes roundtrip, upsert idempotently and filter by horizon, model and issuedAt', async () => {
    const preds = grid(3, ['gbdt@3', 'ensemble@1']);
    const outs = preds.map((p, i) => sampleOutcome(p, p.lastPrice + (i % 3) * 40 - 40));
    expect(await s().putOutcomes(outs)).toEqual({ inserted: 18, updated: 0, unchanged: 0 });
    expect(await s().putOutcomes(outs)).toEqual({ inserted: 0, updated: 0, unchanged: 18 });
    expect(await s().putOutcomes([{ ...outs[0]!, pinball: 3.25 }])).toEqual({ inserted: 0, updated: 1, unchanged: 0 });
    outs[0] = { ...outs[0]!, pinball: 3.25 };
    const got = await s().listOutcomes({ asset: 'BTCUSDT' });
    expect(sortBy(got, predKey)).toEqual(sortBy(outs, predKey));
    expect(got.map((o) => o.issuedAt)).toEqual([...got.map((o) => o.issuedAt)].sort((a, b) => a - b));
    expect(sortBy(await s().listOutcomes({ asset: 'BTCUSDT', horizon: '24h', model: 'ensemble', from: STORE_T0 + HOUR, to: STORE_T0 + 2 * HOUR }), predKey))
      .toEqual(sortBy(outs.filter((o) => o.horizon === '24h' && o.modelVersion === 'ensemble@1' && o.issuedAt >= STORE_T0 + HOUR), predKey));
    expect(await s().listOutcomes({ asset: 'BTCUSDT', limit: 4 })).toHaveLength(4);
  });

  test('an invalid prediction or outcome rejects its whole batch', async () => {
    const ok = samplePrediction();
    const bad = { ...samplePrediction({ issuedAt: STORE_T0 + HOUR }), quantiles: { ...ok.quantiles, p05: ok.quantiles.p95 + 1 } };
    await expectRowRejected(s().putPredictions([ok, bad]), 1, 'quantiles');
    await expectRowRejected(s().putOutcomes([sampleOutcome(ok), { ...sampleOutcome(ok), realized: -1 }]), 1, 'realized');
    expect(await s().listPredictions({ asset: 'BTCUSDT' })).toEqual({ items: [] });
    expect(await s().listOutcomes({ asset: 'BTCUSDT' })).toEqual([]);
  });
}

function registerRegistryAndAuditTests(test: Case, s: () => Store): void {
  const card = (name: string, version: string, createdAt: number): ModelCard => ({
    name, version, createdAt, horizons: ['1h', '4h'], format: 'json', features: ['ret_1h', 'rsi_14'],
    dataRange: { from: STORE_T0 - 365 * DAY, to: STORE_T0 }, params: { depth: 6, lr: 0.05 },
    validation: { '1h': { mae: 120.5, persistence_mae: 131.25 } }, artifactSha256: 'ab'.repeat(32),
  });

  test('model versions roundtrip, replace on put and change stage', async () => {
    const v3: ModelVersionRow = { card: card('gbdt', '3', STORE_T0), artifactUri: 'models/gbdt/3/model.json', stage: 'challenger' };
    const v2: ModelVersionRow = { card: card('gbdt', '2', STORE_T0 - DAY), artifactUri: 'models/gbdt/2/model.json', stage: 'champion' };
    const lin: ModelVersionRow = { card: card('linear', '1', STORE_T0), artifactUri: 'models/linear/1/model.json', stage: 'none' };
    for (const r of [v3, v2, lin]) await s().putModelVersion(r);
    expect(await s().getModelVersion('gbdt', '3')).toEqual(v3);
    expect(await s().getModelVersion('gbdt', '9')).toBeUndefined();
    await s().setModelStage('gbdt', '3', 'champion');
    await s().setModelStage('gbdt', '2', 'archived');
    expect((await s().getModelVersion('gbdt', '3'))!.stage).toBe('champion');
    await s().putModelVersion({ ...lin, artifactUri: 'models/linear/1/model.v2.json' });
    const gbdt = sortBy(await s().listModelVersions({ name: 'gbdt' }), (r) => r.card.version);
    expect(gbdt.map((r) => [r.card.version, r.stage])).toEqual([['2', 'archived'], ['3', 'champion']]);
    expect(await s().listModelVersions()).toHaveLength(3);
    expect((await s().getModelVersion('linear', '1'))!.artifactUri).toBe('models/linear/1/model.v2.json');
    const err = await s().setModelStage('gbdt', '9', 'champion').then(() => undefined, (e: { code?: string }) => e);
    expect(err?.code).toBe('NOT_FOUND');
  });

  test('alerts upsert on (rule, dedupKey, createdAt), list newest first and filter by status', async () => {
    const a = (createdAt: number, over: Partial<Alert> = {}): Alert => ({
      id: `low-confidence-${createdAt}`, rule: 'low-confidence', severity: 'warning', status: 'firing', dedupKey: 'low-confidence:BTCUSDT:1h',
      title: 'Low prediction confidence', message: '1h confidence 0.52 below 0.70', createdAt, labels: { asset: 'BTCUSDT', horizon: '1h' }, ...over,
    });
    const rows = [a(STORE_T0), a(STORE_T0 + HOUR), a(STORE_T0 + 2 * HOUR, { rule: 'drift', dedupKey: 'drift:gbdt', severity: 'critical', labels: {} })];
    expect(await s().putAlerts(rows)).toEqual({ inserted: 3, updated: 0, unchanged: 0 });
    expect(await s().putAlerts([{ ...rows[0]!, status: 'resolved' }, rows[1]!])).toEqual({ inserted: 0, updated: 1, unchanged: 1 });
    expect(await s().listAlerts()).toEqual([rows[2], rows[1], { ...rows[0], status: 'resolved' }]);
    expect(await s().listAlerts({ status: 'firing', limit: 1 })).toEqual([rows[2]]);
    expect(await s().listAlerts({ status: 'resolved' })).toHaveLength(1);
  });

  test('audit log is an append-only sha256 hash chain', async () => {
    const entries: AuditEntry[] = [
      { at: STORE_T0, actor: 'system', action: 'start' },
      { at: STORE_T0 + 1000, actor: 'admin', action: 'promote', target: 'gbdt@3', detail: { from: 'challenger', to: 'champion', gates: { mae: true } } },
      { at: STORE_T0 + 2000, actor: 'scheduler', action: 'retrain', target: 'gbdt', detail: { reason: 'drift', rows: 68_869 } },
    ];
    const stored: StoredAuditEntry[] = [];
    for (const e of entries) stored.push(await s().appendAudit(e));
    expect(stored[0]!.prevHash).toBe(AUDIT_GENESIS_HASH);
    expect(stored.map(({ seq: _q, prevHash: _p, hash: _h, ...e }) => e)).toEqual(entries);
    const all = await s().listAudit();
    expect(all).toEqual(stored);
    expect(await verifyAuditChain(all)).toBeNull();
    expect(await s().listAudit({ afterSeq: stored[0]!.seq, limit: 1 })).toEqual([stored[1]]);
    // The check is meaningful: editing any content breaks it.
    const tampered = all.map((e, i) => (i === 1 ? { ...e, detail: { ...e.detail, to: 'archived' } } : e));
    expect(await verifyAuditChain(tampered)).toMatch(/entry 1/);
  });

  test('concurrent audit appends still form one valid chain', async () => {
    await Promise.all(Array.from({ length: 12 }, (_, i) => s().appendAudit({ at: STORE_T0 + i, actor: `worker-${i % 3}`, action: 'score', detail: { i } })));
    const all = await s().listAudit();
    expect(all).toHaveLength(12);
    expect(await verifyAuditChain(all)).toBeNull();
  });
}

export { AUDIT_GENESIS_HASH, auditEntryHash, canonicalJson, verifyAuditChain };
export { STORE_T0, sampleCandles, sampleOutcome, samplePrediction };
