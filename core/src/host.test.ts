import { describe, expect, it } from 'vitest';
import { RateLimitedError, UnavailableError, PluginError } from './errors.js';
import { sendWithRetry, type Notifier } from './plugins/notifier.js';
import { subscribeAny, checkForecasts } from './plugins/host.js';
import { createPluginContext } from './plugins/context.js';
import { sampleAlert } from './testing/notifier.js';
import type { DataSource, SourceBatch } from './plugins/data-source.js';

const policy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 1000 };

function flaky(failures: unknown[]): Notifier & { calls: number } {
  const n = {
    calls: 0,
    async send() {
      const err = failures[n.calls++];
      if (err) throw err;
      return { id: `delivered-${n.calls}` };
    },
  };
  return n;
}

describe('sendWithRetry', () => {
  it('retries retryable errors with capped exponential backoff and delivers once', async () => {
    const waits: number[] = [];
    const n = flaky([new UnavailableError('503'), new UnavailableError('503')]);
    const res = await sendWithRetry(n, policy, sampleAlert(), { sleep: async (ms) => void waits.push(ms), random: () => 1 });
    expect(res).toEqual({ id: 'delivered-3', attempts: 3 });
    expect(waits).toEqual([100, 200]);
  });

  it('honours a Retry-After hint, capped by maxDelayMs', async () => {
    const waits: number[] = [];
    const n = flaky([new RateLimitedError('429', { retryAfterMs: 700 }), new RateLimitedError('429', { retryAfterMs: 60_000 })]);
    await sendWithRetry(n, policy, sampleAlert(), { sleep: async (ms) => void waits.push(ms) });
    expect(waits).toEqual([700, 1000]);
  });

  it('does not retry permanent errors and stops after the budget', async () => {
    const permanent = flaky([new PluginError('400 bad payload')]);
    await expect(sendWithRetry(permanent, policy, sampleAlert(), { sleep: async () => {} })).rejects.toThrow(/400 bad payload/);
    expect(permanent.calls).toBe(1);
    const down = flaky(Array.from({ length: 10 }, () => new UnavailableError('down')));
    await expect(sendWithRetry(down, policy, sampleAlert(), { sleep: async () => {} })).rejects.toThrow(/down/);
    expect(down.calls).toBe(4);
  });
});

describe('subscribeAny', () => {
  it('emulates a subscription by polling fetchRange over the last window, and stops on close', async () => {
    const calls: { from: number; to: number }[] = [];
    const source: DataSource = { fetchRange: async (r) => (calls.push(r), { candles: [] }) };
    const batches: SourceBatch[] = [];
    const ctx = createPluginContext({ now: () => 1_000_000 });
    const sub = await subscribeAny(source, ctx, { pollMs: 5, windowMs: 500, onBatch: (b) => void batches.push(b) });
    await new Promise((r) => setTimeout(r, 40));
    await sub.close();
    const seen = calls.length;
    expect(seen).toBeGreaterThanOrEqual(2);
    expect(calls[0]).toEqual({ from: 999_500, to: 1_000_000 });
    await new Promise((r) => setTimeout(r, 30));
    expect(calls.length).toBe(seen);
  });

  it('prefers fetchLatest and reports errors without stopping', async () => {
    let n = 0;
    const errors: unknown[] = [];
    const source: DataSource = {
      fetchRange: async () => ({}),
      fetchLatest: async () => {
        if (n++ === 0) throw new UnavailableError('blip');
        return { observations: [] };
      },
    };
    const got: SourceBatch[] = [];
    const sub = await subscribeAny(source, createPluginContext(), { pollMs: 5, onBatch: (b) => void got.push(b), onError: (e) => void errors.push(e) });
    await new Promise((r) => setTimeout(r, 40));
    await sub.close();
    expect(errors).toHaveLength(1);
    expect(got.length).toBeGreaterThanOrEqual(1);
  });
});

describe('checkForecasts', () => {
  const ok = { point: 0, pUp: 0.5, quantiles: { p05: -0.02, p25: -0.01, p50: 0, p75: 0.01, p95: 0.02 } };
  it('rejects dropped rows, crossing quantiles, NaN and out-of-range pUp, naming the model', () => {
    expect(() => checkForecasts('m', 2, [ok])).toThrow(/\[m\] predict\(\) returned 1 forecasts for 2 rows/);
    expect(() => checkForecasts('m', 1, [{ ...ok, quantiles: { ...ok.quantiles, p25: 0.05 } }])).toThrow(/crossing/);
    expect(() => checkForecasts('m', 1, [{ ...ok, point: Number.NaN }])).toThrow(/non-finite/);
    expect(() => checkForecasts('m', 1, [{ ...ok, pUp: 1.2 }])).toThrow(/outside \[0, 1\]/);
    expect(checkForecasts('m', 1, [ok])).toHaveLength(1);
  });
});
