#!/usr/bin/env node
/**
 * Cost of the combiners per hourly issue with 8 members (synthetic normal-band members), against the
 * reference `equalWeight` measured in the same run, plus one `Stacker.fit` on 180 days of hourly OOF
 * rows (the OnlineStacker default window) per refit. Process CPU time; ratios are vs equalWeight per row.
 */
import { seededRandom } from '@satcast/core';
import { DynamicWeighting, OnlineStacker, Stacker, equalWeight } from '../dist/index.js';

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
const M = 8;
const names = Array.from({ length: M }, (_, i) => `m${i}`);
const Z = { p05: -1.6448536, p25: -0.6744898, p50: 0, p75: 0.6744898, p95: 1.6448536 };
const u = seededRandom(1);
const gauss = () => Math.sqrt(-2 * Math.log(Math.max(1e-12, u()))) * Math.cos(2 * Math.PI * u());
const N = 8760;
const y = Float64Array.from({ length: N }, () => gauss());
const fc = Array.from({ length: N }, () => {
  const o = {};
  for (const m of names) {
    const mu = 0.3 * gauss();
    const s = 0.8 + 0.4 * u();
    o[m] = { point: mu, pUp: 0.5 + 0.1 * (u() - 0.5), quantiles: Object.fromEntries(Object.entries(Z).map(([k, z]) => [k, mu + s * z])) };
  }
  return o;
});

const cpu = (fn) => {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};

const eq = cpu(() => { for (let i = 0; i < N; i++) equalWeight(fc[i]); });
const dyn = cpu(() => {
  const dw = new DynamicWeighting({ members: names });
  for (let i = 0; i < N; i++) {
    const t = T0 + i * H;
    dw.resolve(t, (r) => y[r]);
    dw.issue(i, t, t + 24 * H, fc[i]);
  }
});
const rows = Array.from({ length: 24 * 180 }, (_, i) => ({ forecasts: fc[i], realized: y[i], resolvesAt: T0 + (i + 1) * H }));
const fit = cpu(() => new Stacker({ members: names }).fit(rows, Infinity));
const online = cpu(() => {
  const os = new OnlineStacker({ members: names, refitEveryMs: 7 * 24 * H });
  for (let i = 0; i < N; i++) {
    const t = T0 + i * H;
    os.resolve(t, (r) => y[r]);
    os.issue(i, t, t + 24 * H, fc[i]);
  }
});
const per = (ms) => (ms / N) * 1000;
console.log(`equalWeight (reference)      ${per(eq).toFixed(2)} us/row`);
console.log(`DynamicWeighting issue+resolve ${per(dyn).toFixed(2)} us/row  ratio ${(dyn / eq).toFixed(1)}x`);
console.log(`OnlineStacker (weekly refit)   ${per(online).toFixed(2)} us/row  ratio ${(online / eq).toFixed(1)}x  (one year: ${(online / 1000).toFixed(2)} s CPU)`);
console.log(`Stacker.fit ${rows.length} rows x ${M} members  ${fit.toFixed(0)} ms CPU  ratio ${(fit / (eq / N)).toFixed(0)}x one equalWeight row`);
