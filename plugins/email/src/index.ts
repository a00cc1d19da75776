/**
 * @module @satcast/plugin-email
 * Notifier e-mailing alerts over SMTP with nodemailer (one message to all recipients per alert).
 *
 * The SMTP password comes from options or `SATCAST_SMTP_PASSWORD` and is never logged (nodemailer's own
 * logger is off). Failures map to Satcast errors by SMTP semantics: 4xx replies (e.g. 421, 451 "try
 * later"), connection errors and timeouts are retryable; 5xx replies (550 mailbox unavailable) and
 * authentication failures (535) are not. A per-channel rate limit (default 30/min, burst 10) and dedup of
 * already sent alerts come from `createChannel`; `health()` runs nodemailer's `verify()` (connect + auth).
 * Node only (TCP sockets).
 */
import { createTransport } from 'nodemailer';
import { z } from 'zod';
import { defineNotifier, PluginError, UnavailableError, type PluginContext } from '@satcast/core';
import { createChannel, RateLimitOptionsSchema, requireSecret, type ChannelNotifier } from '@satcast/plugin-alerting';
import { toMail } from './message.js';

export { toMail, type MailParts } from './message.js';

const address = z.string().min(3).max(320).regex(/^[^\s@<>]+@[^\s@<>]+$|^.*<[^\s@<>]+@[^\s@<>]+>$/, 'must be an e-mail address');

export const optionsSchema = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65_535).default(587),
  /** Implicit TLS (port 465). With false, STARTTLS is used when the server offers it. */
  secure: z.boolean().optional(),
  /** Refuse to send unless the connection is upgraded with STARTTLS. */
  requireTLS: z.boolean().default(false),
  tlsRejectUnauthorized: z.boolean().default(true),
  user: z.string().min(1).optional(),
  /** Default from `SATCAST_SMTP_PASSWORD` when `user` is set. */
  password: z.string().min(1).optional(),
  from: address,
  to: z.array(address).min(1).max(50),
  subjectPrefix: z.string().max(40).default('[satcast]'),
  /** Right-hand side of the Message-ID; defaults to the sender's domain. */
  messageIdDomain: z.string().regex(/^[A-Za-z0-9.-]+$/).optional(),
  /** Connection, greeting and socket-inactivity timeout, each. */
  timeoutMs: z.number().int().positive().max(300_000).default(15_000),
  rateLimit: RateLimitOptionsSchema.default({ perMinute: 30, burst: 10 }),
});
export type EmailOptions = z.output<typeof optionsSchema>;

const TRANSIENT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE']);

/** nodemailer error → Satcast error (message names the server, never credentials). */
export function classifySmtpError(err: unknown, server: string, timeoutMs: number): Error {
  const e = err as { code?: string; responseCode?: number; response?: string; message?: string };
  const reply = (e.response ?? e.message ?? '').replace(/\s+/g, ' ').slice(0, 200);
  if (e.code === 'EAUTH') return new PluginError(`SMTP server ${server} refused the login (${reply}); check user and password`, { plugin: 'email', retryable: false });
  if (typeof e.responseCode === 'number' && e.responseCode >= 400 && e.responseCode < 500) return new UnavailableError(`SMTP server ${server} answered ${reply}`, { plugin: 'email' });
  if (e.code === 'ETIMEDOUT') return new UnavailableError(`no answer from SMTP server ${server} within ${timeoutMs} ms`, { plugin: 'email' });
  if (e.code && TRANSIENT_CODES.has(e.code)) return new UnavailableError(`cannot reach SMTP server ${server} (${e.code}: ${reply})`, { plugin: 'email' });
  return new PluginError(`SMTP server ${server} refused the alert (${reply || e.code || 'unknown error'})`, { plugin: 'email', retryable: false });
}

export function createEmailNotifier(o: EmailOptions, ctx: PluginContext): ChannelNotifier {
  // A password is needed only with a login (a local relay may accept mail without one).
  const password = o.user ? requireSecret(o.password, { plugin: 'email', option: 'password', env: 'SATCAST_SMTP_PASSWORD' }) : undefined;
  const server = `${o.host}:${o.port}`;
  const domain = o.messageIdDomain ?? /@([^>\s]+)>?$/.exec(o.from)?.[1] ?? 'satcast.local';
  const transport = createTransport({
    host: o.host,
    port: o.port,
    secure: o.secure ?? o.port === 465,
    requireTLS: o.requireTLS,
    tls: { rejectUnauthorized: o.tlsRejectUnauthorized },
    ...(o.user ? { auth: { user: o.user, pass: password! } } : {}),
    connectionTimeout: o.timeoutMs,
    greetingTimeout: o.timeoutMs,
    socketTimeout: o.timeoutMs,
    logger: false,
    debug: false,
  });
  return createChannel({
    plugin: 'email',
    ctx,
    rateLimit: o.rateLimit,
    secrets: password ? [password] : [],
    async deliver(alert) {
      const m = toMail(alert, { subjectPrefix: o.subjectPrefix, domain });
      try {
        const info = await transport.sendMail({ from: o.from, to: o.to, subject: m.subject, text: m.text, html: m.html, messageId: m.messageId, headers: m.headers });
        if (info.rejected?.length) ctx.log.warn('some recipients were rejected', { rejected: info.rejected.map(String) });
        return { id: info.messageId };
      } catch (err) {
        throw classifySmtpError(err, server, o.timeoutMs);
      }
    },
    async probe() {
      try {
        await transport.verify();
        return `SMTP server ${server} accepted the connection${o.user ? ' and login' : ''}`;
      } catch (err) {
        throw classifySmtpError(err, server, o.timeoutMs);
      }
    },
  });
}

export default defineNotifier<EmailOptions>({
  name: 'email',
  apiVersion: 1,
  description: 'E-mail over SMTP (nodemailer)',
  optionsSchema,
  retry: { attempts: 4, baseDelayMs: 2000, maxDelayMs: 60_000 },
  create: (o, ctx) => createEmailNotifier(o, ctx),
});
