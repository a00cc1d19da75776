/**
 * One HTTP attempt for a notifier, with the error taxonomy every Satcast notifier shares (the webhook
 * plugin's rules): network errors, timeouts, 408, 429 (with its Retry-After) and 5xx are retryable;
 * other 4xx are not. Messages name the `target` ("Slack webhook", "Twilio") — never the URL, whose path
 * may itself be a secret (Slack) — and quote at most 200 characters of the receiver's answer.
 */
import { PluginError, RateLimitedError, UnavailableError, type PluginContext } from '@satcast/core';

export interface HttpAttempt {
  plugin: string;
  /** Human name of the receiver used in messages. */
  target: string;
  timeoutMs: number;
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
}

/** Seconds or an HTTP date, as in `Retry-After`. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const secs = Number(header);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** POST/GET once; throws a retryable `UnavailableError` when the receiver is unreachable or too slow. */
export async function httpOnce(ctx: PluginContext, url: string, init: RequestInit, a: HttpAttempt): Promise<HttpAnswer> {
  let res: Response;
  try {
    res = await ctx.fetch(url, { ...init, signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(a.timeoutMs)]) });
  } catch (err) {
    const name = (err as Error)?.name;
    const why = name === 'TimeoutError' ? `no answer from ${a.target} within ${a.timeoutMs} ms` : `cannot reach ${a.target} (${errorCode(err)})`;
    throw new UnavailableError(why, { plugin: a.plugin });
  }
  let text = '';
  try {
    text = await res.text();
  } catch (err) {
    // Headers arrived but the body stalled past the timeout: treat as a lost answer (retryable).
    throw new UnavailableError(`${a.target} stopped answering mid-response (${errorCode(err)})`, { plugin: a.plugin });
  }
  return { status: res.status, headers: res.headers, text };
}

/** A short, non-secret reason for a network failure (undici puts the errno on `cause.code`). */
function errorCode(err: unknown): string {
  const e = err as { cause?: { code?: string }; code?: string; name?: string };
  return e?.cause?.code ?? e?.code ?? e?.name ?? 'network error';
}

/**
 * Throw the error matching a non-2xx answer. `hint` is appended to permanent failures to say what to check
 * (e.g. "check accountSid and authToken").
 */
export function throwForStatus(ans: HttpAnswer, a: HttpAttempt, now: number, hint = ''): never {
  const said = ans.text ? `: ${ans.text.slice(0, 200).replace(/\s+/g, ' ')}` : '';
  if (ans.status === 429) {
    throw new RateLimitedError(`${a.target} answered 429${said}`, { plugin: a.plugin, retryAfterMs: retryAfterMs(ans.headers.get('retry-after'), now) });
  }
  if (ans.status === 408 || ans.status >= 500) throw new UnavailableError(`${a.target} answered ${ans.status}${said}`, { plugin: a.plugin });
  throw new PluginError(`${a.target} refused the alert with ${ans.status}${said}${hint ? `; ${hint}` : ''}`, { plugin: a.plugin, retryable: false });
}
