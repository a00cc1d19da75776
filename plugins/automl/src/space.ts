/**
 * Search spaces: float (optionally log), int (optionally log / step) and categorical parameters, checked
 * once with a message naming the parameter. The samplers work on an internal numeric scale: log(x) for
 * log parameters, the value for linear ones, the choice index for categoricals.
 */
import { ValidationError } from '@satcast/core';

export interface FloatParam {
  type: 'float';
  low: number;
  high: number;
  /** Search on log(x) (needs low > 0): learning rates, penalties. */
  log?: boolean;
  /** Grid step (linear scale only). */
  step?: number;
}
export interface IntParam {
  type: 'int';
  low: number;
  high: number;
  log?: boolean;
  /** Grid step, default 1 (linear scale only). */
  step?: number;
}
export type CategoricalValue = string | number | boolean | null;
export interface CategoricalParam {
  type: 'categorical';
  choices: readonly CategoricalValue[];
}
export type ParamSpec = FloatParam | IntParam | CategoricalParam;
/** Parameter name -> distribution. */
export type SearchSpace = Readonly<Record<string, ParamSpec>>;
export type ParamValue = number | CategoricalValue;
export type Params = Record<string, ParamValue>;

const fail = (name: string, msg: string): never => {
  throw new ValidationError(`search space parameter "${name}": ${msg}`, { plugin: 'automl', field: `space.${name}` });
};

/**
 * Check a search space: finite bounds, low <= high, log needs low > 0, no step with log, int bounds are
 * integers, categoricals have at least one choice. Throws ValidationError naming the parameter.
 * @example
 * validateSpace({ lr: { type: 'float', low: 1e-3, high: 0.3, log: true }, depth: { type: 'int', low: 2, high: 8 } });
 */
export function validateSpace(space: SearchSpace): void {
  const names = Object.keys(space);
  if (names.length === 0) throw new ValidationError('search space is empty', { plugin: 'automl', field: 'space' });
  for (const name of names) {
    const p = space[name]!;
    if (p.type === 'categorical') {
      if (!Array.isArray(p.choices) || p.choices.length === 0) fail(name, 'needs at least one choice');
      continue;
    }
    if (p.type !== 'float' && p.type !== 'int') fail(name, `unknown type "${(p as { type: unknown }).type}"`);
    if (!Number.isFinite(p.low) || !Number.isFinite(p.high)) fail(name, 'low and high must be finite numbers');
    if (p.low > p.high) fail(name, `low (${p.low}) > high (${p.high})`);
    if (p.log && p.low <= 0) fail(name, `log scale needs low > 0 (got ${p.low})`);
    if (p.step !== undefined && !(p.step > 0)) fail(name, `step must be > 0 (got ${p.step})`);
    if (p.log && p.step !== undefined && p.step !== 1) fail(name, 'step cannot be combined with log');
    if (p.type === 'int' && (!Number.isInteger(p.low) || !Number.isInteger(p.high))) fail(name, 'int bounds must be integers');
  }
}

/** Grid step on the internal scale (0 = continuous). Log ints are treated as continuous, then rounded. */
export function internalStep(p: FloatParam | IntParam): number {
  if (p.log) return 0;
  return p.step ?? (p.type === 'int' ? 1 : 0);
}

/** Internal bounds [low, high] (log scale for log parameters). */
export function internalBounds(p: FloatParam | IntParam): [number, number] {
  // Log ints extend half a unit each side so the end values get their fair share after rounding.
  if (p.log) return p.type === 'int' ? [Math.log(p.low - 0.5 < 0.5 ? p.low : p.low - 0.5), Math.log(p.high + 0.5)] : [Math.log(p.low), Math.log(p.high)];
  return [p.low, p.high];
}

/** Internal value -> external value (rounded to the grid, clamped to the bounds). */
export function toExternal(p: FloatParam | IntParam, u: number): number {
  let x = p.log ? Math.exp(u) : u;
  const step = p.step ?? (p.type === 'int' ? 1 : 0);
  if (step > 0) x = p.low + Math.round((x - p.low) / step) * step;
  if (p.type === 'int') x = Math.round(x);
  x = Math.min(p.high, Math.max(p.low, x));
  // Float grids accumulate rounding error (0.1 * 3); keep 12 significant digits.
  return p.type === 'float' && step > 0 ? Number(x.toPrecision(12)) : x;
}

/** External value -> internal value. */
export function toInternal(p: FloatParam | IntParam, x: number): number {
  return p.log ? Math.log(x) : x;
}

/** Whether a stored value still belongs to the parameter (a resumed study may carry an older space). */
export function contains(p: ParamSpec, v: unknown): boolean {
  if (p.type === 'categorical') return p.choices.some((c) => c === v);
  return typeof v === 'number' && Number.isFinite(v) && v >= p.low && v <= p.high && (p.type === 'float' || Number.isInteger(v));
}

/** One uniform draw from the space (random search and TPE's startup trials). */
export function sampleUniform(space: SearchSpace, rnd: () => number): Params {
  const out: Params = {};
  for (const [name, p] of Object.entries(space)) {
    if (p.type === 'categorical') out[name] = p.choices[Math.min(p.choices.length - 1, Math.floor(rnd() * p.choices.length))]!;
    else {
      const [lo, hi] = internalBounds(p);
      const step = internalStep(p);
      // Grid parameters draw a grid point uniformly; continuous ones a point of the (log) interval.
      out[name] = step > 0 ? toExternal(p, p.low + Math.floor(rnd() * (Math.floor((p.high - p.low) / step + 1e-9) + 1)) * step) : toExternal(p, lo + rnd() * (hi - lo));
    }
  }
  return out;
}
