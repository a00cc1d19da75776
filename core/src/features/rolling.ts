/**
 * Streaming rolling-window primitives shared by every feature plugin: O(1) amortised per push, memory
 * bounded by the window. Window sums are kept by add/subtract and re-summed exactly from the ring once per
 * window length, so floating-point drift never accumulates over a long history (the re-sum happens at the
 * same push count in batch and live, so both give identical numbers). Non-finite pushes are counted, not
 * summed: a window holding one reports NaN until it has left.
 */

/** Fixed-capacity ring of the most recent values. */
export class Ring {
  private readonly buf: Float64Array;
  private next = 0;
  size = 0;
  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`Ring capacity must be >= 1 (got ${capacity})`);
    this.buf = new Float64Array(capacity);
  }
  push(x: number): void {
    this.buf[this.next] = x;
    this.next = this.next + 1 === this.capacity ? 0 : this.next + 1;
    if (this.size < this.capacity) this.size++;
  }
  /** Value pushed `k` pushes ago (0 = newest); NaN when not that many values yet. */
  back(k: number): number {
    if (k >= this.size) return Number.NaN;
    let j = this.next - 1 - k;
    if (j < 0) j += this.capacity;
    return this.buf[j]!;
  }
  get full(): boolean {
    return this.size === this.capacity;
  }
}

/**
 * Sums of x^1..x^p over the last `w` pushes.
 * @example
 * const s = new WindowSums(20, 2); s.push(x); if (s.ready) sd = s.std();
 */
export class WindowSums {
  private readonly ring: Ring;
  readonly s = [0, 0, 0, 0, 0];
  private bad = 0;
  private sinceResync = 0;
  constructor(readonly w: number, readonly powers: 1 | 2 | 3 | 4 = 1) {
    this.ring = new Ring(w);
  }
  push(x: number): void {
    const old = this.ring.full ? this.ring.back(this.w - 1) : Number.NaN;
    const hadOld = this.ring.full;
    this.ring.push(x);
    if (hadOld) {
      if (Number.isFinite(old)) this.add(old, -1);
      else this.bad--;
    }
    if (Number.isFinite(x)) this.add(x, 1);
    else this.bad++;
    if (++this.sinceResync >= this.w) this.resync();
  }
  private add(x: number, sign: number): void {
    const s = this.s;
    s[1]! += sign * x;
    if (this.powers >= 2) {
      const x2 = x * x;
      s[2]! += sign * x2;
      if (this.powers >= 3) {
        s[3]! += sign * x2 * x;
        if (this.powers >= 4) s[4]! += sign * x2 * x2;
      }
    }
  }
  private resync(): void {
    this.sinceResync = 0;
    this.s.fill(0);
    this.bad = 0;
    for (let k = 0; k < this.ring.size; k++) {
      const x = this.ring.back(k);
      if (Number.isFinite(x)) this.add(x, 1);
      else this.bad++;
    }
  }
  /** Full window with no non-finite value. */
  get ready(): boolean {
    return this.ring.full && this.bad === 0;
  }
  get count(): number {
    return this.ring.size;
  }
  /** Value pushed k pushes ago. */
  back(k: number): number {
    return this.ring.back(k);
  }
  get sum(): number {
    return this.ready ? this.s[1]! : Number.NaN;
  }
  mean(): number {
    return this.ready ? this.s[1]! / this.w : Number.NaN;
  }
  /** Population variance (divide by w), clamped at 0. */
  variance(): number {
    if (!this.ready) return Number.NaN;
    const m = this.s[1]! / this.w;
    return Math.max(0, this.s[2]! / this.w - m * m);
  }
  /** Sample variance (divide by w - 1). */
  sampleVariance(): number {
    return (this.variance() * this.w) / (this.w - 1);
  }
  std(): number {
    return Math.sqrt(this.variance());
  }
  /** (x - mean) / std of the window (which includes x); 0 when the window is flat. */
  z(x: number): number {
    const sd = this.std();
    return sd > 0 ? (x - this.mean()) / sd : Number.isNaN(sd) ? Number.NaN : 0;
  }
  /** Population skewness; 0 for a flat window. */
  skew(): number {
    if (!this.ready) return Number.NaN;
    const n = this.w;
    const m = this.s[1]! / n;
    const m2 = this.s[2]! / n - m * m;
    const m3 = this.s[3]! / n - 3 * m * (this.s[2]! / n) + 2 * m * m * m;
    return m2 > 1e-30 ? m3 / m2 ** 1.5 : 0;
  }
  /** Excess kurtosis (population); 0 for a flat window. */
  kurtosis(): number {
    if (!this.ready) return Number.NaN;
    const n = this.w;
    const m = this.s[1]! / n;
    const e2 = this.s[2]! / n;
    const m2 = e2 - m * m;
    const m4 = this.s[4]! / n - 4 * m * (this.s[3]! / n) + 6 * m * m * e2 - 3 * m ** 4;
    return m2 > 1e-30 ? m4 / (m2 * m2) - 3 : 0;
  }
}

