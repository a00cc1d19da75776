import type { Candle, IncrementalFeatures } from '@satcast/core';
import type { TaOptions } from './index.js';

/** Fixed-capacity ring of the most recent values. */
class Ring {
  private readonly buf: Float64Array;
  private next = 0;
  size = 0;
  constructor(readonly capacity: number) {
    this.buf = new Float64Array(capacity);
  }
  push(x: number): void {
    this.buf[this.next] = x;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }
  /** Value pushed `k` pushes ago (0 = newest). */
  back(k: number): number {
    return this.buf[(this.next - 1 - k + this.capacity * 2) % this.capacity]!;
  }
}

/** Streaming twin of `batchFeatures`: O(1) per bar, memory bounded by the longest window. */
export class IncrementalTa implements IncrementalFeatures {
  private readonly closes: Ring;
  private readonly sq: Ring;
  private readonly sums: Map<number, number>;
  private count = 0;
  private v = Number.NaN;

  constructor(private readonly o: TaOptions) {
    this.closes = new Ring(Math.max(...o.returnLags) + 1);
    this.sq = new Ring(Math.max(...o.volWindows) + 1);
    this.sums = new Map(o.volWindows.map((w) => [w, 0]));
  }

  update(c: Candle): Record<string, number> {
    const prev = this.count > 0 ? this.closes.back(0) : Number.NaN;
    this.closes.push(c.close);
    this.count++;
    const out: Record<string, number> = {};
    const r = Math.log(c.close / prev);

    for (const k of this.o.returnLags) {
      out[`logret_${k}`] = this.count > k ? Math.log(c.close / this.closes.back(k)) : Number.NaN;
    }
    if (this.count > 1) {
      const sq = r * r;
      this.sq.push(sq);
      for (const w of this.o.volWindows) {
        // Running window sum: add the newest square, drop the one that left the window.
        let s = this.sums.get(w)! + sq;
        if (this.sq.size > w) s -= this.sq.back(w);
        this.sums.set(w, s);
      }
      this.v = this.count === 2 ? sq : this.o.ewmaLambda * this.v + (1 - this.o.ewmaLambda) * sq;
    }
    const returns = this.count - 1;
    for (const w of this.o.volWindows) {
      out[`rv_${w}`] = returns >= w ? Math.sqrt(Math.max(0, this.sums.get(w)!) / w) : Number.NaN;
    }
    out.ewma_vol = this.count > 1 ? Math.sqrt(this.v) : Number.NaN;
    out.hl_range = Math.log(c.high / c.low);
    return out;
  }
}
