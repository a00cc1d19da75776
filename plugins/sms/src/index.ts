/**
 * @module @satcast/plugin-sms
 * Notifier sending alerts as SMS through Twilio's Messages API:
 *
 *   POST {baseUrl}/2010-04-01/Accounts/{AccountSid}/Messages.json
 *   Authorization: Basic base64(AccountSid:AuthToken)        (or an API key: apiKeySid:apiKeySecret)
 *   Content-Type: application/x-www-form-urlencoded
 *   To=%2B15551234567&From=%2B15557654321&Body=...            (or MessagingServiceSid=MG... instead of From)
 *
 * Twilio answers `201 {"sid":"SM…","status":"queued",…}`; errors are JSON `{code, message, more_info,
 * status}`: 400 (e.g. 21211 invalid To) and 401 (20003 bad credentials) are permanent, 429 (20429) and
 * 5xx are retried by the host. One message per recipient; recipients already sent for an alert are not
 * sent again when a retry follows a partial failure. `health()` checks the credentials with
 * `GET /2010-04-01/Accounts/{AccountSid}.json`. The auth token is never logged or put in errors.
 */
import { z } from 'zod';
import { defineNotifier, type Alert, type PluginContext } from '@satcast/core';
import { createChannel, defaultDeliveryKey, httpOnce, RateLimitOptionsSchema, requireSecret, throwForStatus, type ChannelNotifier } from '@satcast/plugin-alerting';

const E164 = z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number like +15551234567');

export const optionsSchema = z
  .strictObject({
    /** `AC` + 32 hex; default from `SATCAST_TWILIO_ACCOUNT_SID`. */
    accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/).optional(),
    /** Default from `SATCAST_TWILIO_AUTH_TOKEN`; with `apiKeySid` this is the API key's secret. */
    authToken: z.string().min(16).optional(),
    /** Authenticate with an API key (`SK…`) instead of the account SID. */
    apiKeySid: z.string().regex(/^SK[0-9a-fA-F]{32}$/).optional(),
    from: E164.optional(),
    messagingServiceSid: z.string().regex(/^MG[0-9a-fA-F]{32}$/).optional(),
    to: z.array(E164).min(1).max(20),
    baseUrl: z.url({ protocol: /^https?$/ }).default('https://api.twilio.com'),
    /** Longer bodies are cut; Twilio's hard limit is 1600 characters, 160 per billed segment. */
    maxLength: z.number().int().min(40).max(1600).default(320),
    timeoutMs: z.number().int().positive().max(120_000).default(10_000),
    rateLimit: RateLimitOptionsSchema.default({ perMinute: 30, burst: 10 }),
  })
  .refine((o) => o.from !== undefined || o.messagingServiceSid !== undefined, { path: ['from'], message: 'set "from" or "messagingServiceSid"' });
export type SmsOptions = z.output<typeof optionsSchema>;

/** The SMS text: state, title and message, cut to `maxLength`. */
export function smsBody(alert: Alert, maxLength: number): string {
  const head = alert.status === 'resolved' ? 'RESOLVED' : alert.severity.toUpperCase();
  const text = `[satcast ${head}] ${alert.title}: ${alert.message}`;
  return text.length <= maxLength ? text : `${text.slice(0, maxLength - 1)}…`;
}

const base64 = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));

export interface SmsNotifier extends ChannelNotifier {}

export function createSmsNotifier(o: SmsOptions, ctx: PluginContext): SmsNotifier {
  const accountSid = requireSecret(o.accountSid, { plugin: 'sms', option: 'accountSid', env: 'SATCAST_TWILIO_ACCOUNT_SID' });
  const token = requireSecret(o.authToken, { plugin: 'sms', option: 'authToken', env: 'SATCAST_TWILIO_AUTH_TOKEN', minLength: 16 });
  const auth = `Basic ${base64(`${o.apiKeySid ?? accountSid}:${token}`)}`;
  const api = `${o.baseUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}`;
  const attempt = { plugin: 'sms', target: 'Twilio', timeoutMs: o.timeoutMs };
  const secrets = [token, auth, auth.slice(6)];
  // Recipients already sent per alert delivery key: a retry after a partial failure resumes, never repeats.
  const sentTo = new Map<string, Map<string, string>>();

  const sendOne = async (to: string, body: string): Promise<string> => {
    const form = new URLSearchParams({ To: to, Body: body, ...(o.messagingServiceSid ? { MessagingServiceSid: o.messagingServiceSid } : { From: o.from! }) });
    const ans = await httpOnce(ctx, `${api}/Messages.json`, { method: 'POST', body: form.toString(), headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' } }, attempt);
    if (ans.status === 201 || ans.status === 200) return (JSON.parse(ans.text) as { sid: string }).sid;
    throwForStatus(ans, attempt, ctx.now(), ans.status === 401 ? 'check accountSid and authToken' : 'check the phone numbers and the sender');
  };

  return createChannel({
    plugin: 'sms',
    ctx,
    rateLimit: o.rateLimit,
    secrets,
    async deliver(alert) {
      const key = defaultDeliveryKey(alert);
      const done = sentTo.get(key) ?? new Map<string, string>();
      sentTo.set(key, done);
      // Bounded: alerts that never complete (permanent failures) must not accumulate forever.
      if (sentTo.size > 1000) sentTo.delete(sentTo.keys().next().value as string);
      const body = smsBody(alert, o.maxLength);
      for (const to of o.to) if (!done.has(to)) done.set(to, await sendOne(to, body));
      sentTo.delete(key); // all sent: the channel's ledger now remembers the alert
      return { id: [...done.values()].join(',') };
    },
    async probe() {
      const ans = await httpOnce(ctx, `${api}.json`, { method: 'GET', headers: { authorization: auth } }, attempt);
      if (ans.status !== 200) throwForStatus(ans, attempt, ctx.now(), 'check accountSid and authToken');
      return `account ${(JSON.parse(ans.text) as { status?: string }).status ?? 'ok'}`;
    },
  });
}

export default defineNotifier<SmsOptions>({
  name: 'sms',
  apiVersion: 1,
  description: 'SMS through the Twilio Messages API',
  optionsSchema,
  retry: { attempts: 4, baseDelayMs: 1000, maxDelayMs: 30_000 },
  create: (o, ctx) => createSmsNotifier(o, ctx),
});
