/** Nelder-Mead simplex minimiser (standard coefficients 1, 2, 0.5, 0.5); deterministic. */

export interface NelderMeadResult {
  x: Float64Array;
  f: number;
  evaluations: number;
  iterations: number;
}

/**
 * Minimise `f` from `x0`; the initial simplex steps each coordinate by `step`. Stops when the spread of
 * function values in the simplex is below `tolerance` (absolute) or after `maxIterations`.
 */
export function nelderMead(
  f: (x: Float64Array) => number,
  x0: ArrayLike<number>,
  o: { step?: number; maxIterations?: number; tolerance?: number } = {},
): NelderMeadResult {
  const d = x0.length;
  const step = o.step ?? 0.5;
  const maxIt = o.maxIterations ?? 500;
  const tol = o.tolerance ?? 1e-10;
  let evaluations = 0;
  const ev = (x: Float64Array) => (evaluations++, f(x));
  const pts: Float64Array[] = [];
  const vals: number[] = [];
  for (let k = 0; k <= d; k++) {
    const x = Float64Array.from(x0);
    if (k > 0) x[k - 1]! += step;
    pts.push(x);
    vals.push(ev(x));
  }
  const order = Array.from({ length: d + 1 }, (_, k) => k);
  const centroid = new Float64Array(d);
  const along = (c: Float64Array, worst: Float64Array, t: number) => Float64Array.from(c, (ci, j) => ci + t * (worst[j]! - ci));
  let it = 0;
  for (; it < maxIt; it++) {
    order.sort((a, b) => vals[a]! - vals[b]!);
    const bi = order[0]!, wi = order[d]!, si = order[d - 1]!;
    if (Math.abs(vals[wi]! - vals[bi]!) < tol) break;
    centroid.fill(0);
    for (const k of order.slice(0, d)) for (let j = 0; j < d; j++) centroid[j]! += pts[k]![j]! / d;
    const xr = along(centroid, pts[wi]!, -1);
    const fr = ev(xr);
    if (fr < vals[bi]!) {
      const xe = along(centroid, pts[wi]!, -2);
      const fe = ev(xe);
      if (fe < fr) (pts[wi] = xe), (vals[wi] = fe);
      else (pts[wi] = xr), (vals[wi] = fr);
      continue;
    }
    if (fr < vals[si]!) {
      pts[wi] = xr;
      vals[wi] = fr;
      continue;
    }
    const outside = fr < vals[wi]!;
    const xc = along(centroid, outside ? xr : pts[wi]!, 0.5);
    const fc = ev(xc);
    if (fc < (outside ? fr : vals[wi]!)) {
      pts[wi] = xc;
      vals[wi] = fc;
      continue;
    }
    // shrink toward the best point
    for (const k of order.slice(1)) {
      pts[k] = along(pts[bi]!, pts[k]!, 0.5);
      vals[k] = ev(pts[k]!);
    }
  }
  let b = 0;
  for (let k = 1; k <= d; k++) if (vals[k]! < vals[b]!) b = k;
  return { x: pts[b]!, f: vals[b]!, evaluations, iterations: it };
}
