/**
 * WebSocket fan-out through Durable Objects with the Hibernation API: sockets stay connected while the
 * object sleeps, so one object holds tens of thousands of idle clients. Clients are spread over
 * `HUB_SHARDS` objects; a broadcast goes to every shard. Each socket carries its subscription (the
 * timeframes it wants) in its attachment, which survives hibernation.
 *
 * Message to clients (the original specification's shape):
 *   {"type":"prediction","timestamp":"2025-07-01T00:00:00.000Z","prediction":107168.2,"confidence":0.53,
 *    "timeframe":"24h","metadata":{...the full Prediction...}}
 */
import { DurableObject } from 'cloudflare:workers';
import { HORIZONS, HorizonSchema, toIso, type Horizon, type Prediction } from '@satcast/core';
import { latestKey } from './ledger.js';

interface Attachment {
  timeframes: Horizon[];
  principal: string;
}

export function toMessage(p: Prediction): string {
  return JSON.stringify({ type: 'prediction', timestamp: toIso(p.issuedAt), prediction: p.point, confidence: p.confidence, timeframe: p.horizon, metadata: p });
}

/** Parse `1h,4h` into horizons; undefined means "all". Throws on an unknown timeframe. */
export function parseTimeframes(raw: string | null | undefined): Horizon[] {
  if (!raw) return [...HORIZONS];
  return raw.split(',').map((t) => HorizonSchema.parse(t.trim()));
}

export class PredictionHub extends DurableObject<Env> {
  /** Upgrade request forwarded by the worker after authentication. */
  override async fetch(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server);
    const att: Attachment = { timeframes: parseTimeframes(url.searchParams.get('timeframes')), principal: url.searchParams.get('principal') ?? 'anonymous' };
    server.serializeAttachment(att);
    server.send(JSON.stringify({ type: 'welcome', timeframes: att.timeframes, shard: url.searchParams.get('shard') }));
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + 60_000);
    const protocol = (req.headers.get('sec-websocket-protocol') ?? '').split(',').map((s) => s.trim()).includes('bearer') ? { 'Sec-WebSocket-Protocol': 'bearer' } : undefined;
    return new Response(null, { status: 101, webSocket: client, headers: protocol });
  }

  /** Send each prediction to the sockets subscribed to its timeframe; returns the number of sends. */
  async broadcast(predictions: Prediction[]): Promise<number> {
    let sent = 0;
    for (const ws of this.ctx.getWebSockets()) {
      const att = ws.deserializeAttachment() as Attachment | null;
      for (const p of predictions) {
        if (att && !att.timeframes.includes(p.horizon)) continue;
        try {
          ws.send(toMessage(p));
          sent++;
        } catch {
          // A socket that closed between listing and sending is dropped by webSocketClose.
        }
      }
    }
    return sent;
  }

  async connections(): Promise<number> {
    return this.ctx.getWebSockets().length;
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    let msg: { type?: string; timeframes?: unknown };
    try {
      msg = JSON.parse(typeof message === 'string' ? message : new TextDecoder().decode(message));
    } catch {
      ws.send(JSON.stringify({ type: 'error', detail: 'messages must be JSON' }));
      return;
    }
    if (msg.type === 'ping') return ws.send(JSON.stringify({ type: 'pong', at: Date.now() }));
    if (msg.type === 'subscribe') {
      try {
        const timeframes = parseTimeframes(Array.isArray(msg.timeframes) ? msg.timeframes.join(',') : String(msg.timeframes ?? ''));
        const att = ws.deserializeAttachment() as Attachment;
        ws.serializeAttachment({ ...att, timeframes });
        ws.send(JSON.stringify({ type: 'subscribed', timeframes }));
      } catch {
        ws.send(JSON.stringify({ type: 'error', detail: `timeframes must be among ${HORIZONS.join(', ')}` }));
      }
      return;
    }
    ws.send(JSON.stringify({ type: 'error', detail: 'unknown message type; use subscribe or ping' }));
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    ws.close(code === 1005 ? 1000 : code, reason);
  }

  /** Every minute while clients are connected: re-send the latest predictions (the spec's heartbeat). */
  override async alarm(): Promise<void> {
    if (this.ctx.getWebSockets().length === 0) return;
    const latest = (await Promise.all(HORIZONS.map((h) => this.env.PREDICTIONS.get(latestKey(h), 'json')))).filter(Boolean) as Prediction[];
    await this.broadcast(latest);
    await this.ctx.storage.setAlarm(Date.now() + 60_000);
  }
}
