/**
 * Helpers for users' alert rules: which served predictions matured since the previous evaluation (for
 * `price_outside_band`), and the delivery labels a stored user alert carries (what
 * `GET /api/v1/alerts/{id}/deliveries` shows).
 */
import { HORIZON_MS, INTERVAL_MS, type Alert, type AlertRule, type Prediction, type ResolvedConfig, type Store } from '@satcast/core';

/** Served predictions whose target bar closed since the previous evaluation, with the realised close. */
export async function maturedPredictions(store: Store, config: ResolvedConfig, rules: readonly AlertRule[], asOf: number, prev: number | undefined) {
  const barMs = INTERVAL_MS[config.interval];
  const since = prev ?? asOf - barMs;
  const out: { prediction: Prediction; realized: number }[] = [];
  for (const h of new Set(rules.filter((r) => r.kind === 'price_outside_band').map((r) => r.horizon))) {
    const H = HORIZON_MS[h];
    const page = await store.listPredictions({ asset: config.asset, model: config.servedModel, horizon: h, from: since - H + 1, to: asOf - H, limit: 1000 });
    for (const p of page.items) {
      const [bar] = await store.getCandles({ symbol: config.asset, interval: config.interval, from: p.targetTime - barMs, to: p.targetTime - barMs });
      if (bar) out.push({ prediction: p, realized: bar.close });
    }
  }
  return out;
}

/** The alert with its delivery labels replaced (`delivery`, `deliveryAttempts`, `deliveryAt`, `deliveryError`, `deliveryReceipt`). */
export function withDelivery(a: Alert, labels: Record<string, string>): Alert {
  const { delivery: _d, deliveryAttempts: _a, deliveryAt: _t, deliveryError: _e, deliveryReceipt: _r, ...rest } = a.labels;
  return { ...a, labels: { ...rest, ...labels } };
}

/** The object without its undefined fields (so spreading it never overwrites a default). */
export function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
