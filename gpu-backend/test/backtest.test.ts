/**
 * The walk-forward backtest: the whole-pipeline look-ahead guard (features, model fits and their scalers,
 * the served layer's adaptive band and pUp recalibration) and the report outputs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DAY, resolveConfig } from '@satcast/core';
import { loadBtcHourly } from '@satcast/data';
import { builtinRegistry } from '../src/plugins.js';
import { runBacktest } from '../src/backtest/run.js';
import { SERVED, type HorizonResult } from '../src/backtest/walk-forward.js';
import { issuedBy, quietLog, tempDir, writeCsv } from './helpers.js';

const registry = builtinRegistry();
const FROM = Date.UTC(2023, 11, 1);
const TO = Date.UTC(2024, 1, 1);
const CUT = Date.UTC(2024, 0, 10, 13);


function config(csv: string) {
  return resolveConfig(
    {
      sources: [{ plugin: 'csv', options: { path: csv } }],
      features: [{ plugin: 'ta' }, { plugin: 'time' }],
      // A tree model and a robust linear model beside the baselines: their binning, scaling, early stopping
      // and conformal/Platt calibration are inside the look-ahead guard too.
      models: [{ plugin: 'persistence' }, { plugin: 'ewma-band' }, { plugin: 'gbdt', options: { nEstimators: 40, maxTrainRows: 3000 } }, { plugin: 'huber' }],
      servedModel: 'gbdt',
      server: { port: 0 },
    },
    registry,
  );
}

const run = (csv: string, out?: string) =>
  runBacktest(config(csv), registry, { from: FROM, to: TO, refitDays: 7, warmupDays: 30, log: quietLog, out });


describe('backtest', () => {
  const dir = tempDir();
  const base = loadBtcHourly({ from: Date.UTC(2023, 5, 1), to: TO + 2 * DAY });
  const csv = writeCsv(dir, 'base.csv.gz', base);

  it('look-ahead: distorting every bar after T changes no forecast issued at or before T', async () => {
    // After T: prices scaled and shaken, volumes inflated, so features, fits, calibration and the served
    // layer all see different data after T.
    let k = 0;
    const distorted = base.map((c) => {
      if (c.openTime + 3_600_000 <= CUT) return c;
      const f = 1.4 + 0.2 * Math.sin(k++);
      const o = c.open * f, cl = c.close * f * 1.01;
      return { ...c, open: o, close: cl, high: Math.max(o, cl, c.high * f * 1.02), low: Math.min(o, cl, c.low * f * 0.97), volume: c.volume * 3 };
    });
    const a = await run(csv);
    const b = await run(writeCsv(dir, 'distorted.csv.gz', distorted));
    const before = issuedBy(a.results, CUT);
    expect(issuedBy(b.results, CUT)).toEqual(before);
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['1h:satcast', '24h:ewma-band', '4h:persistence', '1h:gbdt', '24h:huber']));
    for (const rows of Object.values(before)) expect(rows.length).toBeGreaterThan(200);
    // Control: the distortion does change what is issued after T (the guard can fail).
    const after = (res: HorizonResult[]) => res.find((r) => r.horizon === '1h')!.byModel[SERVED]!.point.filter((_, i) => res[0]!.issuedAt[i]! > CUT + DAY);
    expect(after(b.results)).not.toEqual(after(a.results));
  }, 300_000);

  it('writes metrics.json with every required score per horizon and model, and a self-contained report', async () => {
    const out = join(dir, 'report');
    await run(csv, out);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(Object.keys(metrics)).toEqual(['1h', '4h', '24h']);
    for (const h of ['1h', '4h', '24h']) {
      expect(Object.keys(metrics[h])).toEqual(expect.arrayContaining(['persistence', 'ewma-band', 'gbdt', 'huber', SERVED]));
      for (const m of Object.values(metrics[h]) as Record<string, unknown>[]) {
        for (const key of ['n', 'mae', 'rmse', 'maeSkillVsPersistence', 'dmPValueVsPersistence', 'hitRate', 'hitRateCI95', 'majorityRate', 'coverage90', 'coverage90ByVolTercile', 'width90', 'pinball', 'ece', 'highConfidence', 'mapeAccuracy']) {
          expect(m, key).toHaveProperty(key);
        }
        expect(m.coverage90ByVolTercile).toHaveLength(3);
        expect(m.n).toBeGreaterThan(1000);
      }
      expect(metrics[h].persistence.maeSkillVsPersistence).toBe(0);
      expect(metrics[h].persistence.dmPValueVsPersistence).toBeNull();
      // Honesty guard: direction over two months is near a coin flip; far above 60% means leakage.
      expect(metrics[h][SERVED].hitRate).toBeLessThan(0.6);
    }
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('Diebold-Mariano');
    expect(html).not.toMatch(/(src|href)=["']?https?:/);
    expect(html).not.toContain('<script');
  }, 300_000);

  it('rejects a range that is inverted or before the data', async () => {
    await expect(runBacktest(config(csv), registry, { from: TO, to: FROM, log: quietLog })).rejects.toThrow(/--to .* must be after --from/);
    await expect(runBacktest(config(csv), registry, { from: Date.UTC(2020, 0, 1), to: TO, log: quietLog })).rejects.toThrow(/before the first candle/);
  }, 300_000);
});
