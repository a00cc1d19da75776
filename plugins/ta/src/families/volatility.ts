/**
 * Volatility: realised volatility of one-bar log returns (RMS, as the starter set defined it), EWMA
 * volatility, close-to-close (demeaned) volatility, the range-based estimators (Parkinson, Garman-Klass,
 * Rogers-Satchell, Yang-Zhang), and normalised ATR, Bollinger, Keltner and Donchian channels. All per bar
 * (not annualised), all scale-free.
 */
import { Ema, Rma, WindowExtreme, WindowSums, type KernelSpec } from '@satcast/core';
import { feat, HLC, logRatio, OHLC, position } from '../feature.js';

/** `rv_<w>`, `ewma_vol`, `hl_range`: the starter definitions, unchanged (ewma-band reads `ewma_vol`). */
export function realised(windows: readonly number[], lambda: number): KernelSpec {
  return {
    features: [
      ...windows.map((w) => feat(`rv_${w}`, w, `realised volatility: root mean square of the last ${w} one-bar log returns`)),
      feat('ewma_vol', 1, `root of the EWMA (lambda ${lambda}) of squared one-bar log returns`),
      feat('hl_range', 0, 'log(high / low) of the bar', ['high', 'low']),
    ],
    create: () => {
      const sums = windows.map((w) => new WindowSums(w, 1));
      let prev = Number.NaN;
      let v = Number.NaN;
      return {
        step(b, out, o) {
          const r = Math.log(b.close / prev);
          if (!Number.isNaN(prev)) {
            const sq = r * r;
            for (const s of sums) s.push(sq);
            v = Number.isNaN(v) ? sq : lambda * v + (1 - lambda) * sq;
          }
          for (let j = 0; j < sums.length; j++) out[o + j] = Math.sqrt(Math.max(0, sums[j]!.sum) / windows[j]!);
          out[o + windows.length] = Math.sqrt(v);
          out[o + windows.length + 1] = Math.log(b.high / b.low);
          prev = b.close;
        },
      };
    },
  };
}

const LN2 = Math.LN2;
const GK_C = 2 * LN2 - 1;

/** Range-based estimators over n bars, close-to-close vol, and the short/long vol ratio. */
export function rangeEstimators(ns: readonly number[]): KernelSpec {
  return {
    features: [
      feat('cc_vol_24', 24, 'close-to-close volatility: sample std of the last 24 one-bar log returns (demeaned)'),
      ...ns.flatMap((n) => [
        feat(`parkinson_vol_${n}`, n - 1, `Parkinson (1980) volatility over ${n} bars: sqrt(mean(ln(H/L)^2) / (4 ln 2))`, ['high', 'low']),
        feat(`garman_klass_vol_${n}`, n - 1, `Garman-Klass (1980) volatility over ${n} bars: sqrt(mean(0.5 ln(H/L)^2 - (2 ln2 - 1) ln(C/O)^2))`, OHLC),
        feat(`rogers_satchell_vol_${n}`, n - 1, `Rogers-Satchell (1991) volatility over ${n} bars: sqrt(mean(ln(H/C) ln(H/O) + ln(L/C) ln(L/O)))`, OHLC),
        feat(`yang_zhang_vol_${n}`, n, `Yang-Zhang (2000) volatility over ${n} bars: overnight + k open-to-close + (1-k) Rogers-Satchell variances`, OHLC),
      ]),
      feat('vol_ratio_24_168', 168, 'rv_24 / rv_168: short-term over long-term realised volatility'),
    ],
    create: () => {
      const cc = new WindowSums(24, 2);
      const per = ns.map((n) => ({
        n,
        pk: new WindowSums(n, 1),
        gk: new WindowSums(n, 1),
        rs: new WindowSums(n, 1),
        on: new WindowSums(n, 2),
        oc: new WindowSums(n, 2),
        k: 0.34 / (1.34 + (n + 1) / (n - 1)),
      }));
      const s24 = new WindowSums(24, 1);
      const s168 = new WindowSums(168, 1);
      let prev = Number.NaN;
      return {
        step(b, out, o) {
          const hl = Math.log(b.high / b.low);
          const co = Math.log(b.close / b.open);
          const rs = Math.log(b.high / b.close) * Math.log(b.high / b.open) + Math.log(b.low / b.close) * Math.log(b.low / b.open);
          if (!Number.isNaN(prev)) {
            const r = Math.log(b.close / prev);
            cc.push(r);
            s24.push(r * r);
            s168.push(r * r);
          }
          out[o] = Math.sqrt(cc.sampleVariance());
          let j = o + 1;
          for (const p of per) {
            p.pk.push((hl * hl) / (4 * LN2));
            p.gk.push(0.5 * hl * hl - GK_C * co * co);
            p.rs.push(rs);
            if (!Number.isNaN(prev)) p.on.push(Math.log(b.open / prev));
            p.oc.push(co);
            out[j++] = Math.sqrt(p.pk.mean());
            out[j++] = Math.sqrt(Math.max(0, p.gk.mean()));
            out[j++] = Math.sqrt(Math.max(0, p.rs.mean()));
            const yz = p.on.sampleVariance() + p.k * p.oc.sampleVariance() + (1 - p.k) * Math.max(0, p.rs.mean());
            out[j++] = Math.sqrt(yz);
          }
          const long = s168.mean();
          out[j] = long > 0 ? Math.sqrt(s24.mean() / long) : Number.isNaN(long) ? Number.NaN : 1;
          prev = b.close;
        },
      };
    },
  };
}

