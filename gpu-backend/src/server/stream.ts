/**
 * WebSocket `/stream/predictions` on the backend's HTTP server. Authentication happens at the upgrade
 * (`Authorization: Bearer <jwt>`, or `Sec-WebSocket-Protocol: bearer, <jwt>` from browsers); a bad token
 * gets an HTTP 401 before any socket exists. Messages (the original specification's shape):
 *
 *   {"type":"prediction","timestamp":"2025-06-30T12:00:00.000Z","prediction":107168.2,"confidence":0.53,
 *    "timeframe":"24h","metadata":{...the full Prediction...}}
 *
 * pushed whenever new predictions are made and re-sent every `intervalMs` (default one minute); pings
 * every 30 s. Clients choose timeframes with `?timeframes=1h,4h` or `{"type":"subscribe","timeframes":[…]}`.
 * A slow consumer whose unsent buffer passes `maxBufferedBytes` is dropped (close 1013) instead of being
 * buffered without bound, so it cannot hold memory or delay others.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { HORIZONS, HorizonSchema, toIso, TOPICS, type Bus, type Cache, type Horizon, type Logger, type Prediction, type ResolvedConfig } from '@satcast/core';
import type { JwtVerifier, Principal } from '@satcast/adapter-auth-jose';
import { latestKey } from '../pipeline/runtime.js';

export interface StreamOptions {
  config: ResolvedConfig;
  bus: Bus;
  cache: Cache;
  log: Logger;
  verify?: JwtVerifier;
  intervalMs?: number;
  pingMs?: number;
  maxBufferedBytes?: number;
}

export interface Stream {
  clients(): number;
  /** Send predictions now (also called on every bus message). */
  broadcast(preds: readonly Prediction[]): number;
  close(): Promise<void>;
}

interface Client {
  ws: WebSocket;
  timeframes: Set<Horizon>;
  principal: string;
  alive: boolean;
}

export function toStreamMessage(p: Prediction): string {
  return JSON.stringify({ type: 'prediction', timestamp: toIso(p.issuedAt), prediction: p.point, confidence: p.confidence, timeframe: p.horizon, metadata: p });
}

function parseTimeframes(raw: string | null | undefined): Set<Horizon> | undefined {
  if (!raw) return new Set(HORIZONS);
  const out = new Set<Horizon>();
  for (const t of raw.split(',')) {
    const r = HorizonSchema.safeParse(t.trim());
    if (!r.success) return undefined;
    out.add(r.data);
  }
  return out;
}

function reject(socket: Duplex, status: number, detail: string): void {
  const body = JSON.stringify({ type: `https://satcast.dev/problems/${status}`, title: status === 401 ? 'Unauthorized' : 'Bad Request', status, detail });
  socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Bad Request'}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

export async function attachStream(server: Server, o: StreamOptions): Promise<Stream> {
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => (protocols.has('bearer') ? 'bearer' : false) });
  const clients = new Set<Client>();
  const maxBuffered = o.maxBufferedBytes ?? 1 << 20;

  const send = (c: Client, data: string): boolean => {
    if (c.ws.bufferedAmount > maxBuffered) {
      o.log.warn('dropping slow WebSocket consumer', { principal: c.principal, buffered: c.ws.bufferedAmount });
      c.ws.close(1013, 'too slow: send buffer exceeded');
      c.ws.terminate();
      clients.delete(c);
      return false;
    }
    c.ws.send(data);
    return true;
  };

  const broadcast = (preds: readonly Prediction[]): number => {
    // Serialise each prediction once per broadcast, not once per client.
    const messages = preds.map((p) => [p.horizon, toStreamMessage(p)] as const);
    let sent = 0;
    for (const c of [...clients]) for (const [h, m] of messages) if (c.timeframes.has(h) && send(c, m)) sent++;
    return sent;
  };

  const latest = async (): Promise<Prediction[]> =>
    (await Promise.all(o.config.horizons.map((h) => o.cache.get<Prediction>(latestKey(o.config.asset, h))))).filter((p): p is Prediction => !!p);

  const onUpgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/stream/predictions') return reject(socket, 400, 'unknown WebSocket path; use /stream/predictions');
    const timeframes = parseTimeframes(url.searchParams.get('timeframes'));
    if (!timeframes) return reject(socket, 400, `timeframes must be a comma-separated subset of ${HORIZONS.join(', ')}`);
    const auth = req.headers.authorization;
    const protocols = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
    const token = auth?.toLowerCase().startsWith('bearer ') ? auth.slice(7).trim() : protocols[0] === 'bearer' ? protocols[1] : undefined;
    let principal: Principal | undefined;
    if (token) {
      try {
        if (!o.verify) throw new Error('no JWT secret or JWKS is configured');
        principal = await o.verify(token);
      } catch (err) {
        return reject(socket, 401, `invalid bearer token: ${(err as Error).message.replace(/^\[satcast\] \[auth\] /, '')}`);
      }
    } else if (!o.config.auth.allowAnonymous) {
      return reject(socket, 401, 'missing credentials: send Authorization: Bearer <token>');
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const c: Client = { ws, timeframes, principal: principal?.id ?? `ip:${req.socket.remoteAddress}`, alive: true };
      clients.add(c);
      ws.on('pong', () => (c.alive = true));
      ws.on('close', () => clients.delete(c));
      ws.on('message', (raw) => {
        let msg: { type?: string; timeframes?: unknown };
        try {
          msg = JSON.parse(String(raw));
        } catch {
          return void send(c, JSON.stringify({ type: 'error', detail: 'messages must be JSON' }));
        }
        if (msg.type === 'subscribe') {
          const next = parseTimeframes(Array.isArray(msg.timeframes) ? msg.timeframes.join(',') : String(msg.timeframes ?? ''));
          if (!next) return void send(c, JSON.stringify({ type: 'error', detail: `timeframes must be among ${HORIZONS.join(', ')}` }));
          c.timeframes = next;
          return void send(c, JSON.stringify({ type: 'subscribed', timeframes: [...next] }));
        }
        send(c, JSON.stringify({ type: 'error', detail: 'unknown message type; use subscribe' }));
      });
      send(c, JSON.stringify({ type: 'welcome', timeframes: [...timeframes] }));
      void latest().then((preds) => preds.filter((p) => c.timeframes.has(p.horizon)).forEach((p) => send(c, toStreamMessage(p))));
    });
  };
  const upgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void onUpgrade(req, socket, head);
  server.on('upgrade', upgradeListener);

  const sub = await o.bus.subscribe<Prediction[]>({ topic: TOPICS.predictions, group: 'ws-stream', handler: ({ value }) => void broadcast(value) });
  const every = setInterval(() => void latest().then(broadcast), o.intervalMs ?? 60_000);
  const pings = setInterval(() => {
    for (const c of clients) {
      if (!c.alive) {
        c.ws.terminate();
        clients.delete(c);
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }, o.pingMs ?? 30_000);

  return {
    clients: () => clients.size,
    broadcast,
    async close() {
      clearInterval(every);
      clearInterval(pings);
      server.off('upgrade', upgradeListener);
      await sub.close();
      for (const c of clients) c.ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };
}
