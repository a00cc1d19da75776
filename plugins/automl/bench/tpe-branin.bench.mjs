// TPE vs uniform random search on Branin (same budget, same seeds), plus the cost of one TPE suggestion.
// Run: cd plugins/automl && pnpm build && node bench/tpe-branin.bench.mjs
import { RandomSampler, Study, TpeSampler } from '../dist/index.js';

const branin = (x1, x2) => (x2 - (5.1 / (4 * Math.PI ** 2)) * x1 ** 2 + (5 / Math.PI) * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1) + 10 - 0.397887;
const space = { x1: { type: 'float', low: -5, high: 10 }, x2: { type: 'float', low: 0, high: 15 } };
const seeds = Array.from({ length: 20 }, (_, i) => i + 1);

for (const budget of [30, 60, 100]) {
  let tpe = 0, rnd = 0;
  for (const seed of seeds) {
    for (const [sampler, add] of [[new TpeSampler({ seed }), (v) => (tpe += v / seeds.length)], [new RandomSampler(seed), (v) => (rnd += v / seeds.length)]]) {
      const study = await Study.create({ space, sampler });
      const { best } = await study.optimize((t) => branin(t.params.x1, t.params.x2), { nTrials: budget });
      add(best.value);
    }
  }
  console.log(`Branin regret, ${budget} trials, mean of ${seeds.length} seeds: TPE ${tpe.toFixed(4)}  random ${rnd.toFixed(4)}  ratio ${(tpe / rnd).toFixed(3)}`);
}

const study = await Study.create({ space, seed: 1 });
await study.optimize((t) => branin(t.params.x1, t.params.x2), { nTrials: 500 });
const t0 = performance.now();
for (let i = 0; i < 50; i++) study.sampler.suggest(space, study.trials, 500 + i);
console.log(`one TPE suggestion with 500 stored trials (2 params): ${((performance.now() - t0) / 50).toFixed(2)} ms`);