/**
 * Rolling maximum (or minimum) over the last `w` pushes with a monotonic deque, plus how many pushes ago
 * it occurred (ties: the most recent).
 */
export class WindowExtreme {
  private readonly vals: Float64Array;
  private readonly idx: Float64Array;
  private head = 0;
  private len = 0;
  private n = 0;
  constructor(readonly w: number, readonly kind: 'max' | 'min') {
    this.vals = new Float64Array(w + 1);
    this.idx = new Float64Array(w + 1);
  }
  push(x: number): void {
    const cap = this.vals.length;
    const better = this.kind === 'max' ? (a: number, b: number) => a >= b : (a: number, b: number) => a <= b;
    while (this.len > 0) {
      const last = (this.head + this.len - 1) % cap;
      if (better(x, this.vals[last]!)) this.len--;
      else break;
    }
    const at = (this.head + this.len) % cap;
    this.vals[at] = x;
    this.idx[at] = this.n;
    this.len++;
    while (this.idx[this.head]! <= this.n - this.w) {
      this.head = (this.head + 1) % cap;
      this.len--;
    }
    this.n++;
  }
  get ready(): boolean {
    return this.n >= this.w;
  }
  get value(): number {
    return this.n >= this.w ? this.vals[this.head]! : Number.NaN;
  }
  /** Pushes since the extreme (0 = the newest value is the extreme). */
  get age(): number {
    return this.n >= this.w ? this.n - 1 - this.idx[this.head]! : Number.NaN;
  }
}

/** Exponential moving average with alpha = 2 / (n + 1), seeded with the SMA of the first n values. */
export class Ema {
  private seed = 0;
  private k = 0;
  value = Number.NaN;
  readonly alpha: number;
  constructor(readonly n: number, alpha?: number) {
    this.alpha = alpha ?? 2 / (n + 1);
  }
  push(x: number): number {
    if (this.k < this.n) {
      this.seed += x;
      if (++this.k === this.n) this.value = this.seed / this.n;
    } else {
      this.value = this.value + this.alpha * (x - this.value);
    }
    return this.value;
  }
  get ready(): boolean {
    return this.k >= this.n;
  }
}

/** Wilder's smoothing (RMA, alpha = 1/n), seeded with the SMA of the first n values: RSI, ATR, ADX. */
export class Rma extends Ema {
  constructor(n: number) {
    super(n, 1 / n);
  }
}

/** Linearly weighted moving average (weights 1..n, newest heaviest), O(1) per push. */
export class Wma {
  private readonly sums: WindowSums;
  private num = 0;
  private readonly denom: number;
  private sinceResync = 0;
  value = Number.NaN;
  constructor(readonly n: number) {
    this.sums = new WindowSums(n, 1);
    this.denom = (n * (n + 1)) / 2;
  }
  push(x: number): number {
    // num' = num - (sum of the previous window) + n * x, valid once the window was full.
    const prevSum = this.sums.count === this.n ? this.sums.s[1]! : Number.NaN;
    const filled = this.sums.count;
    this.sums.push(x);
    if (filled < this.n) {
      this.num += (filled + 1) * x;
    } else {
      this.num += this.n * x - prevSum;
    }
    if (++this.sinceResync >= this.n) {
      this.sinceResync = 0;
      let s = 0;
      for (let k = 0; k < this.n; k++) s += (this.n - k) * this.sums.back(k);
      this.num = s;
    }
    this.value = this.sums.count >= this.n ? this.num / this.denom : Number.NaN;
    return this.value;
  }
}

/** Value pushed exactly `k` pushes ago. */
export class Lag {
  private readonly ring: Ring;
  constructor(readonly k: number) {
    this.ring = new Ring(k + 1);
  }
  /** Push x and return the value k pushes before it (NaN until available). */
  push(x: number): number {
    this.ring.push(x);
    return this.ring.back(this.k);
  }
}

/** a / b, or `fallback` when b is 0 or the result is not finite (flat windows, zero-volume bars). */
export function safeDiv(a: number, b: number, fallback = 0): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.NaN;
  const r = a / b;
  return Number.isFinite(r) ? r : fallback;
}
