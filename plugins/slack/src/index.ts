/**
 * @module @satcast/plugin-slack
 * Notifier posting alerts to a Slack incoming webhook as `{ text, blocks }` (see `blocks.ts`).
 *
 * The webhook URL is the credential (anyone holding it can post), so it comes from the options or
 * `SATCAST_SLACK_WEBHOOK_URL`, and messages name "Slack webhook" — never the URL. Slack answers `200 ok`;
 * `400 invalid_payload`, `403 action_prohibited`, `404 no_service`, `410 channel_is_archived` are
 * permanent; `429` (Retry-After honoured) and 5xx are retried by the host. A per-webhook rate limit
 * (default 60/min, burst 5: Slack allows about one message per second) and dedup of already delivered
 * alerts come from `createChannel`. Runs in Node and workerd.
 */
import { z } from 'zod';
import { defineNotifier, type PluginContext } from '@satcast/core';
import { createChannel, httpOnce, RateLimitOptionsSchema, requireSecret, throwForStatus, type ChannelNotifier } from '@satcast/plugin-alerting';
import { toSlackMessage } from './blocks.js';

export { toSlackMessage, escapeMrkdwn, type SlackMessage } from './blocks.js';

export const optionsSchema = z.strictObject({
  /** `https://hooks.slack.com/services/T…/B…/…`; default from `SATCAST_SLACK_WEBHOOK_URL`. */
  webhookUrl: z.url({ protocol: /^https?$/ }).optional(),
  timeoutMs: z.number().int().positive().max(120_000).default(5000),
  /** Prepended to critical firing alerts, e.g. `<!channel>` or `<!subteam^S123>`. */
  mentionOnCritical: z.string().max(100).optional(),
  username: z.string().max(80).optional(),
  iconEmoji: z.string().regex(/^:[\w+-]+:$/).optional(),
  rateLimit: RateLimitOptionsSchema.default({ perMinute: 60, burst: 5 }),
});
export type SlackOptions = z.output<typeof optionsSchema>;

const hint: Record<string, string> = {
  no_service: 'the webhook was revoked or the URL is wrong',
  channel_is_archived: 'the channel is archived',
  action_prohibited: 'an admin restricted posting to this channel',
  invalid_payload: 'Slack rejected the message shape',
};

export function createSlackNotifier(o: SlackOptions, ctx: PluginContext): ChannelNotifier {
  const url = requireSecret(o.webhookUrl, { plugin: 'slack', option: 'webhookUrl', env: 'SATCAST_SLACK_WEBHOOK_URL' });
  const attempt = { plugin: 'slack', target: 'Slack webhook', timeoutMs: o.timeoutMs };
  // The path after /services/ is the secret part; redact both the URL and that path.
  const path = new URL(url).pathname;
  return createChannel({
    plugin: 'slack',
    ctx,
    rateLimit: o.rateLimit,
    secrets: [url, ...(path.length > 8 ? [path] : [])],
    async deliver(alert) {
      const body = JSON.stringify(toSlackMessage(alert, o));
      const ans = await httpOnce(ctx, url, { method: 'POST', body, headers: { 'content-type': 'application/json; charset=utf-8' } }, attempt);
      if (ans.status >= 200 && ans.status < 300) return {};
      throwForStatus(ans, attempt, ctx.now(), hint[ans.text.trim()] ?? 'check the webhook URL');
    },
  });
}

export default defineNotifier<SlackOptions>({
  name: 'slack',
  apiVersion: 1,
  description: 'Slack incoming webhook (text + Block Kit)',
  optionsSchema,
  retry: { attempts: 4, baseDelayMs: 1000, maxDelayMs: 30_000 },
  create: (o, ctx) => createSlackNotifier(o, ctx),
});
