/**
 * The registry in the running backend (runner.ts): opened before the pipeline so the pipeline serves
 * registry champions, then a ContinuousLearning for the trainable models once the pipeline is ready, and
 * the performance view for the API. Disabled with `startSatcast(config, { registry: false })`.
 */
import type { Cache, Logger, ResolvedConfig, Store } from '@satcast/core';
import type { Horizon } from '@satcast/core';
import type { LineKey, ModelRegistry, RouteRecord } from '@satcast/registry';
import type { ChampionSource, Pipeline } from '../pipeline/runtime.js';
import { ContinuousLearning, type ContinuousLearningOptions } from './continuous.js';
import { openRegistry, registryChampionSource, versionOutcomes } from './open.js';
import { registryPerformance } from './performance.js';

export interface BackendRegistryOptions {
  /** Registry artifact directory (default: `registry-artifacts` beside the store's database file). */
  artifactsDir?: string;
  /** Continuous learning (default on when a configured model is not refitted per bar); false to serve champions only. */
  learning?: ContinuousLearningOptions | false;
  /** How a challenger of the served model is served: `shadow` (default) or `canary` (share 0.1, sticky per caller). */
  traffic?: ContinuousLearningOptions['traffic'];
}

export interface BackendRegistry {
  registry: ModelRegistry;
  champions: ChampionSource;
  learning?: ContinuousLearning;
  startLearning(pipeline: Pipeline, cache: Cache): Promise<ContinuousLearning | undefined>;
  performance(): Promise<Record<string, unknown>>;
  /** Which version serves `principal` at `horizon` (undefined without learning or a registry champion). */
  route(principal: string, horizon: Horizon, now: number): RouteRecord | undefined;
  close(): Promise<void>;
}

export async function openBackendRegistry(config: ResolvedConfig, store: Store, log: Logger, o: BackendRegistryOptions = {}): Promise<BackendRegistry> {
  const { registry, close } = await openRegistry({ url: config.store.url, actor: 'backend', ...(o.artifactsDir ? { artifactsDir: o.artifactsDir } : {}) });
  const learningOpts = o.learning === false ? undefined : { ...(o.traffic ? { traffic: o.traffic } : {}), ...o.learning };
  const outcomes = versionOutcomes(store, config.asset, { lookbackMs: learningOpts?.outcomeLookbackMs ?? 60 * 86_400_000 });
  const trainable = config.resolved.models.filter((m) => (learningOpts?.models ? learningOpts.models.includes(m.id) : !m.plugin.capabilities.cheapRefit));
  const lines: LineKey[] = trainable.flatMap((m) => config.horizons.map((horizon) => ({ asset: config.asset, horizon, name: m.id })));
  const self: BackendRegistry = {
    registry,
    champions: registryChampionSource(registry, store, config.asset, log),
    async startLearning(pipeline, cache) {
      if (!learningOpts || lines.length === 0) return undefined;
      const learning = new ContinuousLearning({ config, store, registry, cache, log, now: Date.now, swapModel: (id, h, v, b) => pipeline.swapModel(id, h, v, b) }, learningOpts);
      await learning.init();
      await learning.primeCanary(pipeline.lastBar);
      log.info(`continuous learning: ${learning.lines.length} line(s), ${learning.window.length} bars in the training window`);
      return (self.learning = learning);
    },
    performance: () =>
      registryPerformance({
        registry, lines, outcomes, learning: () => self.learning?.status() ?? [], traffic: learningOpts?.traffic?.kind ?? 'shadow', servedModel: config.servedModel,
        ...(learningOpts?.traffic?.kind === 'canary' && learningOpts.traffic.share !== undefined ? { canaryShare: learningOpts.traffic.share } : {}),
        ...(learningOpts?.promotion ? { promotion: learningOpts.promotion } : {}), ...(learningOpts?.rollback ? { rollback: learningOpts.rollback } : {}),
      }),
    route: (principal, horizon, now) => self.learning?.route(principal, horizon, now),
    async close() {
      await self.learning?.close();
      await close();
    },
  };
  return self;
}
