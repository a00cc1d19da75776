/**
 * The retrain callback a RetrainScheduler calls: cut the sliding window for the line, train in the worker
 * thread, and turn the reply into a model card (data range, features, params, training and validation
 * scores, code version) plus the drift reference (the training window's feature values).
 */
import type { Horizon, ResolvedConfig } from '@satcast/core';
import type { RetrainRequest, RetrainResult } from '@satcast/registry';
import type { RetrainWorker } from './retrain-worker.js';
import type { FeatureWindow } from './window.js';

type ResolvedModel = ResolvedConfig['resolved']['models'][number];

export interface RetrainSettings {
  /** Bars in the sliding window (30 days hourly = 720 for fast models). */
  windowBars: number;
  /** Newest share held out for validation scores (time-series split). Default 0.1. */
  validationShare: number;
  /** Fewer usable rows (finite target and inputs) than this: the retrain fails, logged. */
  minRows: number;
  /** Package exporting the plugin (worker import). */
  module: string;
  /** Feature values kept as the drift reference (newest of the window). */
  referenceRows: number;
  codeVersion: string;
}

export const FAST_WINDOW_DAYS = 30;
export const TREE_WINDOW_DAYS = 90;
/** Models whose fit is slow and benefits from more history (longer default window). */
export const TREE_MODELS = new Set(['gbdt', 'forest']);

export function defaultWindowDays(plugin: string): number {
  return TREE_MODELS.has(plugin) ? TREE_WINDOW_DAYS : FAST_WINDOW_DAYS;
}

/** A retrain request → a challenger candidate, trained off the serving thread. */
export async function retrainLine(req: RetrainRequest, m: ResolvedModel, window: FeatureWindow, worker: RetrainWorker, s: RetrainSettings, driftFeatures: readonly string[]): Promise<RetrainResult> {
  const horizon = req.line.horizon as Horizon;
  const inputs = m.plugin.inputs(m.options);
  const rows = window.rows(horizon, inputs, s.windowBars);
  const usable = rows.target.filter(Number.isFinite).length;
  if (usable < s.minRows) throw new Error(`only ${usable} usable rows in the ${s.windowBars}-bar window, need ${s.minRows}`);
  const reply = await worker.run({ plugin: m.plugin.name, module: s.module, options: m.options, horizon, ...rows, validationShare: s.validationShare });
  const n = rows.times.length;
  const barMs = n > 1 ? rows.times[1]! - rows.times[0]! : 0;
  const reference = Object.fromEntries(driftFeatures.map((f) => [f, Array.from(rows.features[f] ?? window.column(f, s.referenceRows)).slice(-s.referenceRows).filter(Number.isFinite)]));
  return {
    artifact: { format: reply.format, bytes: reply.bytes },
    card: {
      createdAt: req.at,
      features: inputs,
      dataRange: { from: Math.round(rows.times[0]! - barMs), to: Math.round(rows.times[n - 1]!) },
      params: {
        plugin: m.plugin.name, options: m.options as Record<string, unknown>, windowBars: s.windowBars, validationShare: s.validationShare,
        split: 'time-ordered (newest share held out)', triggers: req.reasons.map((r) => r.trigger),
      },
      training: { [horizon]: { rows: reply.training.rows, fitRows: reply.training.fitRows, seconds: reply.training.seconds } },
      validation: { [horizon]: { ...reply.validation } },
      codeVersion: s.codeVersion,
    },
    reference,
  };
}
