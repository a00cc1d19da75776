/**
 * The event bus between sources, the store, feature and model stages. Guarantees every adapter must give
 * (checked by `testBus`): per-key ordering, at-least-once delivery, consumer groups (each message to one
 * member of a group, to every group), replay from an offset. Consumers must make effects idempotent.
 */
export interface BusMessage<T = unknown> {
  topic: string;
  /** Ordering key (e.g. `BTCUSDT:1h`); messages with the same key are delivered in publish order. */
  key: string;
  value: T;
  /** Adapter-specific position, usable with `fromOffset`. */
  offset: string;
  publishedAt: number;
}

export interface BusSubscribeOptions<T> {
  topic: string;
  group: string;
  /** Start from this offset (inclusive) instead of the group's committed position; `'earliest'` replays all. */
  fromOffset?: string | 'earliest' | 'latest';
  handler(msg: BusMessage<T>): void | Promise<void>;
  onError?(err: unknown, msg: BusMessage<T>): void;
}

export interface BusSubscription {
  close(): Promise<void>;
}

export interface Bus {
  publish<T>(topic: string, key: string, value: T): Promise<string>;
  subscribe<T>(opts: BusSubscribeOptions<T>): Promise<BusSubscription>;
  close(): Promise<void>;
}

/** Well-known topics. */
export const TOPICS = {
  candles: 'satcast.candles',
  observations: 'satcast.observations',
  predictions: 'satcast.predictions',
  alerts: 'satcast.alerts',
} as const;
