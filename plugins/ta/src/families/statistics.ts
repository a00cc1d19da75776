/** Rolling statistics of one-bar log returns and of the close: skewness, excess kurtosis, z-scores, lag-1 autocorrelation. */
import { WindowSums, type KernelSpec } from '@satcast/core';
import { feat } from '../feature.js';

const MOMENTS = [24, 168];
const RET_Z = [24, 168];

export function statistics(): KernelSpec {
  return {
    features: [
      ...MOMENTS.flatMap((n) => [
        feat(`ret_skew_${n}`, n, `skewness of the last ${n} one-bar log returns (population)`),
        feat(`ret_kurt_${n}`, n, `excess kurtosis of the last ${n} one-bar log returns (population)`),
      ]),
      ...RET_Z.map((n) => feat(`ret_z_${n}`, n, `z-score of the latest one-bar log return within the last ${n}`)),
      feat('close_z_50', 49, 'z-score of the close within the last 50 closes'),
      feat('ret_autocorr_48', 49, 'lag-1 autocorrelation (Pearson) of one-bar log returns over the last 48 pairs'),
    ],
    create: () => {
      const mom = MOMENTS.map((n) => new WindowSums(n, 4));
      const rz = RET_Z.map((n) => new WindowSums(n, 2));
      const cz = new WindowSums(50, 2);
      const ac = { x: new WindowSums(48, 2), y: new WindowSums(48, 2), xy: new WindowSums(48, 1) };
      let prev = Number.NaN;
      let prevR = Number.NaN;
      return {
        step(b, out, o) {
          const r = Math.log(b.close / prev);
          const has = !Number.isNaN(prev);
          let j = o;
          for (const m of mom) {
            if (has) m.push(r);
            out[j++] = m.skew();
            out[j++] = m.kurtosis();
          }
          for (const z of rz) {
            if (has) z.push(r);
            out[j++] = z.z(r);
          }
          cz.push(b.close);
          out[j++] = cz.z(b.close);
          if (has && !Number.isNaN(prevR)) {
            ac.x.push(r);
            ac.y.push(prevR);
            ac.xy.push(r * prevR);
          }
          let corr = Number.NaN;
          if (ac.xy.ready) {
            const n = 48;
            const cov = ac.xy.sum / n - ac.x.mean() * ac.y.mean();
            const den = Math.sqrt(ac.x.variance() * ac.y.variance());
            corr = den > 0 ? Math.max(-1, Math.min(1, cov / den)) : 0;
          }
          out[j] = corr;
          prevR = r;
          prev = b.close;
        },
      };
    },
  };
}
