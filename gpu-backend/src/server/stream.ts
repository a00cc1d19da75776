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
 *
 * Fan-out cost: a broadcast encodes and frames each prediction once (RFC 6455 frames, built here), then
 * gives each client one pre-built buffer holding every frame it subscribed to: one socket write per
 * client, no per-client JSON, string encoding or frame header. That is what keeps thousands of clients
 * within a bar's budget (see bench/ws-fanout.bench.mjs).
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

/**
 * One complete server-to-client WebSocket text frame (RFC 6455 §5.2: FIN, opcode 1, unmasked, 7/16/64-bit
 * payload length), so a broadcast frames a message once for every client instead of once per client.
 *
 * @example
 * socket.write(textFrame('{"type":"prediction"}'));
 */
export function textFrame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + n);
  frame[0] = 0x81;
  if (n < 126) frame[1] = n;
  else if (n < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
    frame.writeUInt32BE(n >>> 0, 6);
  }
  payload.copy(frame, head);
  return frame;
}

/**
 * The raw socket of a server-side `ws` connection when it is safe to write whole frames to it directly:
 * open, and (as on this server: no permessage-deflate, no Blob sends) nothing queued inside ws's sender,
 * so frames cannot overtake ws's own. Otherwise undefined and the caller uses `ws.send`.
 */
function rawSocket(ws: WebSocket): Duplex | undefined {
  if (ws.readyState !== 1) return undefined;
  const internals = ws as unknown as { _socket?: Duplex; _sender?: { _state?: number; _queue?: unknown[] } };
  const sender = internals._sender;
  if (!internals._socket || !sender || sender._state !== 0 || (sender._queue && sender._queue.length > 0)) return undefined;
  return internals._socket;
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
  // No permessage-deflate (ws's default, stated because broadcast writes pre-built uncompressed frames).
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: (protocols) => (protocols.has('bearer') ? 'bearer' : false) });
  const clients = new Set<Client>();
  const maxBuffered = o.maxBufferedBytes ?? 1 << 20;

  const dropIfSlow = (c: Client): boolean => {
    if (c.ws.bufferedAmount <= maxBuffered) return false;
    o.log.warn('dropping slow WebSocket consumer', { principal: c.principal, buffered: c.ws.bufferedAmount });
    c.ws.close(1013, 'too slow: send buffer exceeded');
    c.ws.terminate();
    clients.delete(c);
    return true;
  };

  const send = (c: Client, data: string): boolean => {
    if (dropIfSlow(c)) return false;
    c.ws.send(data);
    return true;
  };

  const broadcast = (preds: readonly Prediction[]): number => {
    if (clients.size === 0 || preds.length === 0) return 0;
    // Serialise and frame each prediction once per broadcast, not once per client.
    const messages = preds.map((p) => ({ horizon: p.horizon, text: toStreamMessage(p) }));
    const frames = messages.map((m) => textFrame(m.text));
    // The frames a client gets depend only on which of these horizons it subscribed to: one
    // concatenated buffer per subset (at most 2^preds.length, 8 for the three horizons), built lazily.
    const bySubset = new Map<number, { buf: Buffer; count: number }>();
    let sent = 0;
    // Deleting the current element while iterating a Set is safe; nothing is added during the loop.
    for (const c of clients) {
      let subset = 0;
      for (let i = 0; i < messages.length; i++) if (c.timeframes.has(messages[i]!.horizon)) subset |= 1 << i;
      if (subset === 0 || dropIfSlow(c)) continue;
      const socket = rawSocket(c.ws);
      if (!socket) {
        for (let i = 0; i < messages.length; i++) if (subset & (1 << i)) c.ws.send(messages[i]!.text), sent++;
        continue;
      }
      let out = bySubset.get(subset);
      if (!out) {
        const parts = frames.filter((_, i) => subset & (1 << i));
        bySubset.set(subset, (out = { buf: parts.length === 1 ? parts[0]! : Buffer.concat(parts), count: parts.length }));
      }
      socket.write(out.buf);
      sent += out.count;
    }
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
