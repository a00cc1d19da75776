/**
 * The feature registry: every feature of every registered feature-set plugin, with the plugin, what it
 * reads, how many bars it needs before it is defined, its publication lag and its description. Plugins
 * that the config uses are listed with the config's options, the others with their defaults.
 */
import type { AnyPlugin, FeatureSetDefinition, PluginRegistry, ResolvedConfig } from '@satcast/core';

export interface FeatureEntry {
  name: string;
  plugin: string;
  /** In the running config's feature list. */
  active: boolean;
  /** Candle fields and/or observation keys (`source:series`). */
  inputs: string[];
  /** Bars before the feature is defined. */
  lookback: number;
  /** Publication lag of its slowest input, ms (0 for candles). */
  publicationLagMs: number;
  description: string;
}

export function featureCatalog(registry: PluginRegistry, config?: ResolvedConfig): FeatureEntry[] {
  const configured = new Map((config?.resolved.features ?? []).map((f) => [f.plugin.name, f.options]));
  const out: FeatureEntry[] = [];
  for (const p of registry.list('features') as Extract<AnyPlugin, { kind: 'features' }>[]) {
    const def = p as FeatureSetDefinition<unknown>;
    const active = configured.has(def.name);
    const options = active ? configured.get(def.name) : def.optionsSchema.parse({});
    const setLookback = def.lookback(options);
    const setInputs = def.inputs.map((i) => (i.kind === 'candles' ? `candles ${i.interval}` : `${i.source}:${i.series}`));
    for (const f of def.features(options)) {
      out.push({
        name: f.name,
        plugin: def.name,
        active,
        inputs: f.inputs ?? setInputs,
        lookback: f.lookback ?? setLookback,
        publicationLagMs: def.publicationLag,
        description: f.description,
      });
    }
  }
  return out;
}
