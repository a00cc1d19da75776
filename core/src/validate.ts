/**
 * Shared validation for data sources: every record a source parsed is either accepted or rejected with a
 * reason and its raw payload (the host writes rejections to quarantine; nothing is dropped silently).
 * Accepted records are then scanned for anomalies with a causal robust z-score; an anomaly is a FLAG, the
 * record keeps flowing (observations get `attrs.anomaly = true`, candles are listed in `anomalies`),
 * because a 3-sigma day in BTC is usually real (March 2020) and deleting it would hide exactly the days
 * that matter. Runtime-neutral (zod only).
 */
import { CandleSchema, type Candle } from './schemas/candle.js';
import { ObservationSchema, type Observation, type RejectedRecord } from './schemas/observation.js';
import { INTERVAL_MS } from './time.js';

/** What the anomaly z-score runs on: the value, its difference, its log return, or log return when every value is positive. */
export type Transform = 'level' | 'diff' | 'logReturn' | 'auto';

export interface AnomalyOptions {
  /** Trailing points the median and MAD are taken over (the current point is excluded: causal). */
  window: number;
  /** Fewer trailing points than this: no z-score (NaN, never flagged). */
  minPeriods: number;
  /** |z| at or above this is flagged (3 = "3 sigma"). */
  threshold: number;
  transform: Transform;
}

/**
 * Causal robust z-scores: z_t = (y_t - median(y_{t-w..t-1})) / (1.4826 * MAD) where y is `values` after
 * `transform`. Median/MAD instead of mean/sd so one spike does not inflate the scale that should expose it.
 * A zero MAD falls back to the mean absolute deviation; a flat window then makes any move infinite (a
 * jump out of a flat line is worth a look). Non-finite y (first point of a return, zero to zero) is NaN.
 * @example robustZScores(closes, { window: 30, minPeriods: 10, transform: 'logReturn' })
 */
export function robustZScores(values: readonly number[], o: Omit<AnomalyOptions, 'threshold'>): Float64Array {
  const n = values.length;
  const t = o.transform === 'auto' ? (values.every((v) => v > 0) ? 'logReturn' : 'diff') : o.transform;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    const p = values[i - 1];
    y[i] = t === 'level' ? v : p === undefined ? Number.NaN : t === 'diff' ? v - p : Math.log(v / p);
  }
  const out = new Float64Array(n).fill(Number.NaN);
  // The window is kept twice: in arrival order (to know what leaves) and sorted (median in O(1), MAD in
  // O(w) by merging the two sorted halves of |x - median|). No per-point sort or allocation: the whole
  // bundled on-chain history (130k values) takes milliseconds, not seconds.
  const fifo: number[] = [];
  const sorted: number[] = [];
  for (let i = 0; i < n; i++) {
    const yi = y[i]!;
    const w = sorted.length;
    if (w >= o.minPeriods && Number.isFinite(yi)) {
      const med = median(sorted);
      let scale = 1.4826 * madSorted(sorted, med);
      if (scale === 0) {
        let sum = 0;
        for (let k = 0; k < w; k++) sum += Math.abs(sorted[k]! - med);
        scale = (1.2533 * sum) / w;
      }
      out[i] = scale > 0 ? (yi - med) / scale : yi === med ? 0 : Math.sign(yi - med) * Number.POSITIVE_INFINITY;
    }
    if (Number.isFinite(yi)) {
      fifo.push(yi);
      sorted.splice(lowerBound(sorted, yi), 0, yi);
      if (fifo.length > o.window) sorted.splice(lowerBound(sorted, fifo.shift()!), 1);
    }
  }
  return out;
}

function lowerBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Median of |a - med| for ascending `a`: merge the left half (distances growing leftward) and the right half. */
function madSorted(a: readonly number[], med: number): number {
  const w = a.length;
  let r = lowerBound(a, med);
  let l = r - 1;
  const kth = (k: number): number => {
    let d = 0;
    for (let c = 0; c <= k; c++) {
      const dl = l >= 0 ? med - a[l]! : Number.POSITIVE_INFINITY;
      const dr = r < w ? a[r]! - med : Number.POSITIVE_INFINITY;
      if (dl <= dr) {
        d = dl;
        l--;
      } else {
        d = dr;
        r++;
      }
    }
    return d;
  };
  const m = w >> 1;
  if (w % 2) return kth(m);
  const lo = kth(m - 1);
  // kth advanced the pointers past the (m-1)-th distance: the next one is the m-th.
  return (lo + kth(0)) / 2;
}

