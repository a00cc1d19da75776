/**
 * Moving averages as distances from price, log(close / MA), so they are scale-free: SMA, EMA, WMA, DEMA,
 * TEMA, KAMA, HMA, VWMA, plus SMA spreads (golden/death-cross style). EMAs are seeded with the SMA of
 * their first n values (TA-Lib convention).
 */
import { Ema, Ring, WindowSums, Wma, type KernelSpec } from '@satcast/core';
import { feat, logRatio } from '../feature.js';

const SMA = [10, 20, 50, 100, 200];
const EMA = [9, 12, 26, 50, 100, 200];
const WMA = [20, 50];
const HMA = [20, 55];
const VWMA = [20, 50];

/** Hull MA: WMA(sqrt n) of 2 WMA(n/2) - WMA(n). */
class Hma {
  private readonly half: Wma;
  private readonly full: Wma;
  private readonly out: Wma;
  constructor(n: number) {
    this.half = new Wma(Math.floor(n / 2));
    this.full = new Wma(n);
    this.out = new Wma(Math.floor(Math.sqrt(n)));
  }
  push(x: number): number {
    const h = this.half.push(x);
    const f = this.full.push(x);
    return Number.isNaN(f) ? Number.NaN : this.out.push(2 * h - f);
  }
}

/** EMA of an EMA's defined values: the building block of DEMA/TEMA/TRIX. */
export class EmaChain {
  readonly stages: Ema[];
  constructor(n: number, depth: number) {
    this.stages = Array.from({ length: depth }, () => new Ema(n));
  }
  push(x: number): void {
    let v = x;
    for (const e of this.stages) {
      if (Number.isNaN(v)) return;
      e.push(v);
      v = e.ready ? e.value : Number.NaN;
    }
  }
  value(k: number): number {
    const e = this.stages[k]!;
    return e.ready ? e.value : Number.NaN;
  }
}

export function movingAverages(): KernelSpec {
  return {
    features: [
      ...SMA.map((n) => feat(`sma_${n}_dist`, n - 1, `log(close / SMA ${n})`)),
      ...EMA.map((n) => feat(`ema_${n}_dist`, n - 1, `log(close / EMA ${n})`)),
      ...WMA.map((n) => feat(`wma_${n}_dist`, n - 1, `log(close / WMA ${n}) (linear weights)`)),
      feat('dema_20_dist', 38, 'log(close / DEMA 20), DEMA = 2 EMA - EMA(EMA)'),
      feat('tema_20_dist', 57, 'log(close / TEMA 20), TEMA = 3 EMA - 3 EMA(EMA) + EMA(EMA(EMA))'),
      feat('kama_10_dist', 10, 'log(close / KAMA(10, 2, 30)) (Kaufman adaptive MA, seeded with the close of bar 9)'),
      ...HMA.map((n) => feat(`hma_${n}_dist`, n + Math.floor(Math.sqrt(n)) - 2, `log(close / Hull MA ${n})`)),
      ...VWMA.map((n) => feat(`vwma_${n}_dist`, n - 1, `log(close / volume-weighted MA ${n}); 0 when the window traded nothing`, ['close', 'volume'])),
      feat('sma_20_50_spread', 49, 'log(SMA 20 / SMA 50)'),
      feat('sma_50_200_spread', 199, 'log(SMA 50 / SMA 200) (golden/death cross when it changes sign)'),
    ],
    create: () => {
      const sma = SMA.map((n) => new WindowSums(n, 1));
      const ema = EMA.map((n) => new Ema(n));
      const wma = WMA.map((n) => new Wma(n));
      const chain = new EmaChain(20, 3);
      const hma = HMA.map((n) => new Hma(n));
      const vw = VWMA.map((n) => ({ pv: new WindowSums(n, 1), v: new WindowSums(n, 1) }));
      const kamaCloses = new Ring(11);
      const kamaVol = new WindowSums(10, 1);
      let kama = Number.NaN;
      const fast = 2 / 3;
      const slow = 2 / 31;
      return {
        step(b, out, o) {
          const c = b.close;
          let j = o;
          for (const s of sma) {
            s.push(c);
            out[j++] = logRatio(c, s.mean());
          }
          for (const e of ema) {
            e.push(c);
            out[j++] = logRatio(c, e.value);
          }
          for (const w of wma) out[j++] = logRatio(c, w.push(c));
          chain.push(c);
          const e1 = chain.value(0);
          const e2 = chain.value(1);
          const e3 = chain.value(2);
          out[j++] = logRatio(c, 2 * e1 - e2);
          out[j++] = logRatio(c, 3 * e1 - 3 * e2 + e3);
          // KAMA: efficiency ratio over 10 bars scales the smoothing between the fast and slow EMA constants.
          const prevClose = kamaCloses.back(0);
          kamaCloses.push(c);
          if (!Number.isNaN(prevClose)) kamaVol.push(Math.abs(c - prevClose));
          if (kamaCloses.full) {
            const change = Math.abs(c - kamaCloses.back(10));
            const vol = kamaVol.sum;
            // A window with no movement counts as fully efficient (trading-signals' convention).
            const er = vol > 0 ? change / vol : 1;
            const sc = (er * (fast - slow) + slow) ** 2;
            kama = kama + sc * (c - kama);
          } else if (kamaCloses.size === 10) kama = c;
          out[j++] = kamaCloses.full ? logRatio(c, kama) : Number.NaN;
          for (const h of hma) out[j++] = logRatio(c, h.push(c));
          for (const x of vw) {
            x.pv.push(c * b.volume);
            x.v.push(b.volume);
            const v = x.v.sum;
            out[j++] = v > 0 ? logRatio(c, x.pv.sum / v) : Number.isNaN(v) ? Number.NaN : 0;
          }
          out[j++] = logRatio(sma[1]!.mean(), sma[2]!.mean());
          out[j++] = logRatio(sma[2]!.mean(), sma[4]!.mean());
        },
      };
    },
  };
}
