/**
 * Feature selection in two stages: a fast importance prefilter (absolute Spearman correlation of each
 * feature with the volatility-standardised target on the given rows) caps the candidates, then greedy
 * sequential forward selection adds, one at a time, the candidate that lowers the caller's time-series CV
 * score most, until nothing improves by `minImprovement`, `maxFeatures` (<= 200) is reached, the time
 * budget is spent or the signal aborts. Both only read the rows they are given: called inside a model's
 * fit, they see nothing after the fit time.
 */
import { HORIZON_MS, ValidationError, type TrainingSet } from '@satcast/core';

/** Hard cap on selected features (wide models over-fit and are slow to serve). */
export const MAX_SELECTED = 200;

export interface PrefilterOptions {
  /** Keep this many (best first). Default: all, ranked. */
  count?: number;
  volFeature?: string;
  barMs?: number;
}

function ranks(xs: Float64Array): Float64Array {
  const idx = Array.from(xs.keys()).sort((a, b) => xs[a]! - xs[b]!);
  const r = new Float64Array(xs.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && xs[idx[j + 1]!] === xs[idx[i]!]) j++;
    for (let k = i; k <= j; k++) r[idx[k]!] = (i + j) / 2; // average rank for ties
    i = j + 1;
  }
  return r;
}

function pearson(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) { ma += a[i]!; mb += b[i]!; }
  ma /= n; mb /= n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) { const x = a[i]! - ma, y = b[i]! - mb; sab += x * y; saa += x * x; sbb += y * y; }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

/**
 * Rank candidates by |Spearman correlation| with the (volatility-standardised) target over the rows
 * where both are finite; features with fewer than 30 such rows score 0.
 * @example
 * importancePrefilter(trainingSet, Object.keys(trainingSet.features), { count: 40, volFeature: 'ewma_vol' });
 */
export function importancePrefilter(rows: TrainingSet, candidates: readonly string[], o: PrefilterOptions = {}): { name: string; score: number }[] {
  if (o.count !== undefined && !(Number.isInteger(o.count) && o.count >= 1)) throw new ValidationError(`prefilter count must be an integer >= 1 (got ${o.count})`, { plugin: 'automl', field: 'prefilter' });
  const sh = Math.sqrt(HORIZON_MS[rows.horizon] / (o.barMs ?? 3_600_000));
  const vol = o.volFeature ? rows.features[o.volFeature] : undefined;
  const z = Float64Array.from(rows.target, (y, i) => (vol ? (vol[i]! > 0 ? y / (vol[i]! * sh) : Number.NaN) : y));
  const scored = candidates.map((name) => {
    const x = rows.features[name];
    if (!x) throw new ValidationError(`candidate feature "${name}" is not in the rows`, { plugin: 'automl', field: 'candidates' });
    const keep: number[] = [];
    for (let i = 0; i < z.length; i++) if (Number.isFinite(z[i]!) && Number.isFinite(x[i]!)) keep.push(i);
    if (keep.length < 30) return { name, score: 0 };
    const rho = pearson(ranks(Float64Array.from(keep, (i) => x[i]!)), ranks(Float64Array.from(keep, (i) => z[i]!)));
    return { name, score: Math.abs(rho) };
  });
  // Stable: ties keep the candidates' order.
  scored.sort((a, b) => b.score - a.score);
  return o.count === undefined ? scored : scored.slice(0, o.count);
}

export interface SfsOptions {
  /** Most features to select (default 20, at most 200). */
  maxFeatures?: number;
  /** A candidate is added only if it lowers the score by more than this (default 0). */
  minImprovement?: number;
  /** Stop once this long has passed (checked before each evaluation); uses `clock`. */
  timeBudgetMs?: number;
  signal?: AbortSignal;
  clock?: () => number;
  /** Features always in the set (scored with it, counted in maxFeatures). */
  initial?: readonly string[];
}

export interface SfsResult {
  selected: string[];
  score: number;
  /** Score after each addition. */
  path: { added: string; score: number }[];
  evaluations: number;
  stoppedBy: 'no-improvement' | 'max-features' | 'exhausted' | 'time' | 'abort';
}

type Score = number | { mean: number };
const valueOf = (s: Score) => (typeof s === 'number' ? s : s.mean);

/**
 * Greedy forward selection on a caller-supplied CV score (lower is better).
 * @example
 * const score = ridgeSubsetScorer(rows, candidates, { folds: 4 });
 * const { selected } = await sequentialForwardSelection(candidates, score, { maxFeatures: 15, minImprovement: 1e-4 });
 */
export async function sequentialForwardSelection(
  candidates: readonly string[],
  score: (set: readonly string[]) => Score | Promise<Score>,
  o: SfsOptions = {},
): Promise<SfsResult> {
  const maxFeatures = o.maxFeatures ?? 20;
  if (!Number.isInteger(maxFeatures) || maxFeatures < 1 || maxFeatures > MAX_SELECTED) {
    throw new ValidationError(`maxFeatures must be an integer 1..${MAX_SELECTED} (got ${maxFeatures})`, { plugin: 'automl', field: 'maxFeatures' });
  }
  const minImprovement = o.minImprovement ?? 0;
  if (!(minImprovement >= 0)) throw new ValidationError(`minImprovement must be >= 0 (got ${minImprovement})`, { plugin: 'automl', field: 'minImprovement' });
  if (o.timeBudgetMs !== undefined && !(o.timeBudgetMs > 0)) throw new ValidationError(`timeBudgetMs must be > 0 (got ${o.timeBudgetMs})`, { plugin: 'automl', field: 'timeBudgetMs' });
  const clock = o.clock ?? (() => Date.now());
  const t0 = clock();
  const selected = [...(o.initial ?? [])];
  let remaining = [...new Set(candidates)].filter((c) => !selected.includes(c));
  // Without initial features the first pick is always taken (models need at least one input).
  let best = selected.length ? valueOf(await score(selected)) : Number.POSITIVE_INFINITY;
  let evaluations = selected.length ? 1 : 0;
  const path: SfsResult['path'] = [];
  let stoppedBy: SfsResult['stoppedBy'] = 'exhausted';
  outer: while (remaining.length > 0) {
    if (selected.length >= maxFeatures) { stoppedBy = 'max-features'; break; }
    let stepBest: string | undefined, stepScore = Number.POSITIVE_INFINITY;
    let cut: SfsResult['stoppedBy'] | undefined;
    for (const c of remaining) {
      if (o.signal?.aborted) { cut = 'abort'; break; }
      if (o.timeBudgetMs !== undefined && clock() - t0 >= o.timeBudgetMs) { cut = 'time'; break; }
      const s = valueOf(await score([...selected, c]));
      evaluations++;
      if (s < stepScore) [stepBest, stepScore] = [c, s];
    }
    // A step cut short still takes its best candidate so far if it improves (progress under a budget).
    const improves = stepBest !== undefined && (best === Number.POSITIVE_INFINITY || best - stepScore > minImprovement);
    if (improves) {
      selected.push(stepBest!);
      remaining = remaining.filter((r) => r !== stepBest);
      best = stepScore;
      path.push({ added: stepBest!, score: stepScore });
    }
    if (cut) { stoppedBy = cut; break outer; }
    if (!improves) { stoppedBy = 'no-improvement'; break; }
  }
  if (remaining.length === 0 && stoppedBy === 'exhausted' && selected.length >= maxFeatures) stoppedBy = 'max-features';
  return { selected, score: best, path, evaluations, stoppedBy };
}
