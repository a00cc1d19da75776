/**
 * Per-source health: what the host saw (batches, errors via `onError`, rows it quarantined) merged with
 * what a source reports about itself through the optional `health()` on its running object (Binance:
 * `state`, `lagMs`, reconnects, ban; the HTTP sources: request counters and breaker). `health()` is not
 * part of core's `DataSource` type yet, so it is read defensively: a throwing or odd `health()` must not
 * break `/api/v1/health`.
 */
import type { DataSource } from '@satcast/core';

/** States in which a source cannot deliver now: `/api/v1/health` is degraded and `satcast_source_up` is 0. */
export const NOT_READY_STATES: ReadonlySet<string> = new Set(['banned', 'circuit-open', 'disconnected', 'closed']);

/** What the host tracks per source (the runner's `SourceHealth`). */
export interface HostSourceHealth {
  id: string;
  lastEventTime?: number;
  lastBatchAt?: number;
  errors: number;
  lastError?: string;
  stale?: boolean;
  /** Records the host quarantined for this source, by kind (candle, observation, message, ...). */
  rejected?: Record<string, number>;
}

export interface MergedSourceHealth extends HostSourceHealth {
  /** The source's own state (`ok`, `degraded`, `banned`, `circuit-open`, ...); `ok` when it reports none. */
  state: string;
  /** False in the NOT_READY_STATES. */
  ready: boolean;
  /** Staleness in ms: the source's own `lagMs` when it reports one, else now - lastEventTime. */
  lagMs?: number;
  /** The source's `health()` object as it reported it (JSON-safe fields only). */
  detail?: Record<string, unknown>;
}

type HealthFn = () => unknown;

/** Read `source.health?.()`; undefined when absent or when it throws. */
export function readSourceHealth(source: DataSource): Record<string, unknown> | undefined {
  const fn = (source as { health?: HealthFn }).health;
  if (typeof fn !== 'function') return undefined;
  try {
    const h = fn.call(source);
    return h && typeof h === 'object' ? (h as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Derive a state from a health object without `state` (the HTTP sources' breaker). */
function stateOf(h: Record<string, unknown> | undefined): string {
  if (!h) return 'ok';
  if (typeof h.state === 'string') return h.state;
  if (h.breaker === 'open' || h.breaker === 'isolated') return 'circuit-open';
  if (h.breaker === 'half-open') return 'degraded';
  return 'ok';
}

/** Merge host bookkeeping and the source's own report into one row for /health and /metrics. */
export function mergeSourceHealth(host: HostSourceHealth, source: DataSource | undefined, now = Date.now()): MergedSourceHealth {
  const own = source ? readSourceHealth(source) : undefined;
  const state = stateOf(own);
  const ownLast = num(own?.lastEventTime);
  const lastEventTime = Math.max(host.lastEventTime ?? Number.NEGATIVE_INFINITY, ownLast ?? Number.NEGATIVE_INFINITY);
  const ownLag = num(own?.lagMs);
  const hostLag = host.lastEventTime === undefined ? undefined : Math.max(0, now - host.lastEventTime);
  const lagMs = ownLag ?? hostLag;
  // The host counts onError calls, a source counts its own failures (often the same events): take the larger.
  const ownErrors = num(own?.errors) ?? num(own?.failures) ?? 0;
  const lastError = host.lastError ?? (typeof own?.lastError === 'string' ? own.lastError : undefined);
  return {
    ...host,
    ...(Number.isFinite(lastEventTime) ? { lastEventTime } : {}),
    errors: Math.max(host.errors, ownErrors),
    ...(lastError ? { lastError } : {}),
    state,
    ready: !NOT_READY_STATES.has(state),
    ...(lagMs === undefined ? {} : { lagMs }),
    ...(own ? { detail: own } : {}),
  };
}

/** Every source's merged health, in config order. */
export function sourcesHealth(health: ReadonlyMap<string, HostSourceHealth>, sources: readonly { id: string; source: DataSource }[], now = Date.now()): MergedSourceHealth[] {
  const byId = new Map(sources.map((s) => [s.id, s.source]));
  return [...health.values()].map((h) => mergeSourceHealth(h, byId.get(h.id), now));
}
