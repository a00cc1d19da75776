/** Test-only simulators (seeded): GARCH(1,1) and HAR-type hourly return series. */
import { seededRandom } from '@satcast/core';
import type { GarchParams } from './garch.js';
import { HarWindows } from './har.js';

/** Standard normal draws by Box-Muller from a seeded uniform stream. */
export function normals(seed: number): () => number {
  const u = seededRandom(seed);
  let spare = Number.NaN;
  return () => {
    if (!Number.isNaN(spare)) {
      const s = spare;
      spare = Number.NaN;
      return s;
    }
    const a = Math.max(u(), 1e-300);
    const b = u();
    const r = Math.sqrt(-2 * Math.log(a));
    spare = r * Math.sin(2 * Math.PI * b);
    return r * Math.cos(2 * Math.PI * b);
  };
}

/** Unit-variance Student-t draws with integer `nu` > 2 degrees of freedom. */
export function studentT(seed: number, nu: number): () => number {
  const z = normals(seed);
  return () => {
    let chi = 0;
    for (let k = 0; k < nu; k++) chi += z() ** 2;
    return (z() / Math.sqrt(chi / nu)) * Math.sqrt((nu - 2) / nu);
  };
}

/** r_t = mu + sigma_t z_t with GARCH(1,1) variance (z normal, or unit-variance t(nu)); `burn` draws discarded. */
export function simulateGarch(p: GarchParams, n: number, seed: number, burn = 1000, nu?: number): Float64Array {
  const z = nu ? studentT(seed, nu) : normals(seed);
  let v = p.omega / (1 - p.alpha - p.beta);
  const out = new Float64Array(n);
  for (let t = -burn; t < n; t++) {
    const e = Math.sqrt(v) * z();
    if (t >= 0) out[t] = p.mu + e;
    v = p.omega + p.alpha * e * e + p.beta * v;
  }
  return out;
}

/**
 * Hourly returns whose next-bar log variance follows a HAR recursion on the same window means the model
 * uses: log s2_{t+1} = c + bd log RVd_t + bw log RVw_t + bm log RVm_t + eta, r = s z.
 */
export function simulateHar(coef: [number, number, number, number], n: number, seed: number, etaSd = 0.3, burn = 2000): Float64Array {
  const z = normals(seed);
  const w = new HarWindows([24, 168, 720]);
  const m = new Float64Array(3);
  const [c, bd, bw, bm] = coef;
  const lv0 = c / (1 - bd - bw - bm);
  const out = new Float64Array(n);
  for (let t = -burn; t < n; t++) {
    let lv = lv0;
    if (w.full) {
      w.means(m);
      lv = c + bd * Math.log(m[0]!) + bw * Math.log(m[1]!) + bm * Math.log(m[2]!) + etaSd * z();
    }
    const r = Math.exp(lv / 2) * z();
    w.push(r);
    if (t >= 0) out[t] = r;
  }
  return out;
}
