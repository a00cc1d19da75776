/**
 * Online updates for models whose instances expose `partialFit` (plugins/linear: ridge, huber): after
 * every `every` new scored outcomes of a line's champion, a copy of the champion (loaded from its
 * registry bytes, never the served instance) takes one mini-batch of the newest `rows` window rows whose
 * targets are public, and is registered as challenger. It then goes through the same gates as a retrain
 * (shadow-scored, promoted on Diebold-Mariano evidence, archived otherwise). Each update is logged as a
 * `retrain` decision with `numbers.outcome = 'online'` and the batch loss before and after.
 *
 * One experiment at a time, as for the triggers: while a line has a challenger the update waits (the
 * outcome count keeps growing) and runs once the line is free, on the newest rows then.
 */
import { HORIZON_MS, type Model, type TrainingSet } from '@satcast/core';
import type { LineKey, ModelRegistry } from '@satcast/registry';
import type { FeatureWindow } from './window.js';

export interface OnlineUpdateOptions {
  /** New scored outcomes between two updates (default 100). */
  every?: number;
  /** Newest rows with a public target per mini-batch (default 100). */
  rows?: number;
}

/** What `plugins/linear` reports from `partialFit`. */
export interface PartialFitReport {
  rows: number;
  batches?: number;
  lossBefore: number;
  lossAfter: number;
}

type OnlineModel = Model & { partialFit(batch: TrainingSet): PartialFitReport };

export const supportsPartialFit = (m: Model): m is OnlineModel => typeof (m as Partial<OnlineModel>).partialFit === 'function';

export interface OnlineLine {
  key: LineKey;
  inputs: readonly string[];
  load(blob: import('@satcast/core').SerializedModel): Model | Promise<Model>;
}

export interface OnlineResult {
  version: string;
  report: PartialFitReport;
}

export class OnlineUpdater {
  private pending = 0;
  readonly every: number;
  readonly rows: number;

  constructor(private readonly registry: ModelRegistry, private readonly window: FeatureWindow, private readonly barMs: number, o: OnlineUpdateOptions = {}) {
    this.every = o.every ?? 100;
    this.rows = o.rows ?? 100;
  }

  /** Count newly scored outcomes of the champion. */
  observe(n: number): void {
    this.pending += n;
  }

  /** Start counting again (after a failed update). */
  reset(): void {
    this.pending = 0;
  }

  get due(): boolean {
    return this.pending >= this.every;
  }

  /**
   * Apply one mini-batch to a copy of `champion` and register it as challenger. Returns undefined (and
   * keeps waiting) when the champion's model has no `partialFit` or the window has no usable rows.
   */
  async update(line: OnlineLine, champion: string, now: number): Promise<OnlineResult | undefined> {
    if (!this.due) return undefined;
    const m = await this.registry.get(champion);
    const copy = await line.load(m.serialized);
    if (!supportsPartialFit(copy)) return void (this.pending = 0);
    // Newest `rows` rows whose target is public: the newest horizon's worth of rows has none yet.
    const hBars = Math.round(HORIZON_MS[line.key.horizon] / this.barMs);
    const w = this.window.rows(line.key.horizon, line.inputs, this.rows + hBars);
    const batch: TrainingSet = { horizon: line.key.horizon, times: w.times, features: w.features, target: w.target };
    const report = copy.partialFit(batch);
    if (!(report.rows > 0)) return undefined;
    this.pending = 0;
    const numbers = { outcome: 'online', rows: report.rows, lossBefore: report.lossBefore, lossAfter: report.lossAfter, ...(report.batches !== undefined ? { batches: report.batches } : {}) };
    const v = await this.registry.register({
      ...line.key, artifact: copy.serialize(), parent: champion, alias: 'challenger', actor: 'online',
      card: { features: [...line.inputs], dataRange: { from: w.times[0]!, to: w.times[w.times.length - 1]! }, params: { online: true, parent: champion, rows: report.rows } },
      reason: `online update of ${champion}: ${report.rows} rows`, numbers,
    });
    await this.registry.log(line.key, {
      action: 'retrain', toVersion: v.version, fromVersion: champion, actor: 'online', at: now,
      reason: `online update: ${report.rows} newest scored rows, loss ${report.lossBefore.toFixed(4)} -> ${report.lossAfter.toFixed(4)}; enters as challenger`, numbers,
    });
    return { version: v.version, report };
  }
}
