import { beforeAll, afterAll, describe, expect } from 'vitest';
import { CandleSchema } from '../schemas/candle.js';
import { ObservationSchema } from '../schemas/observation.js';
import { PLUGIN_NAME_RE } from '../plugins/common.js';
import { createPluginContext, type PluginContext } from '../plugins/context.js';
import type { DataSource, DataSourceDefinition, FetchRangeRequest, SourceBatch } from '../plugins/data-source.js';
import { candleSequenceProblem } from './fixtures.js';
import { caseFor, type SuiteOptions } from './suite.js';

export interface DataSourceSuiteContext<O> {
  source: DataSource;
  options: O;
  def: DataSourceDefinition<O>;
}

export interface DataSourceSuiteOptions<O> extends SuiteOptions<DataSourceSuiteContext<O>> {
  plugin: DataSourceDefinition<O>;
  /** Raw options; parsed with the plugin's schema like the config loader does. */
  options: unknown;
  /** Range that the source has data for (fixtures or a fake server). */
  range: FetchRangeRequest;
  /** Options the schema must reject (each names a wrong field). */
  invalidOptions?: unknown[];
  ctx?: Partial<PluginContext>;
  /** For sources with `subscribe`: how long to wait for the first batch. */
  subscribeTimeoutMs?: number;
}

/**
 * The data-source contract: every source plugin runs this.
 * @example
 * testDataSource({ plugin: csv, options: { path }, range: { from: t0, to: t1 } });
 */
export function testDataSource<O>(opts: DataSourceSuiteOptions<O>): void {
  const { plugin: def } = opts;
  const test = caseFor(opts.skip);
  let source: DataSource;
  let options: O;
  let batch: SourceBatch;

  describe(`data source contract: ${def.name}`, () => {
    beforeAll(async () => {
      options = def.optionsSchema.parse(opts.options);
      source = await def.create(options, createPluginContext(opts.ctx));
      batch = await source.fetchRange(opts.range);
    });
    afterAll(async () => {
      await source?.close?.();
    });

    test('definition is well formed', () => {
      expect(def.kind).toBe('source');
      expect(def.name).toMatch(PLUGIN_NAME_RE);
      expect(def.apiVersion).toBe(1);
      expect(typeof def.capabilities.backfill).toBe('boolean');
      expect([false, 'native', 'emulated']).toContain(def.capabilities.realtime);
      expect(def.series(options).length).toBeGreaterThan(0);
      if (def.capabilities.realtime === 'native') expect(typeof source.subscribe).toBe('function');
    });

    test('rejects invalid options with a field path', () => {
      for (const bad of opts.invalidOptions ?? [{ __unknown_option__: true }]) {
        const res = def.optionsSchema.safeParse(bad);
        expect(res.success, `options ${JSON.stringify(bad)} should be rejected`).toBe(false);
      }
    });

    test('fetchRange returns schema-valid records inside the range', () => {
      const candles = batch.candles ?? [];
      const obs = batch.observations ?? [];
      expect(candles.length + obs.length).toBeGreaterThan(0);
      for (const c of candles) {
        expect(CandleSchema.safeParse(c).success, JSON.stringify(c)).toBe(true);
        expect(c.openTime).toBeGreaterThanOrEqual(opts.range.from);
        expect(c.openTime).toBeLessThan(opts.range.to);
      }
      for (const o of obs) {
        expect(ObservationSchema.safeParse(o).success, JSON.stringify(o)).toBe(true);
        expect(o.eventTime).toBeGreaterThanOrEqual(opts.range.from);
        expect(o.eventTime).toBeLessThan(opts.range.to);
      }
    });

    test('candles are ascending, unique and on the grid, of declared series', () => {
      const declared = def.series(options).filter((s) => s.kind === 'candles');
      const candles = batch.candles ?? [];
      if (candles.length === 0) return;
      for (const d of declared) {
        const mine = candles.filter((c) => c.symbol === d.symbol && c.interval === d.interval);
        expect(candleSequenceProblem(mine, d.interval)).toBeNull();
      }
      for (const c of candles) {
        expect(declared.some((d) => d.kind === 'candles' && d.symbol === c.symbol && d.interval === c.interval)).toBe(true);
      }
    });

    test('observations are of declared series and public no earlier than their period', () => {
      const declared = new Set(def.series(options).flatMap((s) => (s.kind === 'observations' ? [s.series] : [])));
      for (const o of batch.observations ?? []) {
        expect(declared.has(o.series), `undeclared series ${o.series}`).toBe(true);
        expect(o.availableAt).toBeGreaterThanOrEqual(o.eventTime);
      }
    });

    test('rejected records carry a reason and the raw payload', () => {
      for (const r of batch.rejected ?? []) {
        expect(r.reason.length).toBeGreaterThan(0);
        expect(r.source).toBe(def.name);
        expect('payload' in r).toBe(true);
      }
    });

    test('fetchRange is repeatable (same range, same records)', async () => {
      const again = await source.fetchRange(opts.range);
      expect(again.candles ?? []).toEqual(batch.candles ?? []);
      expect(again.observations ?? []).toEqual(batch.observations ?? []);
    });

    test('an empty range returns no records', async () => {
      const empty = await source.fetchRange({ from: opts.range.from, to: opts.range.from });
      expect((empty.candles ?? []).length + (empty.observations ?? []).length).toBe(0);
    });

    if (def.capabilities.realtime === 'native') {
      test(
        'subscribe delivers a valid batch and closes cleanly',
        async () => {
          let sub: { close(): Promise<void> } | undefined;
          const got = await new Promise<SourceBatch>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error('no batch before timeout')), opts.subscribeTimeoutMs ?? 5000);
            source
              .subscribe!({
                onBatch: (b) => {
                  clearTimeout(timer);
                  resolve(b);
                },
                onError: reject,
              })
              .then((s) => (sub = s), reject);
          });
          await sub?.close();
          for (const c of got.candles ?? []) expect(CandleSchema.safeParse(c).success).toBe(true);
        },
        (opts.subscribeTimeoutMs ?? 5000) + 2000,
      );
    }

    opts.additionalTests?.(() => ({ source, options, def }));
  });
}
