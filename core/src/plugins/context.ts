/**
 * What a plugin may use from its host. Plugins never reach for globals (`Date.now`, `fetch`, `console`)
 * directly, so the same code runs in Node, in workerd and in tests with a fake clock or a fake network.
 */
export interface Logger {
  debug(msg: string, data?: Record<string, unknown>): void;
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
  error(msg: string, data?: Record<string, unknown>): void;
}

export interface PluginContext {
  /** Logger already tagged with the plugin name. */
  log: Logger;
  /** `fetch` to use for every network call (tests inject a fake; hosts may add retries). */
  fetch: typeof fetch;
  /** Current time in epoch ms (a replay or test may run a simulated clock). */
  now(): number;
  /** Aborted when the host shuts the plugin down. */
  signal: AbortSignal;
}

const noop = () => {};
/** A logger that drops everything; the default in tests. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

/** A logger writing `[satcast] [name] msg` lines through `console` (works in Node and workerd). */
export function consoleLogger(name: string, level: 'debug' | 'info' | 'warn' | 'error' = 'info'): Logger {
  const order = { debug: 0, info: 1, warn: 2, error: 3 } as const;
  const emit =
    (lvl: keyof typeof order) =>
    (msg: string, data?: Record<string, unknown>): void => {
      if (order[lvl] < order[level]) return;
      const line = `[satcast] [${name}] ${msg}${data ? ` ${JSON.stringify(data)}` : ''}`;
      (lvl === 'error' ? console.error : lvl === 'warn' ? console.warn : console.log)(line);
    };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** Build a context with sensible defaults; every field can be overridden. */
export function createPluginContext(overrides: Partial<PluginContext> = {}): PluginContext {
  return {
    log: overrides.log ?? silentLogger,
    fetch: overrides.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args)),
    now: overrides.now ?? (() => Date.now()),
    signal: overrides.signal ?? new AbortController().signal,
  };
}
