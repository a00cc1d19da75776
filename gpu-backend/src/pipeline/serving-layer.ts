/**
 * The serving layer between the served model and the public prediction, shared by the live pipeline and
 * the backtest so both report the same thing:
 * - adaptive conformal inference on the band, one state per volatility regime (Mondrian ACI): after each
 *   realised outcome the band scale moves so the long-run miss rate of p05..p95 tracks 10% in calm,
 *   middle and wild hours alike;
 * - Platt recalibration of pUp on the layer's own out-of-sample history (refitted every `plattEveryMs`
 *   once `minPlatt` outcomes are known).
 * Every update uses only outcomes public at the time of the forecast being issued.
 */
import { AdaptiveBand, applyPlatt, fitPlatt, quantileSorted, type PlattScaling, type QuantileKey, type ReturnForecast } from '@satcast/core';

export interface ServingLayerOptions {
  aciGamma?: number;
  plattEveryMs?: number;
  plattWindow?: number;
  minPlatt?: number;
}

interface Pending {
  row: number;
  at: number;
  regime: number;
  q: Record<QuantileKey, number>;
  pRaw: number;
}

export class ServingLayer {
  private readonly bands: AdaptiveBand[];
  private readonly pending: Pending[] = [];
  private head = 0;
  private readonly known: { p: number; up: number }[] = [];
  private platt: PlattScaling | undefined;
  private nextPlattFit = -Infinity;
  private readonly o: Required<ServingLayerOptions>;

  constructor(private readonly regimes: VolRegimes, opts: ServingLayerOptions = {}) {
    this.o = { aciGamma: 0.005, plattEveryMs: 30 * 86_400_000, plattWindow: 4000, minPlatt: 500, ...opts };
    this.bands = [0, 1, 2].map(() => new AdaptiveBand({ target: 0.9, gamma: this.o.aciGamma }));
  }

  /** Feed outcomes public by `now` (in publication order); `realized(row)` is the row's log return or undefined. */
  resolve(now: number, realized: (row: number) => number | undefined): void {
    while (this.head < this.pending.length && this.pending[this.head]!.at <= now) {
      const p = this.pending[this.head++]!;
      const y = realized(p.row);
      if (y === undefined || !Number.isFinite(y)) continue;
      this.bands[p.regime]!.update(y, p.q);
      this.known.push({ p: p.pRaw, up: y > 0 ? 1 : 0 });
    }
    if (this.head > 4096) {
      this.pending.splice(0, this.head);
      this.head = 0;
    }
    if (this.known.length > 2 * this.o.plattWindow) this.known.splice(0, this.known.length - this.o.plattWindow);
  }

  /** The served forecast of `row`, issued at `issuedAt`, whose outcome is public at `targetAt`. */
  issue(row: number, issuedAt: number, targetAt: number, f: ReturnForecast, record = true): ReturnForecast {
    if (issuedAt >= this.nextPlattFit) {
      const recent = this.known.slice(-this.o.plattWindow);
      this.platt = recent.length >= this.o.minPlatt ? fitPlatt(recent.map((r) => r.p), recent.map((r) => r.up)) : undefined;
      this.nextPlattFit = issuedAt + this.o.plattEveryMs;
    }
    const regime = this.regimes.at(row);
    const band = this.bands[regime]!;
    const q = band.apply(f.quantiles);
    if (record) this.pending.push({ row, at: targetAt, regime, q, pRaw: f.pUp });
    const pUp = this.platt ? applyPlatt(this.platt, f.pUp) : f.pUp;
    return {
      point: f.point,
      quantiles: q,
      pUp,
      info: { ...(f.info ?? {}), bandScale: band.scale, volRegime: ['calm', 'middle', 'wild'][regime], pUpModel: f.pUp, pUpRecalibrated: this.platt !== undefined },
    };
  }

  /** Current band scale per regime (calm, middle, wild). */
  scales(): number[] {
    return this.bands.map((b) => b.scale);
  }
}

/**
 * Volatility regime of a row (0 calm, 1 middle, 2 wild): its trailing 24-bar realised volatility against
 * the terciles of that volatility over the previous `lookback` bars (refreshed every `every` bars). Reads
 * closes up to the row only; `close` may grow (live bars are appended).
 */
export class VolRegimes {
  private readonly vol: number[] = [];
  private cuts: [number, number] = [Number.NaN, Number.NaN];
  private cutsAt = -Infinity;

  constructor(private readonly close: ArrayLike<number>, private readonly window = 24, private readonly lookback = 24 * 180, private readonly every = 24) {}

  volAt(i: number): number {
    const cached = this.vol[i];
    if (cached !== undefined) return cached;
    let v = Number.NaN;
    if (i >= this.window) {
      let s = 0, s2 = 0;
      for (let j = i - this.window + 1; j <= i; j++) {
        const r = Math.log(this.close[j]! / this.close[j - 1]!);
        s += r;
        s2 += r * r;
      }
      v = Math.sqrt(Math.max(0, s2 / this.window - (s / this.window) ** 2));
    }
    this.vol[i] = v;
    return v;
  }

  at(i: number): number {
    if (i - this.cutsAt >= this.every || i < this.cutsAt) {
      const past: number[] = [];
      for (let j = Math.max(0, i - this.lookback); j <= i; j++) {
        const v = this.volAt(j);
        if (Number.isFinite(v)) past.push(v);
      }
      const sorted = Float64Array.from(past).sort();
      this.cuts = sorted.length >= 100 ? [quantileSorted(sorted, 1 / 3), quantileSorted(sorted, 2 / 3)] : [Number.NaN, Number.NaN];
      this.cutsAt = i;
    }
    const v = this.volAt(i);
    if (!Number.isFinite(v) || !Number.isFinite(this.cuts[0])) return 1;
    return v <= this.cuts[0] ? 0 : v <= this.cuts[1] ? 1 : 2;
  }
}
