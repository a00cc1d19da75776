/**
 * Targets are built here and only here, never by a feature: the realised log return from the close of
 * bar i to the close of the bar that closes exactly `horizonMs` later. Row i's target becomes public at
 * closeTime(i) + horizonMs; use `targetAvailableAt` to keep training sets point-in-time.
 */

/**
 * Log-return targets aligned with rows: target[i] = ln(close[j] / close[i]) where openTime[j] =
 * openTime[i] + horizonMs, or NaN if that bar is missing (gaps are never bridged).
 */
export function logReturnTargets(openTime: ArrayLike<number>, close: ArrayLike<number>, horizonMs: number): Float64Array {
  const n = openTime.length;
  const out = new Float64Array(n).fill(Number.NaN);
  let j = 0;
  for (let i = 0; i < n; i++) {
    const want = openTime[i]! + horizonMs;
    if (j < i) j = i;
    while (j < n && openTime[j]! < want) j++;
    if (j < n && openTime[j] === want) out[i] = Math.log(close[j]! / close[i]!);
  }
  return out;
}

/** When row i's target is public: the close of the target bar. */
export function targetAvailableAt(openTime: number, barMs: number, horizonMs: number): number {
  return openTime + barMs + horizonMs;
}

/**
 * Direction targets aligned with rows: 1 when the close `horizonMs` later is above this close, 0 when it
 * is at or below, NaN when that bar is missing. Derived from `logReturnTargets`, so both agree.
 */
export function directionTargets(openTime: ArrayLike<number>, close: ArrayLike<number>, horizonMs: number): Float64Array {
  return toDirection(logReturnTargets(openTime, close, horizonMs));
}

function toDirection(logReturns: Float64Array): Float64Array {
  return logReturns.map((r) => (Number.isNaN(r) ? Number.NaN : r > 0 ? 1 : 0));
}

/**
 * Every target column for the given horizons, named `target_logret_<h>` and `target_up_<h>`. This is the
 * one place targets are built (training sets, evaluation); feature sets never produce `target_*` names.
 * @example
 * const t = buildTargets(frame.openTime, frame.close, { '1h': HOUR, '24h': DAY });
 * t.target_up_24h[i]; // 1 if close 24h after row i is higher
 */
export function buildTargets(
  openTime: ArrayLike<number>,
  close: ArrayLike<number>,
  horizons: Readonly<Record<string, number>>,
): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  for (const [h, ms] of Object.entries(horizons)) {
    const lr = logReturnTargets(openTime, close, ms);
    out[`target_logret_${h}`] = lr;
    out[`target_up_${h}`] = toDirection(lr);
  }
  return out;
}

/** Prefix reserved for target columns; no feature may use it. */
export const TARGET_PREFIX = 'target_';