function median(sorted: readonly number[]): number {
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
}

/** One flagged record: its index in `accepted`, its key and the robust z-score that tripped the flag. */
export interface AnomalyFlag {
  index: number;
  key: string;
  eventTime: number;
  z: number;
}

export interface Validated<T> {
  accepted: T[];
  rejected: RejectedRecord[];
  anomalies: AnomalyFlag[];
}

interface CommonOptions {
  /** Plugin name, copied into every rejected record. */
  source: string;
  /** Current time (ctx.now()): records from the future are rejected. */
  now: number;
  /** Raw provider payload per input record (same index); default: the record itself. */
  payloads?: readonly unknown[];
  /** Tolerated clock difference to the provider, ms (default 5 s). */
  clockSkewMs?: number;
  /** Anomaly flagging (default on, 3 robust sigmas over 30 points); `false` disables it. */
  anomaly?: Partial<AnomalyOptions> | false;
}

export type CandleValidationOptions = CommonOptions;

/** Observation options; `transform` picks what the z-score runs on per series (default `auto`). */
export interface ObservationValidationOptions extends CommonOptions {
  transform?: Transform | ((series: string) => Transform);
  /**
   * Only records with eventTime in [from, to) are returned (accepted or rejected); the others are warm-up
   * context for the anomaly scan, so a record gets the same flag whichever range it was fetched in.
   */
  range?: { from: number; to: number };
}

const DEFAULT_ANOMALY: AnomalyOptions = { window: 30, minPeriods: 10, threshold: 3, transform: 'auto' };

function issueText(issues: readonly { path: PropertyKey[]; message: string }[], raw: Record<string, unknown>): string {
  return issues
    .map((i) => {
      const p = i.path.map(String).join('.');
      const got = p && p in raw ? ` (got ${String(raw[p])})` : '';
      return `${p || 'record'}: ${i.message}${got}`;
    })
    .join('; ');
}

/**
 * Validate candles: schema (NaN / non-positive prices, negative volume, high < low, open or close outside
 * [low, high], off-grid open time), bars not closed at `now`, duplicates and out-of-order open times per
 * (symbol, interval), in input order. Close-to-close log returns are flagged as anomalies.
 * @example
 * const { accepted, rejected, anomalies } = validateCandles(rows, { source: 'binance', now: ctx.now() });
 */
export function validateCandles(records: readonly unknown[], opts: CandleValidationOptions): Validated<Candle> {
  const skew = opts.clockSkewMs ?? 5_000;
  const accepted: Candle[] = [];
  const rejected: RejectedRecord[] = [];
  const last = new Map<string, Candle>();
  const reject = (i: number, reason: string) =>
    rejected.push({ source: opts.source, kind: 'candle', reason, payload: opts.payloads?.[i] ?? records[i], receivedAt: opts.now });
  records.forEach((rec, i) => {
    const parsed = CandleSchema.safeParse(rec);
    if (!parsed.success) return reject(i, issueText(parsed.error.issues, (rec ?? {}) as Record<string, unknown>));
    const c = parsed.data;
    const closeTime = c.openTime + INTERVAL_MS[c.interval];
    if (closeTime > opts.now + skew) return reject(i, `openTime ${c.openTime}: bar closes at ${closeTime}, after now ${opts.now} (in progress or future)`);
    const key = `${c.symbol}/${c.interval}`;
    const prev = last.get(key);
    if (prev && c.openTime === prev.openTime) {
      const same = prev.open === c.open && prev.high === c.high && prev.low === c.low && prev.close === c.close && prev.volume === c.volume;
      return reject(i, `duplicate openTime ${c.openTime}${same ? '' : ' with different values'}`);
    }
    if (prev && c.openTime < prev.openTime) return reject(i, `openTime ${c.openTime} is out of order (previous ${prev.openTime})`);
    last.set(key, c);
    accepted.push(c);
  });
  const anomalies: AnomalyFlag[] = [];
  if (opts.anomaly !== false) {
    const a = { ...DEFAULT_ANOMALY, transform: 'logReturn' as Transform, ...opts.anomaly };
    for (const [key, idx] of groupBy(accepted, (c) => `${c.symbol}/${c.interval}`)) {
      const z = robustZScores(idx.map((k) => accepted[k]!.close), a);
      idx.forEach((k, j) => {
        if (Math.abs(z[j]!) >= a.threshold) anomalies.push({ index: k, key, eventTime: accepted[k]!.openTime, z: z[j]! });
      });
    }
    anomalies.sort((x, y) => x.index - y.index);
  }
  return { accepted, rejected, anomalies };
}

