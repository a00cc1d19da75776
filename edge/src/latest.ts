/**
 * The latest prediction set as this isolate sees it, cheapest layer first:
 *   1. an isolate memo, at most MEMO_TTL_MS old (a sync or origin refresh in this isolate clears it);
 *   2. the Cache API of this location (`LATEST_CACHE_KEY`, max-age CACHE_TTL_S; a sync through this
 *      location purges it, other locations see new data within the TTL);
 *   3. Workers KV, the global copy written by sync.
 * Staleness bound for a caller: a sync through the same isolate is visible at once; through another
 * isolate of the same location within MEMO_TTL_MS (1 s); through another location within
 * MEMO_TTL_MS + CACHE_TTL_S (6 s) plus KV's own propagation (up to ~60 s on Cloudflare). The predictions
 * change hourly, so this is far below their cadence.
 *
 * Responses are pre-serialised: for each horizon selection the JSON body (fresh and stale variants) and
 * its ETag are built once per prediction set, so a cached GET only copies a string. A refresh that reads
 * the same bytes keeps the built bodies.
 */
import { HORIZONS, PredictionSchema, type Horizon, type Prediction } from '@satcast/core';
import { latestKey } from './ledger.js';

export const MEMO_TTL_MS = 1000;
export const CACHE_TTL_S = 5;
const LATEST_CACHE_KEY = 'https://satcast-edge.internal/predictions/latest';

/** One horizon selection of the current set, ready to send. */
export interface LatestView {
  predictions: Prediction[];
  /** issuedAt of the newest prediction in the selection (0 when empty). */
  newest: number;
  etag: string;
  /** The response body; `stale` is part of the JSON, so there are two variants. */
  body(stale: boolean): string;
}

interface Memo {
  at: number;
  raw: string;
  byHorizon: Map<Horizon, Prediction>;
  views: Map<string, LatestView>;
}
let memo: Memo | undefined;

/** Forget the memo and this location's cached copy (after a write). */
export async function invalidateLatest(): Promise<void> {
  memo = undefined;
  await caches.default.delete(LATEST_CACHE_KEY).catch(() => false);
}

/** Drop only the isolate memo (as a new isolate would start), keeping the location cache. */
export function dropIsolateMemo(): void {
  memo = undefined;
}

/** Build the body and ETag of a selection once; the ETag format is `"<newest issuedAt>-<horizons>"`. */
export function makeView(predictions: Prediction[]): LatestView {
  const newest = predictions.reduce((m, p) => Math.max(m, p.issuedAt), 0);
  const asset = predictions[0]?.asset ?? 'BTCUSDT';
  const bodies: [string | undefined, string | undefined] = [undefined, undefined];
  return {
    predictions,
    newest,
    etag: `"${newest}-${predictions.map((p) => p.horizon).join('.')}"`,
    body: (stale) => (bodies[stale ? 1 : 0] ??= JSON.stringify({ asset, predictions, stale })),
  };
}

async function loadRaw(env: Env): Promise<string> {
  const cached = await caches.default.match(LATEST_CACHE_KEY).catch(() => undefined);
  if (cached) return await cached.text();
  const raw = await Promise.all(HORIZONS.map((h) => env.PREDICTIONS.get(latestKey(h), 'json')));
  const text = JSON.stringify(raw.filter((r) => r !== null));
  await caches.default
    .put(LATEST_CACHE_KEY, new Response(text, { headers: { 'content-type': 'application/json', 'cache-control': `public, max-age=${CACHE_TTL_S}` } }))
    .catch(() => {});
  return text;
}

async function current(env: Env): Promise<Memo> {
  const now = Date.now();
  if (memo && now - memo.at <= MEMO_TTL_MS) return memo;
  const raw = await loadRaw(env);
  if (memo && memo.raw === raw) {
    memo.at = now; // same bytes: keep the parsed set and the built bodies
    return memo;
  }
  const byHorizon = new Map<Horizon, Prediction>();
  for (const r of JSON.parse(raw) as unknown[]) {
    const p = PredictionSchema.safeParse(r);
    if (p.success) byHorizon.set(p.data.horizon, p.data);
  }
  memo = { at: now, raw, byHorizon, views: new Map() };
  return memo;
}

/** The memo's view of `horizons` if the memo is fresh and has all of them, without I/O; else undefined. */
export function peekLatestView(horizons: readonly Horizon[]): LatestView | undefined {
  if (!memo || Date.now() - memo.at > MEMO_TTL_MS) return undefined;
  const v = viewOf(memo, horizons);
  return v.predictions.length === horizons.length ? v : undefined;
}

function viewOf(m: Memo, horizons: readonly Horizon[]): LatestView {
  const key = horizons.join('.');
  let v = m.views.get(key);
  if (!v) {
    v = makeView(horizons.flatMap((h) => m.byHorizon.get(h) ?? []));
    m.views.set(key, v);
  }
  return v;
}

/** The latest predictions for `horizons` (those present), with their pre-built response. */
export async function latestView(env: Env, horizons: readonly Horizon[]): Promise<LatestView> {
  return viewOf(await current(env), horizons);
}

/** The latest predictions for `horizons` (those present). */
export async function fromKv(env: Env, horizons: readonly Horizon[]): Promise<Prediction[]> {
  return (await latestView(env, horizons)).predictions;
}
