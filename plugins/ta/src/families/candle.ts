/**
 * Candle shape and the bar sequence itself. Indicators run on row order (bars), not wall-clock hours: a
 * 33-hour outage is one step. The gap features make that visible to models: missing hours before this
 * bar and within the last 24 bars (the bundled history has 28 gaps, 127 missing hours).
 */
import { HOUR, Rma, WindowSums, type KernelSpec } from '@satcast/core';
import { feat, HLC, OHLC, position } from '../feature.js';

export function candleShape(): KernelSpec {
  return {
    features: [
      feat('body_ratio', 0, '(close - open) / (high - low); 0 for a flat bar', OHLC),
      feat('upper_wick_ratio', 0, '(high - max(open, close)) / (high - low); 0 for a flat bar', OHLC),
      feat('lower_wick_ratio', 0, '(min(open, close) - low) / (high - low); 0 for a flat bar', OHLC),
      feat('close_pos', 0, '(close - low) / (high - low); 0.5 for a flat bar', HLC),
      feat('body_atr_14', 14, '|close - open| / ATR 14 (Wilder); 0 when ATR is 0', OHLC),
      feat('gap_hours_since_prev', 1, 'hours missing between the previous bar and this one (0 on a continuous feed)', ['openTime']),
      feat('gap_hours_24', 24, 'hours missing within the last 24 bars', ['openTime']),
    ],
    create: () => {
      const atr = new Rma(14);
      const gaps = new WindowSums(24, 1);
      let prev = Number.NaN;
      let prevT = Number.NaN;
      return {
        step(b, out, o) {
          const { open: op, high: h, low: l, close: c } = b;
          const range = h - l;
          out[o] = range > 0 ? (c - op) / range : 0;
          out[o + 1] = range > 0 ? (h - Math.max(op, c)) / range : 0;
          out[o + 2] = range > 0 ? (Math.min(op, c) - l) / range : 0;
          out[o + 3] = position(c, l, h);
          if (!Number.isNaN(prev)) atr.push(Math.max(h, prev) - Math.min(l, prev));
          const a = atr.value;
          out[o + 4] = a > 0 ? Math.abs(c - op) / a : Number.isNaN(a) ? Number.NaN : 0;
          const gap = (b.openTime - prevT) / HOUR - 1;
          if (!Number.isNaN(gap)) gaps.push(gap);
          out[o + 5] = gap;
          out[o + 6] = gaps.sum;
          prev = c;
          prevT = b.openTime;
        },
      };
    },
  };
}
