/**
 * Test-only: one deterministic run of every combiner (seeded synthetic members), returning plain JSON.
 * The workerd test runs it inside workerd and in Node and compares, proving the package is runtime-neutral.
 */
import { DynamicWeighting, OnlineStacker, ShockSwitch, Stacker, equalWeight, type StackRow } from './index.js';
import { gaussian, normal } from './test-utils.js';

export function scenario(): Record<string, unknown> {
  const H = 3_600_000;
  const T0 = Date.UTC(2024, 0, 1);
  const g = gaussian(42);
  const n = 400;
  const y: number[] = [];
  const members = (i: number) => ({ a: normal(0.2 * Math.sin(i / 9), 1), b: normal(0, 1.3), huber: normal(-0.1, 1.1) });
  const dw = new DynamicWeighting({ members: ['a', 'b', 'huber'], reweightEveryMs: 2 * H, shock: { robustMember: 'huber' } });
  const os = new OnlineStacker({ members: ['a', 'b', 'huber'], refitEveryMs: 100 * H, iterations: 40, minRows: 50, minRowsPUp: 50 });
  const rows: StackRow[] = [];
  const outDw: unknown[] = [];
  const outOs: unknown[] = [];
  for (let i = 0; i < n; i++) {
    y.push((i % 50 < 5 ? 3 : 1) * g());
    const t = T0 + i * H;
    const real = (row: number) => y[row];
    dw.resolve(t, real);
    os.resolve(t, real);
    const m = members(i);
    const score = i % 50 < 5 ? 0.9 : 0.1;
    outDw.push(dw.issue(i, t, t + H, m, { shockScore: score }));
    outOs.push(os.issue(i, t, t + H, m, { shockScore: score }));
    rows.push({ forecasts: m, realized: y[i]!, resolvesAt: t + H });
  }
  const st = new Stacker({ members: ['a', 'b', 'huber'], iterations: 60 }).fit(rows, T0 + n * H);
  const sw = new ShockSwitch({ robustMember: 'huber' });
  return {
    dynamic: outDw.slice(-5),
    dynamicState: dw.serialize(),
    online: outOs.slice(-5),
    stack: st.predict(members(0)),
    stackParams: st.params(),
    equal: equalWeight(members(1)),
    shock: sw.widen(equalWeight(members(2)), 0.95),
  };
}
