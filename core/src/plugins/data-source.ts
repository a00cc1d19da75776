import type { Candle } from '../schemas/candle.js';
import type { Observation, RejectedRecord } from '../schemas/observation.js';
import type { Interval } from '../time.js';
import type { PluginBase } from './common.js';

/** What a source emits: candles of a symbol/interval, or observations of a named series. */
export type SeriesDeclaration =
  | { kind: 'candles'; symbol: string; interval: Interval }
  | {
      kind: 'observations';
      series: string;
      /** Typical delay between the end of the period and publication, in ms (documented, for features). */
      publicationLag: number;
    };

export interface DataSourceCapabilities {
  /** Can fetch history for a time range. */
  backfill: boolean;
  /** `native`: pushes (websocket); `emulated`: host polls `fetchLatest`/`fetchRange`; false: none. */
  realtime: 'native' | 'emulated' | false;
}

export interface RateLimitDeclaration {
  /** Requests (or request weight) allowed per window. */
  limit: number;
  windowMs: number;
  /** How the source reports usage, e.g. `X-MBX-USED-WEIGHT-1M`. */
  usageHeader?: string;
}

/** One batch from a source. Rejected records go to quarantine with their reason. */
export interface SourceBatch {
  candles?: Candle[];
  observations?: Observation[];
  rejected?: RejectedRecord[];
}

export interface FetchRangeRequest {
  /** Inclusive start, epoch ms (candle open time / observation event time). */
  from: number;
  /** Exclusive end, epoch ms. */
  to: number;
}

export interface Subscription {
  close(): Promise<void>;
}

export interface SubscribeOptions {
  onBatch(batch: SourceBatch): void | Promise<void>;
  onError?(err: unknown): void;
}

/**
 * A running data source. Only `fetchRange` is required; `fetchLatest` and `subscribe` are optional and
 * the host fills the gaps (polling emulation, see `subscribeEmulated`).
 */
export interface DataSource {
  fetchRange(req: FetchRangeRequest): Promise<SourceBatch>;
  fetchLatest?(): Promise<SourceBatch>;
  subscribe?(opts: SubscribeOptions): Promise<Subscription>;
  close?(): Promise<void>;
}

export interface DataSourceDefinition<Options> extends PluginBase<'source', Options, DataSource> {
  readonly capabilities: DataSourceCapabilities;
  readonly rateLimit?: RateLimitDeclaration;
  /** Series emitted for the given options. */
  series(options: Options): SeriesDeclaration[];
}

/**
 * Define a data source plugin.
 * @example
 * export default defineDataSource({
 *   name: 'my-source', apiVersion: 1, optionsSchema: z.object({ url: z.string().url() }),
 *   capabilities: { backfill: true, realtime: false },
 *   series: () => [{ kind: 'observations', series: 'my_metric', publicationLag: 86_400_000 }],
 *   create: (opts, ctx) => ({ fetchRange: async ({ from, to }) => ({ observations: [] }) }),
 * });
 */
export function defineDataSource<Options>(
  def: Omit<DataSourceDefinition<Options>, 'kind'>,
): DataSourceDefinition<Options> {
  return Object.freeze({ ...def, kind: 'source' as const });
}
