/**
 * Momentum oscillators: RSI, Stochastic, StochRSI, MACD (normalised by close), PPO, ROC, CMO, TSI, TRIX,
 * Williams %R, Ultimate Oscillator, CCI, Aroon, ADX/DMI. Bounded oscillators keep their textbook 0..100
 * (or -100..100) scale, which is already price-free. Flat windows give the neutral value, not NaN.
 */
import { Ema, Rma, Ring, WindowExtreme, WindowSums, type KernelSpec } from '@satcast/core';
import { feat, HLC, position } from '../feature.js';
import { EmaChain } from './moving-averages.js';

const RSI = [7, 14, 28];

/** Wilder RSI from average gain/loss; 100 when there were no losses, 50 when the window was flat. */
class Rsi {
  private readonly gain: Rma;
  private readonly loss: Rma;
  constructor(n: number) {
    this.gain = new Rma(n);
    this.loss = new Rma(n);
  }
  push(delta: number): number {
    this.gain.push(Math.max(delta, 0));
    this.loss.push(Math.max(-delta, 0));
    const g = this.gain.value;
    const l = this.loss.value;
    if (Number.isNaN(g)) return Number.NaN;
    if (l === 0) return g === 0 ? 50 : 100;
    return 100 - 100 / (1 + g / l);
  }
}

export function oscillators(): KernelSpec {
  return {
    features: [
      ...RSI.map((n) => feat(`rsi_${n}`, n, `RSI ${n} (Wilder smoothing), 0..100`)),
      feat('stoch_k_14', 13, 'Stochastic %K 14 (fast): 100 (close - lowest low) / (highest high - lowest low)', HLC),
      feat('stoch_d_14', 15, 'Stochastic %D: SMA 3 of %K 14', HLC),
      feat('stochrsi_14', 27, 'Stochastic RSI: position of RSI 14 in its 14-bar range, 0..100'),
      feat('stochrsi_k_14', 29, 'StochRSI %K: SMA 3 of StochRSI 14'),
      feat('stochrsi_d_14', 31, 'StochRSI %D: SMA 3 of StochRSI %K'),
      feat('willr_14', 13, 'Williams %R 14: -100 (highest high - close) / (highest high - lowest low)', HLC),
      feat('cci_20', 19, 'CCI 20: (typical price - SMA 20) / (0.015 mean absolute deviation)', HLC),
      feat('cmo_14', 14, 'Chande momentum oscillator 14: 100 (sum up - sum down) / (sum up + sum down)'),
      feat('roc_10', 10, 'rate of change 10: 100 (close / close 10 bars earlier - 1)'),
      feat('uo_7_14_28', 28, 'Ultimate Oscillator (7, 14, 28), 0..100', HLC),
    ],
    create: () => {
      const rsi = RSI.map((n) => new Rsi(n));
      const hi14 = new WindowExtreme(14, 'max');
      const lo14 = new WindowExtreme(14, 'min');
      const stochD = new WindowSums(3, 1);
      const rsiHi = new WindowExtreme(14, 'max');
      const rsiLo = new WindowExtreme(14, 'min');
      const srK = new WindowSums(3, 1);
      const srD = new WindowSums(3, 1);
      const tp = new WindowSums(20, 1);
      const cmoUp = new WindowSums(14, 1);
      const cmoDn = new WindowSums(14, 1);
      const closes = new Ring(11);
      const uo = [7, 14, 28].map((n) => ({ bp: new WindowSums(n, 1), tr: new WindowSums(n, 1) }));
      let prev = Number.NaN;
      return {
        step(b, out, o) {
          const c = b.close;
          const has = !Number.isNaN(prev);
          const d = c - prev;
          let j = o;
          let rsi14 = Number.NaN;
          for (let k = 0; k < rsi.length; k++) {
            const v = has ? rsi[k]!.push(d) : Number.NaN;
            if (RSI[k] === 14) rsi14 = v;
            out[j++] = v;
          }
          hi14.push(b.high);
          lo14.push(b.low);
          const k14 = 100 * position(c, lo14.value, hi14.value);
          out[j++] = k14;
          if (!Number.isNaN(k14)) stochD.push(k14);
          out[j++] = stochD.mean();
          let sr = Number.NaN;
          if (!Number.isNaN(rsi14)) {
            rsiHi.push(rsi14);
            rsiLo.push(rsi14);
            sr = 100 * position(rsi14, rsiLo.value, rsiHi.value);
          }
          out[j++] = sr;
          if (!Number.isNaN(sr)) srK.push(sr);
          const kk = srK.mean();
          out[j++] = kk;
          if (!Number.isNaN(kk)) srD.push(kk);
          out[j++] = srD.mean();
          out[j++] = -100 * (1 - position(c, lo14.value, hi14.value));
          // CCI: mean absolute deviation needs the whole window (20 values), still bounded work per bar.
          const typical = (b.high + b.low + c) / 3;
          tp.push(typical);
          const m = tp.mean();
          let cci = Number.NaN;
          if (!Number.isNaN(m)) {
            let md = 0;
            for (let k = 0; k < 20; k++) md += Math.abs(tp.back(k) - m);
            md /= 20;
            cci = md > 0 ? (typical - m) / (0.015 * md) : 0;
          }
          out[j++] = cci;
          if (has) {
            cmoUp.push(Math.max(d, 0));
            cmoDn.push(Math.max(-d, 0));
          }
          const su = cmoUp.sum;
          const sd = cmoDn.sum;
          out[j++] = su + sd > 0 ? (100 * (su - sd)) / (su + sd) : Number.isNaN(su + sd) ? Number.NaN : 0;
          closes.push(c);
          out[j++] = 100 * (c / closes.back(10) - 1);
          if (has) {
            const lo = Math.min(b.low, prev);
            const tr = Math.max(b.high, prev) - lo;
            for (const u of uo) {
              u.bp.push(c - lo);
              u.tr.push(tr);
            }
          }
          const avg = uo.map((u) => (u.tr.sum > 0 ? u.bp.sum / u.tr.sum : Number.isNaN(u.tr.sum) ? Number.NaN : 0.5));
          out[j++] = (100 * (4 * avg[0]! + 2 * avg[1]! + avg[2]!)) / 7;
          prev = c;
        },
      };
    },
  };
}

