/**
 * A fake Binance for tests: `GET /api/v3/klines` and kline WebSocket streams on 127.0.0.1, port 0,
 * serving a known candle series on a virtual clock that the test moves. Test-only (not exported by
 * the package). Scripted replies (429, 418, 5xx, garbage, hangs) are queued in `replies`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, WebSocket } from 'ws';
import { INTERVAL_MS, type Candle, type Interval } from '@satcast/core';

export interface FakeClock {
  now(): number;
  advance(ms: number): void;
  set(t: number): void;
}

export function fakeClock(start: number): FakeClock {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms), set: (v) => void (t = v) };
}

export interface FakeReply {
  status: number;
  headers?: Record<string, string>;
  /** JSON-encoded unless it is a string. */
  body?: unknown;
}

export interface FakeRequest {
  path: string;
  query: URLSearchParams;
  /** Virtual time of arrival. */
  at: number;
}

export interface FakeConnection {
  url: string;
  socket: WebSocket;
  at: number;
}

export class FakeBinance {
  readonly requests: FakeRequest[] = [];
  readonly connections: FakeConnection[] = [];
  readonly pongs: string[] = [];
  /** Pings the clients sent (payloads). */
  readonly pings: string[] = [];
  /** How each server-side connection ended. */
  readonly closes: { code: number; reason: string }[] = [];
  /** Consumed one per REST request before the default klines answer; 'hang' never answers. */
  replies: (FakeReply | 'hang')[] = [];
  /** `X-MBX-USED-WEIGHT-1M` value for a default answer (argument: 1-based request number). */
  usedWeight: (n: number) => number | undefined = () => undefined;
  /** Stream handshakes still to refuse with 503. */
  refuseUpgrades = 0;
  /** Called for each new stream connection, e.g. to send the first bars. */
  onConnection: (c: FakeConnection) => void = () => {};
  private readonly hanging = new Set<() => void>();

  private constructor(
    private readonly server: Server,
    private readonly wss: WebSocketServer,
    readonly clock: FakeClock,
    readonly bars: Map<string, Candle[]>,
    readonly interval: Interval,
  ) {}

  static async start(o: { clock: FakeClock; bars: Record<string, Candle[]>; interval?: Interval; autoPong?: boolean }): Promise<FakeBinance> {
    const server = createServer();
    let fake: FakeBinance | undefined;
    const wss = new WebSocketServer({
      server,
      autoPong: o.autoPong ?? true,
      // Refuse the next `refuseUpgrades` handshakes with 503, like an overloaded stream endpoint.
      verifyClient: (_info, cb) => (fake && fake.refuseUpgrades > 0 ? (fake.refuseUpgrades--, cb(false, 503)) : cb(true)),
    });
    fake = new FakeBinance(server, wss, o.clock, new Map(Object.entries(o.bars)), o.interval ?? '1h');
    server.on('request', (req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      fake.requests.push({ path: url.pathname, query: url.searchParams, at: o.clock.now() });
      const scripted = fake.replies.shift();
      if (scripted === 'hang') {
        const end = () => res.destroy();
        fake.hanging.add(end);
        req.on('close', () => fake.hanging.delete(end));
        return;
      }
      const reply = scripted ?? fake.klines(url.searchParams);
      const body = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? null);
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(body);
    });
    wss.on('connection', (socket, req) => {
      const c = { url: req.url ?? '', socket, at: o.clock.now() };
      socket.on('pong', (d) => fake.pongs.push(d.toString()));
      socket.on('ping', (d) => fake.pings.push(d.toString()));
      socket.on('close', (code, reason) => fake.closes.push({ code, reason: reason.toString() }));
      fake.connections.push(c);
      fake.onConnection(c);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }
  get restUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** The default answer: bars with startTime <= openTime <= endTime that have opened by now, up to limit. */
  klines(q: URLSearchParams): FakeReply {
    const step = INTERVAL_MS[this.interval];
    const all = this.bars.get(q.get('symbol') ?? '') ?? [];
    const start = Number(q.get('startTime') ?? 0);
    const end = Number(q.get('endTime') ?? Number.MAX_SAFE_INTEGER);
    const limit = Number(q.get('limit') ?? 500);
    const now = this.clock.now();
    const rows = all
      .filter((c) => c.openTime >= start && c.openTime <= end && c.openTime <= now)
      .slice(0, limit)
      .map((c) => FakeBinance.row(c, step));
    const w = this.usedWeight(this.requests.length);
    return { status: 200, body: rows, headers: w === undefined ? {} : { 'x-mbx-used-weight-1m': String(w) } };
  }

  static row(c: Candle, step: number): unknown[] {
    return [c.openTime, String(c.open), String(c.high), String(c.low), String(c.close), String(c.volume), c.openTime + step - 1, '0', 10, '0', '0', '0'];
  }

  /** A kline event for a bar (single-stream shape, or wrapped for a combined stream). */
  event(c: Candle, o: { closed: boolean; combined?: boolean; eventTime?: number }): string {
    const step = INTERVAL_MS[this.interval];
    const data = {
      e: 'kline',
      E: o.eventTime ?? this.clock.now(),
      s: c.symbol,
      k: { t: c.openTime, T: c.openTime + step - 1, s: c.symbol, i: this.interval, f: 1, L: 2, o: String(c.open), c: String(c.close), h: String(c.high), l: String(c.low), v: String(c.volume), n: 2, x: o.closed, q: '0', V: '0', Q: '0', B: '0' },
    };
    return JSON.stringify(o.combined ? { stream: `${c.symbol.toLowerCase()}@kline_${this.interval}`, data } : data);
  }

  /** Send to every open stream connection. */
  broadcast(text: string): void {
    for (const c of this.connections) if (c.socket.readyState === WebSocket.OPEN) c.socket.send(text);
  }

  get open(): FakeConnection[] {
    return this.connections.filter((c) => c.socket.readyState === WebSocket.OPEN);
  }

  /** Cut every connection without a close handshake (like a network drop). */
  dropAll(): void {
    for (const c of this.connections) c.socket.terminate();
  }

  async close(): Promise<void> {
    this.hanging.forEach((end) => end());
    for (const c of this.connections) c.socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
