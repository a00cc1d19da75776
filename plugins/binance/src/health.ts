/**
 * Per-source health, read by the host for `/api/v1/health` and `/metrics`. The tracker only counts;
 * `snapshot(now)` derives the state so a reader never sees a stale "banned" after the ban ended.
 */

export type BinanceHealthState =
  /** Nothing has succeeded yet. */
  | 'starting'
  | 'ok'
  /** Working, but recent calls fail often, a gap could not be filled yet, or requests are being spaced. */
  | 'degraded'
  /** A 429 asked us to wait; requests resume after `pausedUntil`. */
  | 'rate-limited'
  /** A 418 IP ban is in force until `bannedUntil`; no request is sent before then. */
  | 'banned'
  /** The REST circuit breaker is open after repeated 5xx/network failures. */
  | 'circuit-open'
  /** A stream is subscribed but its socket is down (reconnecting). */
  | 'disconnected'
  | 'closed';

export interface BinanceHealth {
  state: BinanceHealthState;
  /** Exchange time of the newest thing seen: stream event time `E`, or close time of the newest REST bar. */
  lastEventTime: number | null;
  /** now - lastEventTime (staleness), null before any event. */
  lagMs: number | null;
  /** Open time of the newest closed candle emitted (REST or stream). */
  lastCandleOpenTime: number | null;
  /** Failed share of the last 50 REST attempts and stream connections ("degraded" above 0.2 once 10 are seen). */
  errorRate: number;
  requests: number;
  errors: number;
  /** Reconnects after a drop or dead connection (not counting planned rotations). */
  reconnects: number;
  /** Planned reconnects before Binance's 24 h disconnect. */
  rotations: number;
  /** Records sent to quarantine. */
  rejected: number;
  /** Closed bars recovered from REST after a reconnect or a missed stream bar. */
  backfilledBars: number;
  /** Closed stream bars already emitted (overlap with a backfill), suppressed. */
  duplicatesSuppressed: number;
  /** Last `X-MBX-USED-WEIGHT-1M` seen (or local estimate) and the limit. */
  usedWeight: number;
  weightLimit: number;
  pausedUntil: number | null;
  bannedUntil: number | null;
  circuit: 'closed' | 'open' | 'half-open';
  connected: boolean;
  lastError: string | null;
}

const WINDOW = 50;

export class HealthTracker {
  requests = 0;
  errors = 0;
  reconnects = 0;
  rotations = 0;
  rejected = 0;
  backfilledBars = 0;
  duplicatesSuppressed = 0;
  lastEventTime: number | null = null;
  lastCandleOpenTime: number | null = null;
  lastError: string | null = null;
  circuit: BinanceHealth['circuit'] = 'closed';
  connected = false;
  subscribed = false;
  closed = false;
  gapPending = false;
  private outcomes: boolean[] = [];
  private succeeded = false;

  constructor(private readonly limits: () => { usedWeight: number; weightLimit: number; pausedUntil: number; bannedUntil: number; slowing: boolean }) {}

  success(): void {
    this.succeeded = true;
    this.push(true);
  }

  failure(err: unknown): void {
    this.errors++;
    this.lastError = err instanceof Error ? err.message : String(err);
    this.push(false);
  }

  event(t: number): void {
    if (this.lastEventTime === null || t > this.lastEventTime) this.lastEventTime = t;
  }

  candle(openTime: number): void {
    if (this.lastCandleOpenTime === null || openTime > this.lastCandleOpenTime) this.lastCandleOpenTime = openTime;
  }

  private push(ok: boolean): void {
    this.outcomes.push(ok);
    if (this.outcomes.length > WINDOW) this.outcomes.shift();
  }

  snapshot(now: number): BinanceHealth {
    const l = this.limits();
    const errorRate = this.outcomes.length ? this.outcomes.filter((o) => !o).length / this.outcomes.length : 0;
    const state: BinanceHealthState = this.closed
      ? 'closed'
      : l.bannedUntil > now
        ? 'banned'
        : this.circuit === 'open'
          ? 'circuit-open'
          : l.pausedUntil > now
            ? 'rate-limited'
            : this.subscribed && !this.connected
              ? 'disconnected'
              : !this.succeeded && !this.connected
                ? 'starting'
                : (this.outcomes.length >= 10 && errorRate > 0.2) || this.gapPending || l.slowing || this.circuit === 'half-open'
                  ? 'degraded'
                  : 'ok';
    return {
      state,
      lastEventTime: this.lastEventTime,
      lagMs: this.lastEventTime === null ? null : Math.max(0, now - this.lastEventTime),
      lastCandleOpenTime: this.lastCandleOpenTime,
      errorRate,
      requests: this.requests,
      errors: this.errors,
      reconnects: this.reconnects,
      rotations: this.rotations,
      rejected: this.rejected,
      backfilledBars: this.backfilledBars,
      duplicatesSuppressed: this.duplicatesSuppressed,
      usedWeight: l.usedWeight,
      weightLimit: l.weightLimit,
      pausedUntil: l.pausedUntil > now ? l.pausedUntil : null,
      bannedUntil: l.bannedUntil > now ? l.bannedUntil : null,
      circuit: this.circuit,
      connected: this.connected,
      lastError: this.lastError,
    };
  }
}