/**
 * Validate observations: schema (non-finite value, negative or non-integer times, `availableAt <
 * eventTime`), event times in the future, and exact duplicates of (series, eventTime, availableAt) (a
 * later `availableAt` for the same period is a revision and is kept). Accepted rows come out ascending by
 * (eventTime, series); each series is scanned for anomalies and flagged rows get `attrs.anomaly = true`
 * and `attrs.anomalyZ` (never dropped).
 * @example
 * const { accepted, rejected } = validateObservations(rows, { source: 'fred', now: ctx.now(), payloads: raw });
 */
export function validateObservations(records: readonly unknown[], opts: ObservationValidationOptions): Validated<Observation> {
  const skew = opts.clockSkewMs ?? 5_000;
  const rejected: RejectedRecord[] = [];
  const seen = new Set<string>();
  const ok: Observation[] = [];
  const rejectedEventTime: unknown[] = [];
  const reject = (i: number, reason: string) => {
    rejectedEventTime.push((records[i] as { eventTime?: unknown } | null)?.eventTime);
    rejected.push({ source: opts.source, kind: 'observation', reason, payload: opts.payloads?.[i] ?? records[i], receivedAt: opts.now });
  };
  records.forEach((rec, i) => {
    let o = fastObservation(rec);
    if (!o) {
      const parsed = ObservationSchema.safeParse(rec);
      if (!parsed.success) return reject(i, issueText(parsed.error.issues, (rec ?? {}) as Record<string, unknown>));
      o = parsed.data;
    }
    if (o.eventTime > opts.now + skew) return reject(i, `${o.series}: eventTime ${o.eventTime} is in the future (now ${opts.now})`);
    const k = `${o.source}\u0000${o.series}\u0000${o.eventTime}\u0000${o.availableAt}`;
    if (seen.has(k)) return reject(i, `${o.series}: duplicate eventTime ${o.eventTime}`);
    seen.add(k);
    ok.push(o);
  });
  // Stable sort: deterministic output whatever order the provider used (CryptoQuant sends newest first).
  let accepted = ok
    .map((o, i) => ({ o, i }))
    .sort((a, b) => a.o.eventTime - b.o.eventTime || a.i - b.i)
    .map(({ o }) => o);
  const anomalies: AnomalyFlag[] = [];
  if (opts.anomaly !== false) {
    const base = { ...DEFAULT_ANOMALY, ...opts.anomaly };
    for (const [series, idx] of groupBy(accepted, (o) => o.series)) {
      const t = opts.transform;
      const a = { ...base, transform: typeof t === 'function' ? t(series) : (t ?? base.transform) };
      const z = robustZScores(idx.map((k) => accepted[k]!.value), a);
      idx.forEach((k, j) => {
        if (!(Math.abs(z[j]!) >= a.threshold)) return;
        const o = accepted[k]!;
        accepted[k] = { ...o, attrs: { ...o.attrs, anomaly: true, anomalyZ: Number.isFinite(z[j]!) ? round(z[j]!) : null } };
        anomalies.push({ index: k, key: series, eventTime: o.eventTime, z: z[j]! });
      });
    }
    anomalies.sort((x, y) => x.index - y.index);
  }
  const r = opts.range;
  if (r) {
    const inRange = (t: unknown) => typeof t !== 'number' || !Number.isFinite(t) || (t >= r.from && t < r.to);
    const keep = accepted.map((o) => o.eventTime >= r.from && o.eventTime < r.to);
    const newIndex: number[] = [];
    let k = 0;
    for (const kept of keep) newIndex.push(kept ? k++ : -1);
    accepted = accepted.filter((_, i) => keep[i]);
    const flags = anomalies.filter((a) => keep[a.index]).map((a) => ({ ...a, index: newIndex[a.index]! }));
    const rej = rejected.filter((x, i) => inRange(rejectedEventTime[i]));
    return { accepted, rejected: rej, anomalies: flags };
  }
  return { accepted, rejected, anomalies };
}

