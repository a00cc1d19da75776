import type { ReturnForecast } from '@satcast/core';
import { describe, expect, it } from 'vitest';
import { DynamicWeighting } from './dynamic.js';
import { OnlineStacker } from './stacker.js';
import { ShockSwitch } from './shock.js';
import { HOUR, fieldOf, gaussian, normal } from './test-utils.js';
import { seededRandom } from '@satcast/core';

const T0 = Date.UTC(2024, 0, 1);

/**
 * A regime where ~15% of hours are shocks (anomaly score 0.85) with 3x the volatility of calm hours
 * (score 0.2). Both members forecast the calm distribution N(0, 1); `huber` is a little wider.
 */
function regime(n: number, seed: number) {
  const g = gaussian(seed);
  const u = seededRandom(seed + 1);
  const score = Float64Array.from({ length: n }, () => (u() < 0.15 ? 0.85 : 0.2));
  const y = Float64Array.from(score, (s) => (s >= 0.6 ? 3 : 1) * g());
  return { score, y, members: (): Record<string, ReturnForecast> => ({ gbdt: normal(0, 1), huber: normal(0, 1.2) }) };
}

function coverage(withShock: boolean, n = 4000, kind: 'dynamic' | 'stack' = 'dynamic') {
  const { score, y, members } = regime(n, 5);
  const shock = withShock ? { shock: { robustMember: 'huber' } } : {};
  const dw =
    kind === 'dynamic'
      ? new DynamicWeighting({ members: ['gbdt', 'huber'], ...shock })
      : new OnlineStacker({ members: ['gbdt', 'huber'], refitEveryMs: 14 * 24 * HOUR, iterations: 40, ...shock });
  let shockHits = 0, shockN = 0, calmHits = 0, calmN = 0;
  const out: ReturnForecast[] = [];
  for (let i = 0; i < n; i++) {
    const t = T0 + i * HOUR;
    dw.resolve(t, (row) => y[row]);
    const f = dw.issue(i, t, t + HOUR, members(), { shockScore: score[i] });
    out.push(f);
    if (i < n / 4) continue; // let the widening learn first
    const hit = y[i]! >= f.quantiles.p05 && y[i]! <= f.quantiles.p95 ? 1 : 0;
    if (score[i]! >= 0.6) (shockHits += hit), shockN++;
    else (calmHits += hit), calmN++;
  }
  return { shock: shockHits / shockN, calm: calmHits / calmN, out, score, dw };
}

describe('shock regime', () => {
  it('learned widening raises coverage on 3x-volatility shock rows', () => {
    const off = coverage(false);
    const on = coverage(true);
    expect(off.shock).toBeLessThan(0.6);
    expect(on.shock).toBeGreaterThan(0.8);
    expect(on.shock - off.shock).toBeGreaterThan(0.25);
    // Calm rows are not widened.
    expect(Math.abs(on.calm - off.calm)).toBeLessThan(0.02);
    expect((on.dw as DynamicWeighting).shockWiden()).toBeGreaterThan(2);
    console.log(
      `[ensemble shock synthetic] coverage90 shock rows: off=${off.shock.toFixed(3)} on=${on.shock.toFixed(3)}; calm rows: off=${off.calm.toFixed(3)} on=${on.calm.toFixed(3)}; widen=${(on.dw as DynamicWeighting).shockWiden().toFixed(2)}`,
    );
  });

  it('works the same way on the OnlineStacker', () => {
    const off = coverage(false, 4000, 'stack');
    const on = coverage(true, 4000, 'stack');
    // Without the switch the stacker's shifts are fitted on calm and shock rows alike, so calm bands are
    // too wide and shock bands too narrow; with it, shifts come from calm rows and shocks are widened.
    expect(on.shock - off.shock).toBeGreaterThan(0.2);
    expect(on.shock).toBeGreaterThan(0.8);
    expect(off.calm).toBeGreaterThan(0.95);
    expect(Math.abs(on.calm - 0.9)).toBeLessThan(0.03);
    console.log(`[ensemble shock synthetic, stacker] coverage90 shock rows: off=${off.shock.toFixed(3)} on=${on.shock.toFixed(3)}; calm rows: off=${off.calm.toFixed(3)} on=${on.calm.toFixed(3)}`);
  });

  it('records info.shock and boosts the robust member in shocks', () => {
    const { out, score } = coverage(true, 400);
    for (let i = 1; i < out.length; i++) {
      const s = out[i]!.info!.shock as { score: number; active: boolean; widen: number };
      expect(s.score).toBe(score[i]);
      expect(s.active).toBe(score[i]! >= 0.6);
      if (!s.active) expect(s.widen).toBe(1);
      else expect(s.widen).toBeGreaterThanOrEqual(1);
    }
    const sw = new ShockSwitch({ robustMember: 'huber', boost: 4 });
    expect(sw.reweight({ gbdt: 0.5, huber: 0.5 }, 0.9)).toEqual({ gbdt: 0.5, huber: 2 });
    expect(sw.reweight({ gbdt: 0.5, huber: 0.5 }, 0.3)).toEqual({ gbdt: 0.5, huber: 0.5 });
    expect(sw.isActive(Number.NaN)).toBe(false);
    const dw = new DynamicWeighting({ members: ['gbdt', 'huber'], shock: { robustMember: 'huber', boost: 4 } });
    const f = dw.issue(0, T0, T0 + HOUR, { gbdt: normal(0, 1), huber: normal(0, 1) }, { shockScore: 0.9 });
    expect(f.info!.weights).toEqual({ gbdt: 0.2, huber: 0.8 });
  });

  it('rejects bad shock options by field', () => {
    expect(fieldOf(() => new ShockSwitch({ boost: 0.5 }))).toBe('shock.boost');
    expect(fieldOf(() => new ShockSwitch({ gamma: 0 }))).toBe('shock.gamma');
    expect(fieldOf(() => new ShockSwitch({ minWiden: 3, maxWiden: 2 }))).toBe('shock.maxWiden');
    expect(fieldOf(() => new ShockSwitch({ target: 1 }))).toBe('shock.target');
  });
});
