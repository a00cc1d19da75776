/**
 * Loading `satcast.config.{ts,mjs,js,json}`: the file's default export (or JSON) is validated by core's
 * `resolveConfig` against the registry, so a bad file fails at start naming the field. Without a file the
 * embedded defaults run on the bundled real data.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError, resolveConfig, type AnyPlugin, type PluginRegistry, type ResolvedConfig, type SatcastConfigInput } from '@satcast/core';
import { bundledPath } from '@satcast/data';
import { builtinRegistry } from './plugins.js';

export const CONFIG_FILES = ['satcast.config.ts', 'satcast.config.mjs', 'satcast.config.js', 'satcast.config.json'];

/** Embedded defaults: bundled Binance BTCUSDT hourly history, the last week replayed as a live feed. */
export function defaultConfig(): SatcastConfigInput {
  return {
    asset: 'BTCUSDT',
    interval: '1h',
    horizons: ['1h', '4h', '24h'],
    store: { adapter: 'libsql', url: 'file:.satcast/satcast.db' },
    sources: [
      {
        plugin: 'csv',
        options: { path: bundledPath('btc_usdt_1h.csv.gz'), symbol: 'BTCUSDT', interval: '1h', replay: { holdBackBars: 168, barsPerSecond: 1 } },
      },
    ],
    // Candle-only sets: observation sets (sentiment, onchain, macro) need their sources configured too.
    features: [
      { plugin: 'ta', options: {} },
      { plugin: 'time', options: {} },
    ],
    models: [
      { plugin: 'persistence', options: {} },
      { plugin: 'ewma-band', options: {} },
    ],
    servedModel: 'ewma-band',
    confidenceThreshold: 0.85,
    server: { port: process.env.PORT === undefined ? 8787 : envPort(), host: process.env.HOST ?? '127.0.0.1' },
  };
}

export interface LoadedConfig {
  config: ResolvedConfig;
  /** File the config came from, or `(embedded defaults)`. */
  origin: string;
  /** Built-in plugins plus any the config file brought (`export const plugins`). */
  registry: PluginRegistry;
}

/** Find and load a config file (explicit path, else the first of CONFIG_FILES in cwd, else defaults). */
export async function loadConfig(opts: { path?: string; cwd?: string; plugins?: readonly AnyPlugin[] } = {}): Promise<LoadedConfig> {
  const cwd = opts.cwd ?? process.cwd();
  const registry = builtinRegistry(opts.plugins);
  let file: string | undefined;
  if (opts.path) {
    file = isAbsolute(opts.path) ? opts.path : resolve(cwd, opts.path);
    if (!existsSync(file)) throw new ConfigError(`config file not found: ${file}`, { field: '--config' });
  } else {
    file = CONFIG_FILES.map((f) => resolve(cwd, f)).find((f) => existsSync(f));
  }
  if (!file) return { config: resolveConfig(withEnvApiKeys(defaultConfig(), registry), registry, 'embedded defaults'), origin: '(embedded defaults)', registry };

  let raw: unknown;
  if (file.endsWith('.json')) {
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`${file}: not valid JSON (${(err as Error).message})`);
    }
  } else {
    const { createJiti } = await import('jiti');
    const jiti = createJiti(import.meta.url, { moduleCache: false });
    const mod = (await jiti.import(file)) as { default?: unknown; plugins?: unknown };
    raw = mod.default;
    // A config module may bring its own plugins: `export const plugins = [myPlugin]`.
    if (mod.plugins !== undefined) {
      if (!Array.isArray(mod.plugins)) throw new ConfigError(`${file}: export "plugins" must be an array of plugin definitions`, { field: 'plugins' });
      for (const p of mod.plugins as AnyPlugin[]) registry.register(p);
    }
  }
  const config = resolveConfig(withEnvApiKeys(withRelativePaths(raw, dirname(file)), registry), registry, file);
  // PORT from the environment wins so `PORT=9000 pnpm start` works with any file.
  if (process.env.PORT !== undefined) config.server.port = envPort();
  return { config, origin: file, registry };
}

/** `SATCAST_FRED_API_KEY` for plugin `fred`, `SATCAST_FEAR_GREED_API_KEY` for `fear-greed`. */
export function apiKeyEnvName(plugin: string): string {
  return `SATCAST_${plugin.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_API_KEY`;
}

/**
 * Secrets come from the environment: a source whose options lack `apiKey` gets `SATCAST_<PLUGIN>_API_KEY`
 * before validation, so the plugin's own schema checks it like a configured key. Only plugins whose
 * options declare `apiKey` get one (strict schemas would refuse an unknown field). The key itself never
 * appears in a message: a bad key fails on the plugin's format rule, which does not echo the value.
 */
function withEnvApiKeys(raw: unknown, registry: PluginRegistry, env: NodeJS.ProcessEnv = process.env): unknown {
  if (!raw || typeof raw !== 'object' || !Array.isArray((raw as { sources?: unknown }).sources)) return raw;
  const r = raw as { sources: unknown[] };
  return {
    ...r,
    sources: r.sources.map((s) => {
      if (!s || typeof s !== 'object') return s;
      const ref = s as { plugin?: unknown; options?: Record<string, unknown> };
      if (typeof ref.plugin !== 'string' || !registry.has('source', ref.plugin) || ref.options?.apiKey !== undefined) return s;
      const key = env[apiKeyEnvName(ref.plugin)];
      if (!key || !declaresApiKey(registry.get('source', ref.plugin).optionsSchema)) return s;
      return { ...ref, options: { ...ref.options, apiKey: key } };
    }),
  };
}

/** Whether an options schema (a zod object, possibly refined/piped) has an `apiKey` field. */
function declaresApiKey(schema: unknown): boolean {
  for (let s = schema as { shape?: Record<string, unknown>; def?: { in?: unknown; schema?: unknown; innerType?: unknown } } | undefined, i = 0; s && i < 5; i++) {
    if (s.shape) return 'apiKey' in s.shape;
    s = (s.def?.in ?? s.def?.schema ?? s.def?.innerType) as typeof s;
  }
  return false;
}

/** Source `path`s and a `file:` store URL in a config file are relative to the file, not to the cwd. */
function withRelativePaths(raw: unknown, base: string): unknown {
  if (!raw || typeof raw !== 'object' || !Array.isArray((raw as { sources?: unknown }).sources)) return raw;
  const r = raw as { sources: { options?: { path?: unknown } }[]; store?: { url?: unknown } };
  const url = r.store?.url;
  const store =
    typeof url === 'string' && url.startsWith('file:') && !isAbsolute(url.slice(5))
      ? { ...r.store, url: `file:${resolve(base, url.slice(5))}` }
      : r.store;
  return {
    ...r,
    ...(store ? { store } : {}),
    sources: r.sources.map((s) =>
      s && typeof s.options?.path === 'string' && !isAbsolute(s.options.path)
        ? { ...s, options: { ...s.options, path: resolve(base, s.options.path) } }
        : s,
    ),
  };
}

function envPort(): number {
  const raw = process.env.PORT ?? '';
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) {
    throw new ConfigError(`environment variable PORT: expected an integer 0-65535, received "${raw}"`, { field: 'PORT' });
  }
  return port;
}
