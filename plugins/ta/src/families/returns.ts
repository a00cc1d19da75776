/** Returns and lags: multi-horizon log returns, lagged one-bar returns, open-to-close and open gap. */
import { Ring, type KernelSpec } from '@satcast/core';
import { feat } from '../feature.js';

/** `logret_<k>` = log(close / close k bars earlier), k from options (keeps the starter's definition). */
export function returns(lags: readonly number[]): KernelSpec {
  const max = Math.max(...lags);
  return {
    features: lags.map((k) => feat(`logret_${k}`, k, `log(close / close ${k} bar${k === 1 ? '' : 's'} earlier)`)),
    create: () => {
      const closes = new Ring(max + 1);
      return {
        step(b, out, o) {
          closes.push(b.close);
          for (let j = 0; j < lags.length; j++) out[o + j] = Math.log(b.close / closes.back(lags[j]!));
        },
      };
    },
  };
}

const LAGS = [1, 2, 3, 4, 5];

/** `logret_1_lag_<j>`: the one-bar log return j bars ago; `oc_ret`, `open_gap`. */
export function laggedReturns(): KernelSpec {
  return {
    features: [
      ...LAGS.map((j) => feat(`logret_1_lag_${j}`, j + 1, `one-bar log return ${j} bars ago`)),
      feat('oc_ret', 0, 'log(close / open) of the bar', ['open', 'close']),
      feat('open_gap', 1, 'log(open / previous close): non-zero across outages and on venue re-opens', ['open', 'close']),
    ],
    create: () => {
      const rets = new Ring(LAGS.length + 1);
      let prev = Number.NaN;
      return {
        step(b, out, o) {
          rets.push(Math.log(b.close / prev));
          for (let j = 0; j < LAGS.length; j++) out[o + j] = rets.back(LAGS[j]!);
          out[o + LAGS.length] = Math.log(b.close / b.open);
          out[o + LAGS.length + 1] = Math.log(b.open / prev);
          prev = b.close;
        },
      };
    },
  };
}
