/**
 * Feature kernels: streaming batch/live parity by construction. A kernel is a small state machine that
 * consumes one bar (plus that row's point-in-time observation values) and writes its outputs into a slot
 * buffer. `batch` drives fresh kernels over a frame's typed arrays, writing typed-array columns without
 * per-row allocation; `incremental` drives fresh kernels of the same code one closed bar at a time. There
 * is one piece of arithmetic per feature, so the two paths cannot drift apart; the contract suite still
 * checks them against each other (warm-up, state carry-over, input plumbing).
 */
import type { Candle, CandleFrame } from '../schemas/candle.js';
import type { FeatureInfo } from '../schemas/feature.js';
import type { AlignedInputs, AlignedRow } from '../pit.js';
import type { FeatureColumns, IncrementalFeatures } from '../plugins/feature-set.js';

/** What a kernel sees of one row. `obs[key]` is NaN/NaN before the series' first publication. */
export interface KernelBar {
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  obs: AlignedRow;
}

export interface FeatureKernel {
  /** Consume the next row and write this row's values into out[off .. off + features.length). */
  step(bar: KernelBar, out: Float64Array, off: number): void;
}

/** A family of features computed together (shared state), with its registry entries. */
export interface KernelSpec {
  /** Declared features in slot order; each carries its own `lookback` (bars before it is defined). */
  features: FeatureInfo[];
  create(): FeatureKernel;
}

function flatten(specs: readonly KernelSpec[]): string[] {
  const names = specs.flatMap((s) => s.features.map((f) => f.name));
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`feature "${dup}" is declared by two kernels`);
  return names;
}

/** Run fresh kernels over a whole frame: one Float64Array column per feature. */
export function runKernelsBatch(specs: readonly KernelSpec[], frame: CandleFrame, inputs: AlignedInputs = {}): FeatureColumns {
  const names = flatten(specs);
  const n = frame.openTime.length;
  const cols = names.map(() => new Float64Array(n));
  const kernels = specs.map((s) => s.create());
  const offs = offsets(specs);
  const buf = new Float64Array(names.length);
  const keys = Object.keys(inputs);
  const obs: AlignedRow = {};
  for (const k of keys) obs[k] = { value: Number.NaN, ageMs: Number.NaN };
  const bar: KernelBar = { openTime: 0, open: 0, high: 0, low: 0, close: 0, volume: 0, obs };
  for (let i = 0; i < n; i++) {
    bar.openTime = frame.openTime[i]!;
    bar.open = frame.open[i]!;
    bar.high = frame.high[i]!;
    bar.low = frame.low[i]!;
    bar.close = frame.close[i]!;
    bar.volume = frame.volume[i]!;
    for (const k of keys) {
      obs[k]!.value = inputs[k]!.value[i]!;
      obs[k]!.ageMs = inputs[k]!.ageMs[i]!;
    }
    for (let k = 0; k < kernels.length; k++) kernels[k]!.step(bar, buf, offs[k]!);
    for (let j = 0; j < cols.length; j++) cols[j]![i] = buf[j]!;
  }
  const out: FeatureColumns = {};
  names.forEach((name, j) => (out[name] = cols[j]!));
  return out;
}

/** Fresh kernels fed one closed bar (and its aligned observation row) at a time. */
export function kernelIncremental(specs: readonly KernelSpec[]): IncrementalFeatures {
  const names = flatten(specs);
  const kernels = specs.map((s) => s.create());
  const offs = offsets(specs);
  const buf = new Float64Array(names.length);
  const bar: KernelBar = { openTime: 0, open: 0, high: 0, low: 0, close: 0, volume: 0, obs: {} };
  return {
    update(c: Candle, inputs?: AlignedRow) {
      bar.openTime = c.openTime;
      bar.open = c.open;
      bar.high = c.high;
      bar.low = c.low;
      bar.close = c.close;
      bar.volume = c.volume;
      bar.obs = inputs ?? {};
      for (let k = 0; k < kernels.length; k++) kernels[k]!.step(bar, buf, offs[k]!);
      const row: Record<string, number> = {};
      for (let j = 0; j < names.length; j++) row[names[j]!] = buf[j]!;
      return row;
    },
  };
}

function offsets(specs: readonly KernelSpec[]): number[] {
  let o = 0;
  return specs.map((s) => {
    const at = o;
    o += s.features.length;
    return at;
  });
}

/**
 * The `features`, `lookback` and `create` members of a feature-set definition built from kernel specs.
 * @example
 * export default defineFeatureSet({ name: 'time', apiVersion: 1, optionsSchema, inputs, publicationLag: 0,
 *   ...fromKernels((o) => [hourOfDay(o)]) });
 */
export function fromKernels<O>(specs: (o: O) => readonly KernelSpec[]) {
  return {
    features: (o: O): FeatureInfo[] => specs(o).flatMap((s) => s.features),
    lookback: (o: O): number => Math.max(1, ...specs(o).flatMap((s) => s.features.map((f) => f.lookback ?? 1))),
    create: (o: O) => {
      const list = specs(o);
      flatten(list);
      return {
        batch: (frame: CandleFrame, inputs?: AlignedInputs) => runKernelsBatch(list, frame, inputs),
        incremental: () => kernelIncremental(list),
      };
    },
  };
}