/** NATR, true range, Bollinger %B/width, Keltner position/width, Donchian position/width. */
export function channels(): KernelSpec {
  const DC = [20, 55];
  return {
    features: [
      feat('natr_14', 14, 'normalised ATR: 100 * ATR(14, Wilder) / close', HLC),
      feat('tr_norm', 1, 'true range of the bar / close', HLC),
      feat('bb_pctb_20', 19, 'Bollinger %B (20, 2 population sd): (close - lower) / (upper - lower)'),
      feat('bb_width_20', 19, 'Bollinger bandwidth (20, 2): (upper - lower) / middle'),
      feat('kc_pos_20', 19, 'Keltner position (EMA 20 +/- 2 ATR 10): (close - lower) / (upper - lower)', HLC),
      feat('kc_width_20', 19, 'Keltner width: (upper - lower) / EMA 20', HLC),
      ...DC.flatMap((n) => [
        feat(`dc_pos_${n}`, n - 1, `Donchian position: (close - lowest low) / (highest high - lowest low) over ${n} bars`, HLC),
        feat(`dc_width_${n}`, n - 1, `Donchian width: log(highest high / lowest low) over ${n} bars`, ['high', 'low']),
      ]),
    ],
    create: () => {
      const atr14 = new Rma(14);
      const atr10 = new Rma(10);
      const bb = new WindowSums(20, 2);
      const kcMid = new Ema(20);
      const dc = DC.map((n) => ({ hi: new WindowExtreme(n, 'max'), lo: new WindowExtreme(n, 'min') }));
      let prev = Number.NaN;
      return {
        step(b, out, o) {
          let tr = Number.NaN;
          if (!Number.isNaN(prev)) {
            tr = Math.max(b.high, prev) - Math.min(b.low, prev);
            atr14.push(tr);
            atr10.push(tr);
          }
          out[o] = (100 * atr14.value) / b.close;
          out[o + 1] = tr / b.close;
          bb.push(b.close);
          const mid = bb.mean();
          const sd = bb.std();
          out[o + 2] = position(b.close, mid - 2 * sd, mid + 2 * sd);
          out[o + 3] = (4 * sd) / mid;
          kcMid.push(b.close);
          const m = kcMid.value;
          const a = atr10.value;
          out[o + 4] = position(b.close, m - 2 * a, m + 2 * a);
          out[o + 5] = (4 * a) / m;
          let j = o + 6;
          for (const d of dc) {
            d.hi.push(b.high);
            d.lo.push(b.low);
            out[j++] = position(b.close, d.lo.value, d.hi.value);
            out[j++] = logRatio(d.hi.value, d.lo.value);
          }
          prev = b.close;
        },
      };
    },
  };
}