/** MACD (12, 26, 9) and PPO normalised by price, TSI (25, 13), TRIX 15. */
export function trendMomentum(): KernelSpec {
  return {
    features: [
      feat('macd_line_norm', 25, 'MACD line (EMA 12 - EMA 26) / close'),
      feat('macd_signal_norm', 33, 'MACD signal (EMA 9 of the line) / close'),
      feat('macd_hist_norm', 33, 'MACD histogram (line - signal) / close'),
      feat('ppo_12_26', 25, 'percentage price oscillator: 100 (EMA 12 - EMA 26) / EMA 26'),
      feat('tsi_25_13', 37, 'true strength index (25, 13): 100 EMA13(EMA25(change)) / EMA13(EMA25(|change|))'),
      feat('trix_15', 43, 'TRIX 15: 100 x one-bar change of the triple EMA 15 of close'),
    ],
    create: () => {
      const e12 = new Ema(12);
      const e26 = new Ema(26);
      const signal = new Ema(9);
      const num = [new Ema(25), new Ema(13)];
      const den = [new Ema(25), new Ema(13)];
      const trix = new EmaChain(15, 3);
      let prevTriple = Number.NaN;
      let prev = Number.NaN;
      return {
        step(b, out, o) {
          const c = b.close;
          e12.push(c);
          e26.push(c);
          const line = e12.value - e26.value;
          if (!Number.isNaN(line)) signal.push(line);
          const sig = signal.ready ? signal.value : Number.NaN;
          out[o] = line / c;
          out[o + 1] = sig / c;
          out[o + 2] = (line - sig) / c;
          out[o + 3] = (100 * line) / e26.value;
          let tsi = Number.NaN;
          if (!Number.isNaN(prev)) {
            const d = c - prev;
            const n1 = num[0]!.push(d);
            const d1 = den[0]!.push(Math.abs(d));
            if (num[0]!.ready) {
              num[1]!.push(n1);
              den[1]!.push(d1);
              if (num[1]!.ready) tsi = den[1]!.value > 0 ? (100 * num[1]!.value) / den[1]!.value : 0;
            }
          }
          out[o + 4] = tsi;
          trix.push(c);
          const t3 = trix.value(2);
          out[o + 5] = 100 * (t3 / prevTriple - 1);
          prevTriple = t3;
          prev = c;
        },
      };
    },
  };
}

/** Aroon (25) and ADX / +DI / -DI (14, Wilder). */
export function directional(): KernelSpec {
  return {
    features: [
      feat('aroon_up_25', 25, 'Aroon up 25: 100 (25 - bars since the 26-bar high) / 25', ['high']),
      feat('aroon_down_25', 25, 'Aroon down 25: 100 (25 - bars since the 26-bar low) / 25', ['low']),
      feat('aroon_osc_25', 25, 'Aroon oscillator: up - down', ['high', 'low']),
      feat('adx_14', 27, 'ADX 14 (Wilder): smoothed directional movement index, 0..100', HLC),
      feat('plus_di_14', 14, '+DI 14 (Wilder)', HLC),
      feat('minus_di_14', 14, '-DI 14 (Wilder)', HLC),
    ],
    create: () => {
      const hi = new WindowExtreme(26, 'max');
      const lo = new WindowExtreme(26, 'min');
      const tr = new Rma(14);
      const pdm = new Rma(14);
      const mdm = new Rma(14);
      const adx = new Rma(14);
      let ph = Number.NaN;
      let pl = Number.NaN;
      let pc = Number.NaN;
      return {
        step(b, out, o) {
          hi.push(b.high);
          lo.push(b.low);
          const up = (100 * (25 - hi.age)) / 25;
          const dn = (100 * (25 - lo.age)) / 25;
          out[o] = up;
          out[o + 1] = dn;
          out[o + 2] = up - dn;
          let pdi = Number.NaN;
          let mdi = Number.NaN;
          let a = Number.NaN;
          if (!Number.isNaN(pc)) {
            const upMove = b.high - ph;
            const downMove = pl - b.low;
            pdm.push(upMove > downMove && upMove > 0 ? upMove : 0);
            mdm.push(downMove > upMove && downMove > 0 ? downMove : 0);
            tr.push(Math.max(b.high, pc) - Math.min(b.low, pc));
            if (tr.ready) {
              pdi = tr.value > 0 ? (100 * pdm.value) / tr.value : 0;
              mdi = tr.value > 0 ? (100 * mdm.value) / tr.value : 0;
              adx.push(pdi + mdi > 0 ? (100 * Math.abs(pdi - mdi)) / (pdi + mdi) : 0);
              a = adx.ready ? adx.value : Number.NaN;
            }
          }
          out[o + 3] = a;
          out[o + 4] = pdi;
          out[o + 5] = mdi;
          ph = b.high;
          pl = b.low;
          pc = b.close;
        },
      };
    },
  };
}
