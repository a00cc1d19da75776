/**
 * Delivery with status records: each routed delivery is sent through its channel's notifier under the
 * channel's retry policy (core `sendWithRetry`: only retryable errors are retried, a success is never
 * repeated), channels in parallel, one failing channel never blocking another. Every delivery yields a
 * `DeliveryRecord` the host stores or shows (e.g. "sms failed after 4 attempts: Twilio answered 401").
 */
import { sendWithRetry, type Alert, type Notifier, type RetryPolicy, type RetryRunOptions, type Store } from '@satcast/core';
import type { Delivery } from './route.js';

export interface ChannelTarget {
  notifier: Notifier;
  retry: RetryPolicy;
}

export interface DeliveryRecord {
  alertId: string;
  rule: string;
  dedupKey: string;
  status: Alert['status'];
  channel: string;
  /** `duplicate`: the notifier had already delivered this alert and did not send it again. */
  outcome: 'delivered' | 'duplicate' | 'failed' | 'no-channel';
  attempts: number;
  receiptId?: string;
  error?: string;
  /** Alerts this delivery covered (grouped deliveries cover several). */
  covers: string[];
  at: number;
}

export interface DispatchOptions extends RetryRunOptions {
  now: () => number;
}

/** Send every delivery; never throws — failures are records. */
export async function dispatch(
  deliveries: readonly Delivery[],
  resolve: (d: Delivery) => ChannelTarget | undefined,
  o: DispatchOptions,
): Promise<DeliveryRecord[]> {
  return Promise.all(
    deliveries.map(async (d): Promise<DeliveryRecord> => {
      const base = { alertId: d.alert.id, rule: d.alert.rule, dedupKey: d.alert.dedupKey, status: d.alert.status, channel: d.channel, covers: d.covers.map((a) => a.id) };
      const target = resolve(d);
      if (!target) return { ...base, outcome: 'no-channel', attempts: 0, error: `no notifier configured for channel "${d.channel}"`, at: o.now() };
      let calls = 0;
      const counted: Notifier = { send: (a) => (calls++, target.notifier.send(a)) };
      try {
        const res = (await sendWithRetry(counted, target.retry, d.alert, o)) as { id?: string; attempts: number; duplicate?: boolean };
        return { ...base, outcome: res.duplicate ? 'duplicate' : 'delivered', attempts: res.attempts, ...(res.id ? { receiptId: res.id } : {}), at: o.now() };
      } catch (err) {
        return { ...base, outcome: 'failed', attempts: calls, error: (err as Error)?.message ?? String(err), at: o.now() };
      }
    }),
  );
}

/**
 * The `dashboard` channel: alerts are written to the store (`Store.putAlerts`, keyed by rule, dedupKey
 * and createdAt, so a resolve updates its fire in place) where the dashboard and `/api/v1/alerts` read them.
 */
export function dashboardNotifier(store: Pick<Store, 'putAlerts'>): ChannelTarget {
  return {
    notifier: { send: async (a) => (await store.putAlerts([a]), { id: a.id }) },
    retry: { attempts: 2, baseDelayMs: 100, maxDelayMs: 1000 },
  };
}
