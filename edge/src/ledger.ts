/**
 * The single writer for synced predictions. Every push passes through this one Durable Object, so the
 * replay check (a signature is accepted once) and the ordering check (an older prediction never replaces
 * a newer one) are atomic — KV alone is eventually consistent and could not promise either.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Prediction } from '@satcast/core';

export const latestKey = (h: string) => `predictions:latest:${h}`;
export const historyKey = (h: string) => `predictions:history:${h}`;
const HISTORY = 48;

export interface SyncResult {
  accepted: Prediction[];
  ignored: { horizon: string; issuedAt: number; reason: string }[];
}

export class SyncLedger extends DurableObject<Env> {
  /** Returns null when this signature was seen before (a replay). */
  async apply(signature: string, receivedAt: number, predictions: Prediction[]): Promise<SyncResult | null> {
    if (!(await this.claim(signature, receivedAt))) return null;
    const out: SyncResult = { accepted: [], ignored: [] };
    for (const p of predictions) {
      const newest = (await this.ctx.storage.get<number>(`newest:${p.horizon}`)) ?? 0;
      if (p.issuedAt <= newest) {
        out.ignored.push({ horizon: p.horizon, issuedAt: p.issuedAt, reason: `not newer than the stored ${new Date(newest).toISOString()}` });
        continue;
      }
      await this.ctx.storage.put(`newest:${p.horizon}`, p.issuedAt);
      const history = ((await this.env.PREDICTIONS.get(historyKey(p.horizon), 'json')) as Prediction[] | null) ?? [];
      await this.env.PREDICTIONS.put(latestKey(p.horizon), JSON.stringify(p));
      await this.env.PREDICTIONS.put(historyKey(p.horizon), JSON.stringify([p, ...history].slice(0, HISTORY)));
      out.accepted.push(p);
    }
    return out;
  }

  /** Record a signed push's signature; false when it was seen before (a replay). Model pushes use it too. */
  async claim(signature: string, receivedAt: number): Promise<boolean> {
    const seenKey = `seen:${signature}`;
    if (await this.ctx.storage.get(seenKey)) return false;
    await this.ctx.storage.put(seenKey, receivedAt);
    await this.pruneSeen(receivedAt);
    return true;
  }

  /** Signatures older than the replay window can never verify again; forget them. */
  private async pruneSeen(now: number): Promise<void> {
    const seen = await this.ctx.storage.list<number>({ prefix: 'seen:' });
    const stale = [...seen].filter(([, at]) => at < now - 2 * Number(this.env.SYNC_WINDOW_MS ?? 300_000)).map(([k]) => k);
    if (stale.length) await this.ctx.storage.delete(stale);
  }
}
