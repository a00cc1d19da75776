/**
 * Volume: OBV slope, MFI, Chaikin money flow and oscillator, rolling-VWAP distance, volume z-scores.
 * Volume levels are not scale-free across eras (BTC volume in BTC fell ~10x from 2018 to 2024), so every
 * feature is a ratio within a window or a z-score of log volume. Zero-volume bars (5 placeholder bars
 * around outages) give neutral values, never NaN.
 */
import { Ema, WindowSums, type KernelSpec } from '@satcast/core';
import { feat, HLCV, logRatio } from '../feature.js';

const VWAP = [24, 168];
const VZ = [24, 168];

/** Close-location value ((c - l) - (h - c)) / (h - l), 0 for a flat bar. */
const clv = (h: number, l: number, c: number) => (h > l ? (c - l - (h - c)) / (h - l) : 0);

export function volumeFeatures(): KernelSpec {
  return {
    features: [
      feat('obv_slope_24', 24, 'OBV change over 24 bars / volume traded in them (-1..1)', ['close', 'volume']),
      feat('mfi_14', 14, 'money flow index 14, 0..100 (50 when nothing traded)', HLCV),
      feat('cmf_20', 19, 'Chaikin money flow 20: sum(CLV x volume) / sum(volume)', HLCV),
      feat('chaikin_osc_norm', 9, 'Chaikin oscillator (EMA 3 - EMA 10 of the A/D line) / SMA 10 of volume', HLCV),
      ...VWAP.map((n) => feat(`vwap_dist_${n}`, n - 1, `log(close / rolling VWAP of typical price over ${n} bars)`, HLCV)),
      ...VZ.map((n) => feat(`volume_z_${n}`, n - 1, `z-score of log(1 + volume) within the last ${n} bars`, ['volume'])),
      feat('volume_rel_24', 23, 'log(1 + volume) - log(1 + SMA 24 of volume)', ['volume']),
    ],
    create: () => {
      const obvFlow = new WindowSums(24, 1);
      const obvVol = new WindowSums(24, 1);
      const mfPos = new WindowSums(14, 1);
      const mfNeg = new WindowSums(14, 1);
      const cmfNum = new WindowSums(20, 1);
      const cmfVol = new WindowSums(20, 1);
      let adl = 0;
      const adl3 = new Ema(3);
      const adl10 = new Ema(10);
      const vol10 = new WindowSums(10, 1);
      const vwap = VWAP.map((n) => ({ pv: new WindowSums(n, 1), v: new WindowSums(n, 1) }));
      const vz = VZ.map((n) => new WindowSums(n, 2));
      const vol24 = new WindowSums(24, 1);
      let prevClose = Number.NaN;
      let prevTp = Number.NaN;
      return {
        step(b, out, o) {
          const { high: h, low: l, close: c, volume: v } = b;
          const tp = (h + l + c) / 3;
          if (!Number.isNaN(prevClose)) {
            obvFlow.push(c > prevClose ? v : c < prevClose ? -v : 0);
            obvVol.push(v);
            const flow = tp * v;
            mfPos.push(tp > prevTp ? flow : 0);
            mfNeg.push(tp < prevTp ? flow : 0);
          }
          const ov = obvVol.sum;
          out[o] = ov > 0 ? obvFlow.sum / ov : Number.isNaN(ov) ? Number.NaN : 0;
          const pos = mfPos.sum;
          const neg = mfNeg.sum;
          out[o + 1] = pos + neg > 0 ? (100 * pos) / (pos + neg) : Number.isNaN(pos + neg) ? Number.NaN : 50;
          const mfv = clv(h, l, c) * v;
          cmfNum.push(mfv);
          cmfVol.push(v);
          const cv = cmfVol.sum;
          out[o + 2] = cv > 0 ? cmfNum.sum / cv : Number.isNaN(cv) ? Number.NaN : 0;
          adl += mfv;
          adl3.push(adl);
          adl10.push(adl);
          vol10.push(v);
          const avgV = vol10.mean();
          const osc = adl3.value - adl10.value;
          out[o + 3] = avgV > 0 ? osc / avgV : Number.isNaN(avgV + osc) ? Number.NaN : 0;
          let j = o + 4;
          for (const w of vwap) {
            w.pv.push(tp * v);
            w.v.push(v);
            const sv = w.v.sum;
            out[j++] = sv > 0 ? logRatio(c, w.pv.sum / sv) : Number.isNaN(sv) ? Number.NaN : 0;
          }
          const lv = Math.log1p(v);
          for (const z of vz) {
            z.push(lv);
            out[j++] = z.z(lv);
          }
          vol24.push(v);
          out[j] = lv - Math.log1p(vol24.mean());
          prevClose = c;
          prevTp = tp;
        },
      };
    },
  };
}
