/**
 * `POST /sync/predictions`: the backend pushes each new prediction set here.
 *
 *   x-satcast-key-id: k1                      (which SYNC_KEYS secret signed it; several allow rotation)
 *   x-satcast-timestamp: 1751328005000        (ms; must be within SYNC_WINDOW_MS of the edge clock)
 *   x-satcast-signature: sha256=<hex HMAC(secret, "<timestamp>.<body>")>
 *   {"predictions": [Prediction, ...]}
 *
 * Bad signature → 401; stale/future timestamp → 401; replayed signature → 409; older predictions than
 * stored are ignored (reported), never written. Accepted predictions are broadcast to every hub shard.
 */
import type { Context } from 'hono';
import { z } from 'zod';
import { PredictionSchema, signPayload, timingSafeEqualStr } from '@satcast/core';
import { problem } from './problem.js';
import type { SyncResult } from './ledger.js';

const BodySchema = z.strictObject({ predictions: z.array(PredictionSchema).min(1).max(100) });
const MAX_BODY = 256 * 1024;

/**
 * Check the signing headers of a push (key id, timestamp window, HMAC over `<timestamp>.<body>`).
 * Returns the body and signature, or the problem response to send.
 */
export async function verifySigned(c: Context<{ Bindings: Env }>, maxBody = MAX_BODY): Promise<{ body: string; signature: string } | Response> {
  const env = c.env;
  const keyId = c.req.header('x-satcast-key-id') ?? '';
  const tsRaw = c.req.header('x-satcast-timestamp') ?? '';
  const signature = c.req.header('x-satcast-signature') ?? '';
  let keys: Record<string, string>;
  try {
    keys = JSON.parse(env.SYNC_KEYS || '{}');
  } catch {
    return problem(c, 503, 'sync is misconfigured at this edge (SYNC_KEYS is not JSON)');
  }
  const secret = keys[keyId];
  if (!secret) return problem(c, 401, `unknown sync key id "${keyId}"`);
  const ts = Number(tsRaw);
  const window = Number(env.SYNC_WINDOW_MS || 300_000);
  if (!Number.isSafeInteger(ts) || Math.abs(Date.now() - ts) > window) {
    return problem(c, 401, `x-satcast-timestamp must be epoch ms within ${window} ms of now`);
  }
  const body = await c.req.text();
  if (body.length > maxBody) return problem(c, 413, `body larger than ${maxBody} bytes`);
  if (!timingSafeEqualStr(await signPayload(secret, ts, body), signature)) return problem(c, 401, 'bad signature');
  return { body, signature };
}

export async function handleSync(c: Context<{ Bindings: Env }>): Promise<Response> {
  const env = c.env;
  const signed = await verifySigned(c);
  if (signed instanceof Response) return signed;
  const { body, signature } = signed;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return problem(c, 400, 'body is not JSON');
  }
  const parsed = BodySchema.safeParse(json);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'body', message: i.message }));
    return problem(c, 400, `invalid sync body: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, { errors });
  }
  const ledger = env.LEDGER.get(env.LEDGER.idFromName('ledger'));
  // RPC return types lose `unknown` metadata fields; the ledger returns exactly SyncResult.
  const result = (await ledger.apply(signature, Date.now(), parsed.data.predictions)) as unknown as SyncResult | null;
  if (result === null) return problem(c, 409, 'this signed push was already applied (replay)');
  let delivered = 0;
  if (result.accepted.length) {
    const shards = Math.max(1, Number(env.HUB_SHARDS || 1));
    const counts = await Promise.all(
      Array.from({ length: shards }, (_, i) => env.HUB.get(env.HUB.idFromName(`shard-${i}`)).broadcast(result.accepted)),
    );
    delivered = counts.reduce((a, b) => a + b, 0);
  }
  return c.json({ accepted: result.accepted.length, ignored: result.ignored, delivered });
}
