import { ConfigError } from '../errors.js';
import { PLUGIN_NAME_RE, type AnyPlugin, type PluginKind } from './common.js';

type ByKind<K extends PluginKind> = Extract<AnyPlugin, { kind: K }>;

const KINDS: readonly PluginKind[] = ['source', 'features', 'model', 'notifier'];

/** Known plugins by kind and name. Built-in and third-party plugins register the same way. */
export interface PluginRegistry {
  register(plugin: AnyPlugin): PluginRegistry;
  get<K extends PluginKind>(kind: K, name: string): ByKind<K>;
  has(kind: PluginKind, name: string): boolean;
  list(kind?: PluginKind): AnyPlugin[];
}

/**
 * Create a registry, optionally pre-filled. Registration checks the definition's shape so a broken
 * plugin fails when it is added, naming itself, rather than deep inside a pipeline run.
 */
export function createPluginRegistry(plugins: readonly AnyPlugin[] = []): PluginRegistry {
  const byKind = new Map<PluginKind, Map<string, AnyPlugin>>(KINDS.map((k) => [k, new Map()]));

  const registry: PluginRegistry = {
    register(plugin) {
      const name = (plugin as { name?: unknown })?.name;
      const label = typeof name === 'string' ? name : '<unnamed>';
      if (!plugin || !KINDS.includes(plugin.kind)) {
        throw new ConfigError(`plugin has unknown kind "${String(plugin?.kind)}"; use a define* helper`, { plugin: label });
      }
      if (typeof name !== 'string' || !PLUGIN_NAME_RE.test(name)) {
        throw new ConfigError(`plugin name must match ${PLUGIN_NAME_RE} (got "${String(name)}")`, { plugin: label });
      }
      if (plugin.apiVersion !== 1) {
        throw new ConfigError(`unsupported apiVersion ${String(plugin.apiVersion)}; this core speaks apiVersion 1`, { plugin: name });
      }
      if (!plugin.optionsSchema || typeof (plugin.optionsSchema as { safeParse?: unknown }).safeParse !== 'function') {
        throw new ConfigError('optionsSchema must be a zod schema', { plugin: name });
      }
      if (typeof plugin.create !== 'function') throw new ConfigError('create must be a function', { plugin: name });
      const slot = byKind.get(plugin.kind)!;
      if (slot.has(name) && slot.get(name) !== plugin) {
        throw new ConfigError(`a ${plugin.kind} plugin named "${name}" is already registered`, { plugin: name });
      }
      slot.set(name, plugin);
      return registry;
    },
    get(kind, name) {
      const found = byKind.get(kind)?.get(name);
      if (!found) {
        const known = [...(byKind.get(kind)?.keys() ?? [])].sort();
        throw new ConfigError(
          `unknown ${kind} plugin "${name}"; known: ${known.length ? known.join(', ') : '(none registered)'}`,
        );
      }
      return found as ByKind<typeof kind>;
    },
    has(kind, name) {
      return byKind.get(kind)?.has(name) ?? false;
    },
    list(kind) {
      return kind ? [...byKind.get(kind)!.values()] : KINDS.flatMap((k) => [...byKind.get(k)!.values()]);
    },
  };
  plugins.forEach((p) => registry.register(p));
  return registry;
}
