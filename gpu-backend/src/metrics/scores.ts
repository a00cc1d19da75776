/**
 * Live scores from realised outcomes, always beside persistence: for each model and horizon, over the
 * predictions issued in the last `windowBars` hourly bars before `asOf`. Used by `/api/v1/scores`, the
 * dashboard and the Prometheus gauges, so every place shows the same numbers.
 */
import type { Horizon, Store } from '@satcast/core';

export interface LiveScore {
  model: string;
  horizon: Horizon;
  n: number;
  mae: number | null;
  persistenceMae: number | null;
  /** 1 - MAE / persistence MAE: above 0 beats persistence, below 0 is worse. */
  maeSkillVsPersistence: number | null;
  coverage90: number | null;
  pinball: number | null;
}

export async function liveScores(
  store: Store,
  q: { asset: string; models: readonly string[]; horizons: readonly Horizon[]; asOf?: number; windowBars?: number },
): Promise<LiveScore[]> {
  const from = q.asOf === undefined ? undefined : q.asOf - (q.windowBars ?? 500) * 3_600_000;
  const out: LiveScore[] = [];
  for (const model of q.models) {
    for (const horizon of q.horizons) {
      const o = await store.listOutcomes({ asset: q.asset, model, horizon, from });
      const n = o.length;
      const mean = (f: (x: (typeof o)[number]) => number) => (n ? o.reduce((s, x) => s + f(x), 0) / n : null);
      const mae = mean((x) => x.absError);
      const pmae = mean((x) => x.persistenceAbsError);
      out.push({
        model,
        horizon,
        n,
        mae,
        persistenceMae: pmae,
        maeSkillVsPersistence: mae !== null && pmae ? 1 - mae / pmae : null,
        coverage90: mean((x) => (x.covered90 ? 1 : 0)),
        pinball: mean((x) => x.pinball),
      });
    }
  }
  return out;
}
