/**
 * Pushes each new set of served predictions to the edge gateway's `POST /sync/predictions`, signed
 * (`x-satcast-key-id`, `x-satcast-timestamp`, `x-satcast-signature: sha256=HMAC(secret, "<ts>.<body>")`).
 * Network errors, 429 and 5xx are retried with backoff; each attempt is signed afresh, which is safe
 * because the edge ignores predictions not newer than what it has. 409 (this exact push was already
 * applied) counts as delivered; 400/401 are configuration errors, reported and not retried.
 */
import {
  PluginError,
  RateLimitedError,
  signPayload,
  UnavailableError,
  withRetry,
  type Logger,
  type Prediction,
  type RetryPolicy,
} from '@satcast/core';

export interface EdgePublisherOptions {
  url: string;
  keyId: string;
  secret: string;
  timeoutMs?: number;
  retry?: RetryPolicy;
  fetch?: typeof fetch;
  now?: () => number;
  log?: Logger;
}

export interface PublishResult {
  accepted: number;
  ignored: unknown[];
  delivered: number;
  attempts: number;
}

export interface EdgePublisher {
  publish(predictions: readonly Prediction[]): Promise<PublishResult>;
  /**
   * Push a served ONNX model to the edge's `POST /sync/model` (for its optional on-demand inference,
   * `EDGE_MODEL = "onnx"`; see edge/README.md). Signed and retried like predictions.
   */
  pushModel(horizon: string, bytes: Uint8Array, version: string): Promise<{ attempts: number }>;
  /** Pushes attempted / failed since start, for health and metrics. */
  readonly stats: { pushes: number; failures: number; lastError?: string; lastPushAt?: number };
}

export function createEdgePublisher(o: EdgePublisherOptions): EdgePublisher {
  const doFetch = o.fetch ?? fetch;
  const now = o.now ?? Date.now;
  const endpoint = new URL('/sync/predictions', o.url).toString();
  const modelEndpoint = new URL('/sync/model', o.url).toString();
  const policy = o.retry ?? { attempts: 5, baseDelayMs: 250, maxDelayMs: 10_000 };
  const stats: EdgePublisher['stats'] = { pushes: 0, failures: 0 };

  const attempt = async (body: string, to = endpoint): Promise<Omit<PublishResult, 'attempts'>> => {
    const ts = now();
    let res: Response;
    try {
      res = await doFetch(to, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          'x-satcast-key-id': o.keyId,
          'x-satcast-timestamp': String(ts),
          'x-satcast-signature': await signPayload(o.secret, ts, body),
        },
        signal: AbortSignal.timeout(o.timeoutMs ?? 5000),
      });
    } catch (err) {
      throw new UnavailableError(`edge unreachable: ${(err as Error).message}`, { plugin: 'edge-publisher' });
    }
    const text = await res.text();
    if (res.ok) return JSON.parse(text) as Omit<PublishResult, 'attempts'>;
    if (res.status === 409) return { accepted: 0, ignored: [], delivered: 0 };
    if (res.status === 429) {
      throw new RateLimitedError('edge answered 429', { plugin: 'edge-publisher', retryAfterMs: Number(res.headers.get('retry-after') ?? 1) * 1000 });
    }
    if (res.status >= 500) throw new UnavailableError(`edge answered ${res.status}`, { plugin: 'edge-publisher' });
    const detail = (() => {
      try {
        return (JSON.parse(text) as { detail?: string }).detail ?? text;
      } catch {
        return text;
      }
    })();
    throw new PluginError(`edge refused the push with ${res.status}: ${detail}`, { plugin: 'edge-publisher', retryable: false });
  };

  return {
    stats,
    async pushModel(horizon, bytes, version) {
      let bin = '';
      for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      const body = JSON.stringify({ horizon, model: btoa(bin), version });
      const { attempts } = await withRetry(() => attempt(body, modelEndpoint), policy);
      return { attempts };
    },
    async publish(predictions) {
      const body = JSON.stringify({ predictions });
      stats.pushes++;
      try {
        const { value, attempts } = await withRetry(() => attempt(body), policy);
        stats.lastPushAt = now();
        return { ...value, attempts };
      } catch (err) {
        stats.failures++;
        stats.lastError = (err as Error).message;
        o.log?.error('edge push failed', { error: stats.lastError });
        throw err;
      }
    },
  };
}
