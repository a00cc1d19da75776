import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSatcast, type Satcast } from '../src/runner.js';
import { quietLog, tempDir, testConfig, writeCandlesCsv } from './helpers.js';

describe('redis cache', () => {
  it('keeps the latest predictions in Redis when configured', async () => {
    const dir = tempDir();
    const csv = writeCandlesCsv(dir, Date.UTC(2024, 0, 1), Date.UTC(2024, 1, 1));
    const cache = { adapter: 'redis' as const, url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' };
    const a = await startSatcast(testConfig(dir, csv, { cache }), { log: quietLog, live: false });
    try {
      const body = (await (await fetch(`${a.url}/api/v1/predictions`)).json()) as { predictions: { issuedAt: number }[] };
      expect(body.predictions).toHaveLength(3);
      expect((await a.cache.get<{ issuedAt: number }>('predictions:latest:BTCUSDT:1h'))!.issuedAt).toBe(body.predictions[0]!.issuedAt);
    } finally {
      await a.close();
    }
  }, 60_000);
});

describe('scheduler', () => {
  let sc: Satcast;
  beforeAll(async () => {
    const dir = tempDir();
    sc = await startSatcast(testConfig(dir, writeCandlesCsv(dir, Date.UTC(2024, 0, 1), Date.UTC(2024, 1, 1))), { log: quietLog, live: false, listen: false });
  }, 60_000);
  afterAll(() => sc?.close());

  it('schedules scoring, the source watchdog and the 03:00 UTC retrain slot', () => {
    const jobs = sc.scheduler.status();
    expect(jobs.map((j) => j.name)).toEqual(['score-outcomes', 'source-watchdog', 'retrain-slot']);
    const retrain = jobs.find((j) => j.name === 'retrain-slot')!;
    expect(retrain.nextRun).toMatch(/T03:00:00\.000Z$/);
    const next = Date.parse(jobs[0]!.nextRun!);
    expect(next - Date.now()).toBeLessThanOrEqual(60_000);
  });

  it('a run of the retrain slot is logged in the audit trail with its outcome', async () => {
    await sc.scheduler.trigger('retrain-slot');
    const audit = await sc.store.listAudit({ limit: 1000 });
    expect(audit.at(-1)).toMatchObject({ actor: 'scheduler', action: 'retrain.slot', detail: { outcome: expect.stringMatching(/skipped/) } });
    expect(sc.scheduler.status().find((j) => j.name === 'retrain-slot')).toMatchObject({ runs: 1, lastError: null });
  });

  it('the watchdog marks a source stale when no batch arrived for two bars', async () => {
    await sc.scheduler.trigger('source-watchdog');
    // The csv backfill ran at start (seconds ago): fresh.
    const health = (await (await sc.app.request('/api/v1/health')).json()) as { components: { sources: { stale: boolean }[]; scheduler: unknown[] } };
    expect(health.components.sources[0]!.stale).toBe(false);
    expect(health.components.scheduler).toHaveLength(3);
  });
});
