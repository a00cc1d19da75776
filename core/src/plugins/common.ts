import type { z } from 'zod';
import type { PluginContext } from './context.js';

export type PluginKind = 'source' | 'features' | 'model' | 'notifier';

/** Fields every plugin definition has. `name` doubles as the package suffix (`@satcast/plugin-<name>`). */
export interface PluginBase<Kind extends PluginKind, Options, Instance> {
  readonly kind: Kind;
  readonly name: string;
  /** Contract version the plugin was written against; the registry refuses versions it does not know. */
  readonly apiVersion: 1;
  readonly description?: string;
  /** zod schema of the plugin's options; the config loader validates against it and names bad fields. */
  readonly optionsSchema: z.ZodType<Options, any>;
  create(options: Options, ctx: PluginContext): Instance | Promise<Instance>;
}

export type AnyPlugin =
  | import('./data-source.js').DataSourceDefinition<any>
  | import('./feature-set.js').FeatureSetDefinition<any>
  | import('./model.js').ModelDefinition<any>
  | import('./notifier.js').NotifierDefinition<any>;

export const PLUGIN_NAME_RE = /^[a-z][a-z0-9-]{0,62}$/;