const isUint = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const isPrimitive = (x: unknown) => x === null || typeof x === 'string' || typeof x === 'boolean' || (typeof x === 'number' && !Number.isNaN(x));

/**
 * The common case of `ObservationSchema.parse` without zod's per-call cost (~10 µs, 1.3 s for the bundled
 * on-chain history): accepts only what the schema accepts and returns the same output (known keys only,
 * schemaVersion defaulted); anything unusual returns undefined and goes through zod for the exact message.
 */
function fastObservation(rec: unknown): Observation | undefined {
  if (typeof rec !== 'object' || rec === null) return undefined;
  const r = rec as Record<string, unknown>;
  const { source, series, eventTime, availableAt, value, attrs, schemaVersion } = r;
  if (typeof source !== 'string' || source.length < 1 || source.length > 64) return undefined;
  if (typeof series !== 'string' || series.length < 1 || series.length > 128) return undefined;
  if (!isUint(eventTime) || !isUint(availableAt) || availableAt < eventTime) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  if (schemaVersion !== undefined && !(isUint(schemaVersion) && schemaVersion > 0)) return undefined;
  if (attrs !== undefined) {
    if (typeof attrs !== 'object' || attrs === null || Array.isArray(attrs) || Object.getPrototypeOf(attrs) !== Object.prototype) return undefined;
    for (const v of Object.values(attrs)) if (!isPrimitive(v)) return undefined;
  }
  const o: Observation = { source, series, eventTime, availableAt, value, schemaVersion: (schemaVersion as number | undefined) ?? 1 };
  if (attrs !== undefined) o.attrs = { ...(attrs as Record<string, string | number | boolean | null>) };
  return o;
}

function groupBy<T>(rows: readonly T[], key: (r: T) => string): Map<string, number[]> {
  const m = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const k = key(r);
    const g = m.get(k);
    if (g) g.push(i);
    else m.set(k, [i]);
  });
  return m;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** A parsed provider row: a record to validate, or a parse failure with its reason (and eventTime if known). */
export interface ObservationCandidate {
  record?: unknown;
  /** The raw provider row, kept in quarantine when rejected. */
  payload: unknown;
  reason?: string;
  eventTime?: number;
}

/**
 * `validateObservations` for a source's parsed rows: rows the source could not even parse (`reason`) are
 * rejected as they are (when their eventTime is unknown or inside `range`), the rest are validated.
 * @example
 * return validateCandidates(rows.map(parseRow), { source: 'fred', now: ctx.now(), range });
 */
export function validateCandidates(cands: readonly ObservationCandidate[], opts: ObservationValidationOptions): Validated<Observation> {
  const good = cands.filter((c) => c.reason === undefined);
  const out = validateObservations(
    good.map((c) => c.record),
    { ...opts, payloads: good.map((c) => c.payload) },
  );
  const r = opts.range;
  const early: RejectedRecord[] = cands
    .filter((c) => c.reason !== undefined && (!r || c.eventTime === undefined || (c.eventTime >= r.from && c.eventTime < r.to)))
    .map((c) => ({ source: opts.source, kind: 'observation', reason: c.reason!, payload: c.payload, receivedAt: opts.now }));
  return { ...out, rejected: [...early, ...out.rejected] };
}
