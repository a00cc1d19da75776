/**
 * The sliding training window the learner retrains on: the newest closed bars with the feature values
 * the live pipeline computed for them (the same code as batch), so a retrain never recomputes features
 * and never sees a value the live path did not have. Targets are log returns over the horizon, NaN where
 * the target bar had not closed by the newest bar (point-in-time), or where an input is missing.
 */
import { HORIZON_MS, type FeatureVector, type Horizon } from '@satcast/core';
import type { History } from '../backtest/history.js';

export interface WindowRows {
  times: Float64Array;
  close: Float64Array;
  features: Record<string, Float64Array>;
  target: Float64Array;
}

export class FeatureWindow {
  private readonly openTime: number[] = [];
  private readonly closes: number[] = [];
  private readonly cols = new Map<string, number[]>();

  /** `cap` rows are kept (the longest configured window plus the longest horizon). */
  constructor(private readonly names: readonly string[], private readonly barMs: number, private readonly cap: number) {
    for (const n of names) this.cols.set(n, []);
  }

  get capacity(): number {
    return this.cap;
  }

  get length(): number {
    return this.openTime.length;
  }

  get lastOpenTime(): number | undefined {
    return this.openTime.at(-1);
  }

  /** One closed bar and the live feature vector issued at its close. Older or repeated bars are ignored. */
  push(openTime: number, close: number, values: FeatureVector['values'] | Record<string, number | null | undefined>): void {
    const last = this.openTime.at(-1);
    if (last !== undefined && openTime <= last) return;
    this.openTime.push(openTime);
    this.closes.push(close);
    for (const n of this.names) this.cols.get(n)!.push(values[n] ?? Number.NaN);
    if (this.openTime.length > this.cap) {
      const drop = this.openTime.length - this.cap;
      this.openTime.splice(0, drop);
      this.closes.splice(0, drop);
      for (const c of this.cols.values()) c.splice(0, drop);
    }
  }

  /** Seed from batch history (same feature code) — the bars before the live loop starts. */
  prefill(h: History, until = Number.POSITIVE_INFINITY): void {
    let end = h.openTime.length;
    while (end > 0 && h.openTime[end - 1]! + h.barMs > until) end--;
    for (let i = Math.max(0, end - this.cap); i < end; i++) {
      this.push(h.openTime[i]!, h.close[i]!, Object.fromEntries(this.names.map((n) => [n, h.cols[n]?.[i] ?? Number.NaN])));
    }
  }

  /** The newest `rows` bars of `inputs` with point-in-time targets for `horizon`. */
  rows(horizon: Horizon, inputs: readonly string[], rows: number): WindowRows {
    const n = this.openTime.length;
    const lo = Math.max(0, n - rows);
    const hMs = HORIZON_MS[horizon];
    const hBars = Math.round(hMs / this.barMs);
    const times = new Float64Array(n - lo);
    const close = new Float64Array(n - lo);
    const target = new Float64Array(n - lo).fill(Number.NaN);
    const features: Record<string, Float64Array> = Object.fromEntries(inputs.map((f) => [f, new Float64Array(n - lo)]));
    for (let i = lo; i < n; i++) {
      const k = i - lo;
      times[k] = this.openTime[i]! + this.barMs;
      close[k] = this.closes[i]!;
      let ok = true;
      for (const f of inputs) {
        const v = this.cols.get(f)?.[i] ?? Number.NaN;
        features[f]![k] = v;
        if (!Number.isFinite(v)) ok = false;
      }
      const j = i + hBars;
      // The bar at j must be exactly h later (no gap) and already closed.
      if (ok && j < n && this.openTime[j] === this.openTime[i]! + hMs) target[k] = Math.log(this.closes[j]! / this.closes[i]!);
    }
    return { times, close, features, target };
  }

  /** Recent values of one feature (the drift trigger's "recent" sample is kept by the scheduler itself). */
  column(name: string, rows: number): Float64Array {
    const c = this.cols.get(name) ?? [];
    return Float64Array.from(c.slice(-rows).filter(Number.isFinite));
  }
}
