/**
 * Alert channels: the configured notifier plugins (`notifiers` in the config; the instance id is the
 * channel name rules route to), the built-in `dashboard` channel (the store, read by `/api/v1/alerting`
 * and the dashboard), and users' own webhooks (one signed webhook notifier per URL, created on first use).
 *
 * A notifier whose `create` throws (a missing secret, say) does not stop the backend: the channel is
 * listed with its error in the alerting status and every delivery to it is recorded as `no-channel`
 * with that error, so the misconfiguration is visible rather than silent.
 */
import { randomBytes } from 'node:crypto';
import { consoleLogger, createPluginContext, type Logger, type Notifier, type ResolvedConfig, type Store } from '@satcast/core';
import { dashboardNotifier, type ChannelTarget, type Delivery } from '@satcast/plugin-alerting';
import webhook from '@satcast/plugin-webhook';

export interface ChannelStatus {
  name: string;
  plugin: string;
  ok: boolean;
  /** Why the channel cannot deliver (create failed), or its last health detail. */
  error?: string;
  health?: unknown;
}

interface Slot {
  name: string;
  plugin: string;
  target?: ChannelTarget;
  error?: string;
}

export class Channels {
  private readonly slots = new Map<string, Slot>();
  private readonly userHooks = new Map<string, ChannelTarget>();
  private readonly dashboard: ChannelTarget;
  private userSecret?: string;

  private constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly signal: AbortSignal,
    private readonly userSecretEnv: string,
  ) {
    this.dashboard = dashboardNotifier(store);
  }

  static async create(config: ResolvedConfig, store: Store, log: Logger, signal: AbortSignal): Promise<Channels> {
    const ch = new Channels(store, log, signal, config.alerting.userWebhookSecretEnv);
    for (const ref of config.resolved.notifiers) {
      const slot: Slot = { name: ref.id, plugin: ref.plugin.name };
      try {
        const ctx = createPluginContext({ log: consoleLogger(`notifier:${ref.id}`), signal });
        slot.target = { notifier: await ref.plugin.create(ref.options as never, ctx), retry: ref.plugin.retry };
      } catch (err) {
        slot.error = (err as Error)?.message ?? String(err);
        log.error(`alert channel "${ref.id}" (${ref.plugin.name}) is misconfigured; its alerts are recorded as undelivered`, { error: slot.error });
      }
      ch.slots.set(ref.id, slot);
    }
    return ch;
  }

  /** The target of an operator delivery (by channel name) or a user delivery (`target` = the rule's channel record). */
  resolve(d: Delivery): ChannelTarget | undefined {
    if (d.target !== undefined) return this.userTarget(d.target as Record<string, unknown>);
    if (d.channel === 'dashboard' && !this.slots.has('dashboard')) return this.dashboard;
    return this.slots.get(d.channel)?.target;
  }

  /** Why a channel cannot deliver, for the delivery record. */
  problem(channel: string): string | undefined {
    const s = this.slots.get(channel);
    if (s?.error) return `channel "${channel}" (${s.plugin}) is misconfigured: ${s.error}`;
    if (!s && channel !== 'dashboard') return `no notifier configured for channel "${channel}" (add it under "notifiers" in the config)`;
    return undefined;
  }

  async status(): Promise<ChannelStatus[]> {
    const out: ChannelStatus[] = [{ name: 'dashboard', plugin: 'store', ok: true }];
    for (const s of this.slots.values()) {
      if (!s.target) {
        out.push({ name: s.name, plugin: s.plugin, ok: false, error: s.error });
        continue;
      }
      const n = s.target.notifier as Notifier & { health?: () => Promise<{ ok: boolean; lastError?: string; detail?: string }> };
      if (typeof n.health !== 'function') {
        out.push({ name: s.name, plugin: s.plugin, ok: true });
        continue;
      }
      const h: { ok: boolean; lastError?: string; detail?: string } = await n.health().catch((err: unknown) => ({ ok: false, detail: String(err) }));
      out.push({ name: s.name, plugin: s.plugin, ok: h.ok, ...(h.ok ? {} : { error: h.lastError ?? h.detail }), health: h });
    }
    return out;
  }

  private userTarget(channel: Record<string, unknown>): ChannelTarget | undefined {
    if (channel.type === 'dashboard') return this.dashboard;
    if (channel.type !== 'webhook' || typeof channel.url !== 'string') return undefined;
    let t = this.userHooks.get(channel.url);
    if (!t) {
      const options = webhook.optionsSchema.parse({ url: channel.url, secret: this.secret() });
      const ctx = createPluginContext({ log: consoleLogger('notifier:user-webhook'), signal: this.signal });
      t = { notifier: webhook.create(options, ctx) as Notifier, retry: webhook.retry };
      this.userHooks.set(channel.url, t);
    }
    return t;
  }

  /** The HMAC secret users verify their webhooks with; a random per-process one (with a warning) when unset. */
  private secret(): string {
    if (this.userSecret) return this.userSecret;
    const env = process.env[this.userSecretEnv];
    if (env && env.length >= 16) return (this.userSecret = env);
    this.log.warn(`${this.userSecretEnv} is not set (or shorter than 16 characters): users' webhooks are signed with a random per-process secret they cannot verify`);
    return (this.userSecret = randomBytes(24).toString('hex'));
  }
}
