/**
 * The scores of `report/metrics.json`, computed one way for every model. Errors are in price units
 * (USD for BTCUSDT); every model is compared with persistence on the same rows (MAE skill, Diebold-Mariano
 * with a Newey-West variance at lag h-1 bars), and band/probability quality is reported beside it.
 */
import {
  dieboldMariano,
  expectedCalibrationError,
  HORIZON_MS,
  meanPinball,
  quantileSorted,
  reliabilityBins,
  wilsonInterval,
  type QuantileKey,
  type ReliabilityBin,
} from '@satcast/core';
import { KEYS, type ForecastSeries, type HorizonResult } from './walk-forward.js';

export interface ModelMetrics {
  n: number;
  mae: number;
  rmse: number;
  /** 1 - MAE / MAE(persistence): > 0 beats persistence. */
  maeSkillVsPersistence: number;
  /** Two-sided DM p-value on absolute errors vs persistence (HAC variance, lag h-1 bars). */
  dmPValueVsPersistence: number | null;
  dmStatisticVsPersistence: number | null;
  /** Share of rows whose predicted direction (pUp > 0.5 = up) was right. */
  hitRate: number;
  hitRateCI95: [number, number];
  /** Share of the more frequent direction over the same rows (what "always say X" would score). */
  majorityRate: number;
  coverage90: number;
  /** Coverage of the 90% band per volatility tercile (calm, middle, wild). */
  coverage90ByVolTercile: [number, number, number];
  /** Mean width of the 90% band as a share of the last price. */
  width90: number;
  /** Mean pinball loss over p05..p95, price units. */
  pinball: number;
  /** Expected calibration error of pUp (10 bins). */
  ece: number;
  /** Rows with confidence max(pUp, 1 - pUp) at or above the threshold. */
  highConfidence: { share: number; hitRate: number | null; n: number };
  /** 1 - MAPE of the point forecast: the seed's "accuracy". Persistence scores about as well; see its row. */
  mapeAccuracy: number;
  /** Share of rows flagged conservative (served model only; 0 for raw models). */
  conservativeShare: number;
}

export interface HorizonReport {
  metrics: Record<string, ModelMetrics>;
  reliability: Record<string, ReliabilityBin[]>;
  volTercileCuts: [number, number];
}

/** Realised volatility (std of 1-bar log returns over the previous 24 bars) at each row: the tercile key. */
export function trailingVol(close: Float64Array, rows: Int32Array, window = 24): Float64Array {
  return Float64Array.from(rows, (i) => {
    if (i < window) return Number.NaN;
    let s = 0, s2 = 0;
    for (let j = i - window + 1; j <= i; j++) {
      const r = Math.log(close[j]! / close[j - 1]!);
      s += r;
      s2 += r * r;
    }
    const m = s / window;
    return Math.sqrt(Math.max(0, s2 / window - m * m));
  });
}

export function scoreHorizon(r: HorizonResult, vol: Float64Array, opts: { confidenceThreshold: number; barMs: number }): HorizonReport {
  const n = r.rows.length;
  const sortedVol = Float64Array.from(vol.filter(Number.isFinite)).sort();
  const cuts: [number, number] = [quantileSorted(sortedVol, 1 / 3), quantileSorted(sortedVol, 2 / 3)];
  const tercile = Uint8Array.from(vol, (v) => (!(v > cuts[0]) ? 0 : !(v > cuts[1]) ? 1 : 2));
  const up = Float64Array.from(r.actual, (a, i) => (a > r.lastPrice[i]! ? 1 : 0));
  const upShare = up.reduce((s, x) => s + x, 0) / n;
  const horizonSteps = Math.round(HORIZON_MS[r.horizon] / opts.barMs);

  const absErr = (s: ForecastSeries) => Float64Array.from(r.actual, (a, i) => Math.abs(a - s.point[i]!));
  const persistence = r.byModel.persistence;
  const persistenceAbs = persistence ? absErr(persistence) : Float64Array.from(r.actual, (a, i) => Math.abs(a - r.lastPrice[i]!));
  const maeP = mean(persistenceAbs);

  const metrics: Record<string, ModelMetrics> = {};
  const reliability: Record<string, ReliabilityBin[]> = {};
  for (const [name, s] of Object.entries(r.byModel)) {
    const ae = absErr(s);
    const mae = mean(ae);
    const rmse = Math.sqrt(mean(Float64Array.from(r.actual, (a, i) => (a - s.point[i]!) ** 2)));
    const isPersistence = name === 'persistence';
    const dm = isPersistence ? undefined : dieboldMariano(ae, persistenceAbs, { horizonSteps });
    let hits = 0, covered = 0, width = 0, pin = 0, ape = 0, hcN = 0, hcHits = 0, cons = 0;
    const tc = [0, 0, 0], tn = [0, 0, 0];
    for (let i = 0; i < n; i++) {
      const a = r.actual[i]!;
      const predUp = s.pUp[i]! > 0.5 ? 1 : 0;
      const hit = predUp === up[i] ? 1 : 0;
      hits += hit;
      const inBand = a >= s.q.p05[i]! && a <= s.q.p95[i]! ? 1 : 0;
      covered += inBand;
      tc[tercile[i]!]! += inBand;
      tn[tercile[i]!]!++;
      width += (s.q.p95[i]! - s.q.p05[i]!) / r.lastPrice[i]!;
      const q = {} as Record<QuantileKey, number>;
      for (const k of KEYS) q[k] = s.q[k][i]!;
      pin += meanPinball(q, a);
      ape += Math.abs(a - s.point[i]!) / a;
      if (Math.max(s.pUp[i]!, 1 - s.pUp[i]!) >= opts.confidenceThreshold) (hcN++, (hcHits += hit));
      cons += s.conservative[i]!;
    }
    metrics[name] = {
      n,
      mae,
      rmse,
      maeSkillVsPersistence: 1 - mae / maeP,
      dmPValueVsPersistence: dm ? dm.pValue : null,
      dmStatisticVsPersistence: dm ? dm.statistic : null,
      hitRate: hits / n,
      hitRateCI95: wilsonInterval(hits, n),
      majorityRate: Math.max(upShare, 1 - upShare),
      coverage90: covered / n,
      coverage90ByVolTercile: [tc[0]! / tn[0]!, tc[1]! / tn[1]!, tc[2]! / tn[2]!],
      width90: width / n,
      pinball: pin / n,
      ece: expectedCalibrationError(s.pUp, up),
      highConfidence: { share: hcN / n, hitRate: hcN ? hcHits / hcN : null, n: hcN },
      mapeAccuracy: 1 - ape / n,
      conservativeShare: cons / n,
    };
    reliability[name] = reliabilityBins(s.pUp, up);
  }
  return { metrics, reliability, volTercileCuts: cuts };
}

function mean(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return s / x.length;
}
