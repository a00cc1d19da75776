/**
 * Schema evolution for stored and bus messages. A message carries `schemaVersion` (absent = 1). Readers
 * never branch on old shapes: they ask an `UpcasterRegistry` to migrate each message step by step
 * (v1 -> v2 -> v3) to the version they were written for, so old rows in a store and old messages still on
 * a bus keep working after a producer moves on. A message NEWER than the reader knows is an error, not a
 * guess: the reader must be upgraded (or the message parked), because silently dropping unknown fields of
 * a future version would lose data. Runtime-neutral (no Node APIs).
 *
 * The concrete observation change registered by `observationUpcasters()` (documented in
 * `OBSERVATION_V2`): v2 makes data quality and unit explicit in `attrs`.
 *   - `attrs.quality`: `'anomaly'` when v1 carried `attrs.anomaly === true` (the flag `validateObservations`
 *     sets), else `'ok'`; the v1 `anomaly` key is removed (one source of truth).
 *   - `attrs.unit`: the unit of `value` (`'index'`, `'BTC'`, `'USD'`, `'percent'`, `'count'`, ...) from a
 *     (source, series) table, `null` when unknown. Nothing is invented: unknown stays `null`.
 */
import { z } from 'zod';
import { ValidationError } from './errors.js';
import { ObservationSchema } from './schemas/observation.js';

/** A message as stored or sent on a bus: a plain object that may carry `schemaVersion`. */
export type Message = Record<string, unknown>;

/** Migrates a message of version `from` to `from + 1`. Must not mutate its input. */
export type Upcaster = (msg: Message) => Message;

/** Version of a message: `schemaVersion`, 1 when absent (messages written before versioning). */
export function messageVersion(msg: Message, kind = 'message'): number {
  const v = msg.schemaVersion ?? 1;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new ValidationError(`${kind}: schemaVersion must be a positive integer (got ${JSON.stringify(v)})`, { plugin: 'upcast', field: 'schemaVersion' });
  }
  return v;
}

/**
 * Upcasters keyed by (kind or topic, fromVersion).
 * @example
 * const reg = new UpcasterRegistry().register('observation', 1, (m) => ({ ...m, schemaVersion: 2 }));
 * const v2 = reg.upcast('observation', storedRow); // any version <= 2 in, version 2 out
 */
export class UpcasterRegistry {
  private readonly steps = new Map<string, Map<number, Upcaster>>();

  /** Register the step `fromVersion -> fromVersion + 1` for `kind`. Registering a step twice is a bug. */
  register(kind: string, fromVersion: number, up: Upcaster): this {
    const m = this.steps.get(kind) ?? new Map<number, Upcaster>();
    if (m.has(fromVersion)) throw new Error(`[satcast] [upcast] ${kind}: an upcaster from v${fromVersion} is already registered`);
    m.set(fromVersion, up);
    this.steps.set(kind, m);
    return this;
  }

  /** Newest version reachable for `kind` (1 when nothing is registered). */
  latest(kind: string): number {
    const m = this.steps.get(kind);
    return m && m.size ? Math.max(...m.keys()) + 1 : 1;
  }

  /**
   * Migrate `msg` to version `to` (default: the latest). Throws a ValidationError naming the kind when the
   * message is newer than `to` (an unknown future version) or a step in the chain is missing.
   */
  upcast(kind: string, msg: Message, to = this.latest(kind)): Message {
    let v = messageVersion(msg, kind);
    if (v > to) {
      throw new ValidationError(`${kind}: schemaVersion ${v} is newer than this reader understands (v${to}); upgrade the reader`, {
        plugin: 'upcast',
        field: 'schemaVersion',
      });
    }
    let out: Message = msg;
    while (v < to) {
      const step = this.steps.get(kind)?.get(v);
      if (!step) throw new ValidationError(`${kind}: no upcaster from v${v} to v${v + 1}`, { plugin: 'upcast', field: 'schemaVersion' });
      out = { ...step(out), schemaVersion: v + 1 };
      v += 1;
    }
    return out;
  }

  /** Upcast many; messages that cannot be migrated come back in `failed` with the reason (for quarantine). */
  upcastAll(kind: string, msgs: readonly Message[], to = this.latest(kind)): { ok: Message[]; failed: { msg: Message; reason: string }[] } {
    const ok: Message[] = [];
    const failed: { msg: Message; reason: string }[] = [];
    for (const m of msgs) {
      try {
        ok.push(this.upcast(kind, m, to));
      } catch (err) {
        failed.push({ msg: m, reason: (err as Error).message });
      }
    }
    return { ok, failed };
  }
}

/** Units of the series Satcast's sources emit, keyed `source:series` (v2 `attrs.unit`). */
export const OBSERVATION_UNITS: Readonly<Record<string, string>> = {
  'fear-greed:fng': 'index',
  'fred:spx': 'index',
  'fred:dxy': 'index',
  'fred:vix': 'index',
  'fred:us10y': 'percent',
  'fred:gold': 'USD',
  'coinmetrics:AdrActCnt': 'count',
  'coinmetrics:TxCnt': 'count',
  'coinmetrics:FeeTotNtv': 'BTC',
  'coinmetrics:HashRate': 'TH/s',
  'coinmetrics:CapMVRVCur': 'ratio',
  'coinmetrics:CapMrktCurUSD': 'USD',
  'coinmetrics:SplyCur': 'BTC',
  'coinmetrics:SplyExNtv': 'BTC',
  'coinmetrics:FlowInExNtv': 'BTC',
  'coinmetrics:FlowOutExNtv': 'BTC',
  'coinmetrics:volume_reported_spot_usd_1d': 'USD',
  'cryptoquant:exchange_inflow_total': 'BTC',
  'cryptoquant:exchange_outflow_total': 'BTC',
  'cryptoquant:exchange_netflow_total': 'BTC',
  'cryptoquant:exchange_reserve': 'BTC',
  'cryptoquant:active_addresses': 'count',
};

/** Observation schema v2 (see the module comment): v1 plus required `attrs.quality` and `attrs.unit`. */
export const OBSERVATION_V2 = ObservationSchema.safeExtend({
  schemaVersion: z.literal(2),
  attrs: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
    .and(z.object({ quality: z.enum(['ok', 'anomaly']), unit: z.string().nullable() })),
});
export type ObservationV2 = z.infer<typeof OBSERVATION_V2>;

/** The v1 -> v2 observation step; `unitOf` overrides the unit table (return undefined to fall back). */
export function observationV1toV2(unitOf?: (source: string, series: string) => string | null | undefined): Upcaster {
  return (m) => {
    const { anomaly, ...attrs } = (m.attrs ?? {}) as Record<string, string | number | boolean | null>;
    const source = String(m.source);
    const series = String(m.series);
    const unit = unitOf?.(source, series) ?? OBSERVATION_UNITS[`${source}:${series}`] ?? null;
    return { ...m, attrs: { ...attrs, quality: anomaly === true ? 'anomaly' : 'ok', unit } };
  };
}

/** A registry with the observation chain registered (kind `observation`, latest v2). */
export function observationUpcasters(unitOf?: Parameters<typeof observationV1toV2>[0]): UpcasterRegistry {
  return new UpcasterRegistry().register('observation', 1, observationV1toV2(unitOf));
}
