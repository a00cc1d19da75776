/**
 * A minimal fake Binance for the backend's ingestion tests (trimmed from plugins/binance/src/testing,
 * which that package does not export): `GET /api/v3/klines` and the kline WebSocket on 127.0.0.1 port 0,
 * serving a known series on a virtual clock the test moves. `replies` scripts the next REST answers
 * (418, garbage pages); `page` may rewrite a default page (inject a bad row).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, WebSocket } from 'ws';
import { HOUR, type Candle } from '@satcast/core';

export interface FakeClock {
  now(): number;
  set(t: number): void;
}
export const fakeClock = (start: number): FakeClock => {
  let t = start;
  return { now: () => t, set: (v) => void (t = v) };
};

export class FakeBinance {
  readonly requests: URLSearchParams[] = [];
  readonly connections: WebSocket[] = [];
  replies: { status: number; headers?: Record<string, string>; body: unknown }[] = [];
  page: (rows: unknown[], n: number) => unknown[] = (rows) => rows;

  private constructor(
    private readonly server: Server,
    private readonly wss: WebSocketServer,
    readonly clock: FakeClock,
    readonly bars: Candle[],
  ) {}

  static async start(clock: FakeClock, bars: Candle[]): Promise<FakeBinance> {
    const server = createServer();
    const wss = new WebSocketServer({ server });
    const fake = new FakeBinance(server, wss, clock, bars);
    server.on('request', (req, res) => {
      const q = new URL(req.url ?? '/', 'http://x').searchParams;
      fake.requests.push(q);
      const r = fake.replies.shift() ?? { status: 200, body: fake.klines(q) };
      res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers });
      res.end(JSON.stringify(r.body));
    });
    wss.on('connection', (socket) => void fake.connections.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get restUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  get wsUrl(): string {
    return this.restUrl.replace('http', 'ws');
  }
  get open(): WebSocket[] {
    return this.connections.filter((s) => s.readyState === WebSocket.OPEN);
  }

  /** Bars in [startTime, endTime] that have opened by the virtual now (the newest may still be open). */
  klines(q: URLSearchParams): unknown[] {
    const from = Number(q.get('startTime') ?? 0);
    const to = Number(q.get('endTime') ?? Number.MAX_SAFE_INTEGER);
    const rows = this.bars
      .filter((c) => c.openTime >= from && c.openTime <= to && c.openTime <= this.clock.now())
      .slice(0, Number(q.get('limit') ?? 500))
      .map((c) => FakeBinance.row(c));
    return this.page(rows, this.requests.length);
  }

  static row(c: Candle): unknown[] {
    return [c.openTime, String(c.open), String(c.high), String(c.low), String(c.close), String(c.volume), c.openTime + HOUR - 1, '0', 10, '0', '0', '0'];
  }

  /** A single-stream kline event for a bar. */
  event(c: Candle, closed: boolean): string {
    const k = { t: c.openTime, T: c.openTime + HOUR - 1, s: c.symbol, i: '1h', f: 1, L: 2, o: String(c.open), c: String(c.close), h: String(c.high), l: String(c.low), v: String(c.volume), n: 2, x: closed, q: '0', V: '0', Q: '0', B: '0' };
    return JSON.stringify({ e: 'kline', E: this.clock.now(), s: c.symbol, k });
  }

  broadcast(text: string): void {
    for (const s of this.open) s.send(text);
  }

  /** Cut every connection without a close handshake (a network drop). */
  dropAll(): void {
    for (const s of this.connections) s.terminate();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
