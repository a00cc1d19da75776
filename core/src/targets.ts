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
