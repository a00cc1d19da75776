/**
 * Trend-following overlays as distances and directions: Parabolic SAR (0.02, 0.2), SuperTrend (10, 3) and
 * Ichimoku (9, 26, 52). Ichimoku's lagging span (chikou) plots today's close 26 bars back, so used as a
 * feature it would read the future: it is deliberately absent; the leading spans are taken as they were
 * projected 26 bars ago, which is past data.
 */
import { Lag, Rma, WindowExtreme, type KernelSpec } from '@satcast/core';
import { feat, HLC, logRatio } from '../feature.js';

/** Wilder's Parabolic SAR. Starts at bar 1 in the direction of bar 1's midpoint move. */
class Psar {
  up = true;
  sar = Number.NaN;
  ep = Number.NaN;
  af = 0.02;
  private n = 0;
  private ph = Number.NaN;
  private pl = Number.NaN;
  private pph = Number.NaN;
  private ppl = Number.NaN;
  constructor(private readonly step = 0.02, private readonly max = 0.2) {}
  push(h: number, l: number): void {
    this.n++;
    if (this.n === 2) {
      // Initial direction from the bar's midpoint against the previous bar's (as trading-signals does).
      this.up = h + l >= this.ph + this.pl;
      this.sar = this.up ? this.pl : this.ph;
      this.ep = this.up ? h : l;
    } else if (this.n > 2) {
      let sar = this.sar + this.af * (this.ep - this.sar);
      // SAR may not enter the previous two bars' range; a new extreme raises the acceleration.
      if (this.up) {
        sar = Math.min(sar, this.pl, this.ppl);
        if (h > this.ep) {
          this.ep = h;
          this.af = Math.min(this.max, this.af + this.step);
        }
      } else {
        sar = Math.max(sar, this.ph, this.pph);
        if (l < this.ep) {
          this.ep = l;
          this.af = Math.min(this.max, this.af + this.step);
        }
      }
      // Penetration reverses: the SAR jumps to the extreme of the trend just ended (this bar included,
      // the order technicalindicators and trading-signals use).
      if ((this.up && l < sar) || (!this.up && h > sar)) {
        this.up = !this.up;
        sar = this.ep;
        this.ep = this.up ? h : l;
        this.af = this.step;
      }
      this.sar = sar;
    }
    this.pph = Number.isNaN(this.ph) ? h : this.ph;
    this.ppl = Number.isNaN(this.pl) ? l : this.pl;
    this.ph = h;
    this.pl = l;
  }
}

export function trend(): KernelSpec {
  return {
    features: [
      feat('psar_dist', 1, 'Parabolic SAR (0.02, 0.2): (close - SAR) / close', HLC),
      feat('psar_dir', 1, 'Parabolic SAR direction: +1 long, -1 short', HLC),
      feat('supertrend_dist', 10, 'SuperTrend (ATR 10 Wilder, x3): (close - line) / close', HLC),
      feat('supertrend_dir', 10, 'SuperTrend direction: +1 up, -1 down', HLC),
      feat('ichi_tenkan_dist', 8, 'log(close / Ichimoku conversion line (9))', HLC),
      feat('ichi_kijun_dist', 25, 'log(close / Ichimoku base line (26))', HLC),
      feat('ichi_tk_spread', 25, 'log(conversion / base line)', HLC),
      feat('ichi_senkou_a_dist', 51, 'log(close / leading span A as projected 26 bars ago)', HLC),
      feat('ichi_senkou_b_dist', 77, 'log(close / leading span B (52) as projected 26 bars ago)', HLC),
      feat('ichi_cloud_thickness', 77, '|log(span A / span B)| of the current cloud', HLC),
    ],
    create: () => {
      const psar = new Psar();
      const atr = new Rma(10);
      let upper = Number.NaN;
      let lower = Number.NaN;
      let dir = 1;
      const ext = [9, 26, 52].map((n) => ({ hi: new WindowExtreme(n, 'max'), lo: new WindowExtreme(n, 'min') }));
      const lagA = new Lag(26);
      const lagB = new Lag(26);
      let prev = Number.NaN;
      return {
        step(b, out, o) {
          const { high: h, low: l, close: c } = b;
          psar.push(h, l);
          out[o] = Number.isNaN(psar.sar) ? Number.NaN : (c - psar.sar) / c;
          out[o + 1] = Number.isNaN(psar.sar) ? Number.NaN : psar.up ? 1 : -1;
          if (!Number.isNaN(prev)) atr.push(Math.max(h, prev) - Math.min(l, prev));
          let st = Number.NaN;
          if (atr.ready) {
            const mid = (h + l) / 2;
            const bu = mid + 3 * atr.value;
            const bl = mid - 3 * atr.value;
            const first = Number.isNaN(upper);
            const fu = first || bu < upper || prev > upper ? bu : upper;
            const fl = first || bl > lower || prev < lower ? bl : lower;
            if (first) dir = c >= mid ? 1 : -1;
            else if (dir === 1 && c < fl) dir = -1;
            else if (dir === -1 && c > fu) dir = 1;
            upper = fu;
            lower = fl;
            st = dir === 1 ? fl : fu;
          }
          out[o + 2] = (c - st) / c;
          out[o + 3] = Number.isNaN(st) ? Number.NaN : dir;
          for (const e of ext) {
            e.hi.push(h);
            e.lo.push(l);
          }
          const tenkan = (ext[0]!.hi.value + ext[0]!.lo.value) / 2;
          const kijun = (ext[1]!.hi.value + ext[1]!.lo.value) / 2;
          const spanA = lagA.push((tenkan + kijun) / 2);
          const spanB = lagB.push((ext[2]!.hi.value + ext[2]!.lo.value) / 2);
          out[o + 4] = logRatio(c, tenkan);
          out[o + 5] = logRatio(c, kijun);
          out[o + 6] = logRatio(tenkan, kijun);
          out[o + 7] = logRatio(c, spanA);
          out[o + 8] = logRatio(c, spanB);
          out[o + 9] = Math.abs(logRatio(spanA, spanB));
          prev = c;
        },
      };
    },
  };
}
