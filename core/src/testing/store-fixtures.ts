/** Realistic sample rows for store tests: hourly BTCUSDT candles, predictions and outcomes. */
import type { Candle } from '../schemas/candle.js';
import type { Outcome, Prediction } from '../schemas/prediction.js';
import { HORIZON_MS, HOUR, INTERVAL_MS, type Horizon, type Interval } from '../time.js';
import { seededRandom } from './fixtures.js';

/** 2024-07-01T00:00Z: every fixture time is on the hourly grid from here. */
export const STORE_T0 = 1_719_792_000_000;
/** `prevHash` of the first audit entry. */

/** Deterministic OHLCV bars on the grid: a random walk around `price` (BTC-like ~60000). */
export function sampleCandles(
  n: number,
  o: { symbol?: string; interval?: Interval; start?: number; price?: number; seed?: number; source?: string } = {},
): Candle[] {
  const interval = o.interval ?? '1h';
  const rnd = seededRandom(o.seed ?? 1);
  const out: Candle[] = [];
  let last = o.price ?? 60_000;
  for (let i = 0; i < n; i++) {
    const open = last;
    const close = Math.round(open * (1 + (rnd() - 0.5) * 0.01) * 100) / 100;
    const high = Math.round(Math.max(open, close) * (1 + rnd() * 0.003) * 100) / 100;
    const low = Math.round(Math.min(open, close) * (1 - rnd() * 0.003) * 100) / 100;
    const volume = Math.round(rnd() * 2_000_000) / 1000;
    const openTime = (o.start ?? STORE_T0) + i * INTERVAL_MS[interval];
    out.push({ symbol: o.symbol ?? 'BTCUSDT', interval, openTime, open, high, low, close, volume, ...(o.source ? { source: o.source } : {}) });
    last = close;
  }
  return out;
}

/** A valid prediction; `model` and `version` make `modelVersion` = `model@version`. */
export function samplePrediction(
  o: { horizon?: Horizon; issuedAt?: number; model?: string; version?: string; asset?: string; lastPrice?: number } = {},
): Prediction {
  const horizon = o.horizon ?? '1h';
  const issuedAt = o.issuedAt ?? STORE_T0;
  const lastPrice = o.lastPrice ?? 60_250.5;
  const point = Math.round(lastPrice * 1.0015 * 100) / 100;
  const w = lastPrice * 0.004 * Math.sqrt(HORIZON_MS[horizon] / HOUR);
  const pUp = 0.58;
  return {
    asset: o.asset ?? 'BTCUSDT', horizon, issuedAt, targetTime: issuedAt + HORIZON_MS[horizon], lastPrice, point,
    quantiles: { p05: point - 2 * w, p25: point - w / 2, p50: point, p75: point + w / 2, p95: point + 2 * w },
    pUp, confidence: pUp, conservative: true, modelVersion: `${o.model ?? 'gbdt'}@${o.version ?? '3'}`,
    metadata: { members: ['gbdt@3', 'linear@2'], regime: 'calm', weight: null },
  };
}

/** The realised outcome of `p` at price `realized`. */
export function sampleOutcome(p: Prediction, realized = p.lastPrice * 1.001): Outcome {
  const up = realized > p.lastPrice;
  return {
    asset: p.asset, horizon: p.horizon, issuedAt: p.issuedAt, modelVersion: p.modelVersion, targetTime: p.targetTime,
    realized, absError: Math.abs(realized - p.point), persistenceAbsError: Math.abs(realized - p.lastPrice),
    covered90: realized >= p.quantiles.p05 && realized <= p.quantiles.p95, upActual: up, pinball: 12.5, scoredAt: p.targetTime + 60_000,
  };
}
