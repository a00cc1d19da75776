/**
 * Secrets for notifiers: read from options first, then from a `SATCAST_*` environment variable, and
 * scrubbed from every message a notifier logs or throws. Runtime-neutral: `process.env` is read only when
 * it exists (Node); in workerd pass the secret in the options.
 */
import { ConfigError } from '@satcast/core';

/** The process environment when there is one (Node), else an empty record (workerd, browsers). */
export function processEnv(): Record<string, string | undefined> {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
}

export interface SecretSpec {
  plugin: string;
  /** Option name, e.g. `authToken`. */
  option: string;
  /** Environment variable consulted when the option is absent, e.g. `SATCAST_TWILIO_AUTH_TOKEN`. */
  env: string;
  minLength?: number;
}

/**
 * The secret from options or the environment; a `ConfigError` naming both places when it is missing or
 * too short (the value itself is never quoted).
 * @example requireSecret(o.authToken, { plugin: 'sms', option: 'authToken', env: 'SATCAST_TWILIO_AUTH_TOKEN' })
 */
export function requireSecret(value: string | undefined, spec: SecretSpec, env = processEnv()): string {
  const v = value ?? env[spec.env];
  if (v === undefined || v === '') {
    throw new ConfigError(`missing option "${spec.option}" (or environment variable ${spec.env})`, { plugin: spec.plugin, field: spec.option });
  }
  if (spec.minLength && v.length < spec.minLength) {
    throw new ConfigError(`option "${spec.option}" is too short (need at least ${spec.minLength} characters)`, { plugin: spec.plugin, field: spec.option });
  }
  return v;
}

/** The forms a secret can take on the wire or in a message: raw, URL-encoded, and inside basic auth. */
function variants(secret: string): string[] {
  const out = new Set([secret, encodeURIComponent(secret)]);
  return [...out];
}

/**
 * Replace every secret in `text` with `[redacted]`. Secrets shorter than 4 characters are ignored (they
 * would redact ordinary words).
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (s.length < 4) continue;
    for (const v of variants(s)) out = out.split(v).join('[redacted]');
  }
  return out;
}

/** `redact` applied to every string inside a log record (one level deep plus nested JSON). */
export function redactRecord(data: Record<string, unknown> | undefined, secrets: readonly string[]): Record<string, unknown> | undefined {
  if (!data) return data;
  return JSON.parse(redact(JSON.stringify(data), secrets)) as Record<string, unknown>;
}
