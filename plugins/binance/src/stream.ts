/**
 * Live kline stream over a Binance WebSocket, with the guarantee the rest of Satcast relies on: every
 * closed bar is emitted once, in order, with no hole the exchange can fill.
 *
 * - Single stream `/ws/<symbol>@kline_<interval>` for one symbol, combined `/stream?streams=a/b` for
 *   several (or when `combined` is set); combined payloads arrive as `{stream, data}`.
 * - Only `x: true` bars become candles; in-progress updates go to the optional `onTick`.
 * - Ping/pong: `ws` answers server pings with the same payload (Binance drops clients that do not);
 *   any frame counts as life, we ping after half of `idleTimeoutMs` of silence and replace the
 *   connection after a full `idleTimeoutMs`.
 * - Reconnects use exponential backoff with decorrelated jitter (cockatiel's generator), reset once a
 *   connection delivers a frame. Before Binance's 24 h cut-off (`maxConnectionAgeMs`, on the plugin
 *   clock) the connection is replaced on our terms.
 * - Gaps: after every (re)connect, closed bars after the last emitted one are fetched from REST; a
 *   closed stream bar more than one step after the last emitted one triggers the same backfill first.
 *   Closed bars are processed through one queue, so a backfill always lands before newer stream bars,
 *   and bars at or before the last emitted one are suppressed as duplicates.
 */
import WebSocket from 'ws';
import { decorrelatedJitterGenerator, ExponentialBackoff, type IBackoff } from 'cockatiel';
import { floorToGrid, INTERVAL_MS, UnavailableError, type Candle, type PluginContext, type SourceBatch, type SubscribeOptions } from '@satcast/core';
import type { HealthTracker } from './health.js';
import { checkBar, streamName, unwrapStream, WsKlineEventSchema, zodReason, type KlineTick } from './klines.js';
import { BannedError, type Sleep } from './limiter.js';
import type { BinanceOptions } from './options.js';
import { PLUGIN, type KlinesClient } from './rest.js';

export interface BinanceSubscribeOptions extends SubscribeOptions {
  /** In-progress bar updates (`x: false`); best effort, not ordered against candles, never stored. */
  onTick?(tick: KlineTick): void;
  /**
   * Open time of the newest closed bar the caller already has (one number for every symbol, or per
   * symbol). Bars after it are backfilled from REST on connect, so backfill + subscribe leave no hole.
   */
  after?: number | Record<string, number>;
}

/** Build the stream URL for the options (exported for tests and docs). */
export function streamUrl(o: BinanceOptions): string {
  const base = o.wsUrl.replace(/\/+$/, '');
  const names = o.symbols.map((s) => streamName(s, o.interval));
  return o.combined || names.length > 1 ? `${base}/stream?streams=${names.join('/')}` : `${base}/ws/${names[0]}`;
}

export class KlineStream {
  private ws: WebSocket | undefined;
  private stopped = false;
  private queue: Promise<void> = Promise.resolve();
  private readonly last = new Map<string, number>();
  private readonly symbols: Set<string>;
  private readonly step: number;
  private backoff: IBackoff<unknown> | undefined;
  private readonly backoffFactory: ExponentialBackoff<unknown>;
  private connectedAt = 0;
  private lastFrameAt = 0;
  private pinged = false;
  private rotating = false;
  private watchdog: ReturnType<typeof setInterval> | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  /** Aborts sleeps (ban waits, backfill backoff) when the subscription or the plugin stops. */
  private readonly abort = new AbortController();
  private readonly signal: AbortSignal;

  constructor(
    private readonly o: BinanceOptions,
    private readonly ctx: PluginContext,
    private readonly rest: KlinesClient,
    private readonly health: HealthTracker,
    private readonly sub: BinanceSubscribeOptions,
    private readonly sleep: Sleep,
  ) {
    this.signal = AbortSignal.any([ctx.signal, this.abort.signal]);
    this.symbols = new Set(o.symbols);
    this.step = INTERVAL_MS[o.interval];
    this.backoffFactory = new ExponentialBackoff({
      initialDelay: o.ws.reconnectInitialMs,
      maxDelay: o.ws.reconnectMaxMs,
      generator: decorrelatedJitterGenerator,
    });
    for (const s of o.symbols) {
      const a = typeof sub.after === 'number' ? sub.after : sub.after?.[s];
      if (a !== undefined) this.last.set(s, floorToGrid(a, o.interval));
    }
  }

  start(): void {
    this.health.subscribed = true;
    this.connect();
  }

  private connect(): void {
    if (this.stopped) return;
    const ws = new WebSocket(streamUrl(this.o), { handshakeTimeout: this.o.ws.handshakeTimeoutMs });
    this.ws = ws;
    ws.on('open', () => {
      this.connectedAt = this.ctx.now();
      this.touch();
      this.health.connected = true;
      this.health.success();
      this.armWatchdog();
      // Whatever closed while we were away (or before the first connect) comes from REST first.
      this.enqueue(() => this.catchUp());
    });
    ws.on('message', (data) => {
      this.touch();
      this.backoff = undefined; // a frame proves the connection works: start the next backoff small
      this.handle(data.toString());
      this.checkAge();
    });
    // `ws` replies to pings itself (autoPong); we only note the sign of life.
    ws.on('ping', () => {
      this.touch();
      this.checkAge();
    });
    ws.on('pong', () => this.touch());
    ws.on('error', (err) => {
      if (this.stopped) return;
      const e = new UnavailableError(`stream ${streamUrl(this.o)}: ${err.message}`, { plugin: PLUGIN, cause: err });
      this.health.failure(e);
      this.sub.onError?.(e);
    });
    ws.on('close', () => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      this.health.connected = false;
      this.disarmWatchdog();
      if (this.stopped) return;
      let delay = 0;
      if (this.rotating) this.rotating = false;
      else {
        this.health.reconnects++;
        this.backoff = this.backoff ? this.backoff.next(undefined) : this.backoffFactory.next();
        delay = this.backoff.duration;
      }
      this.reconnectTimer = setTimeout(() => this.connect(), delay);
    });
  }

  private touch(): void {
    this.lastFrameAt = performance.now();
    this.pinged = false;
  }

  /** Socket silence is measured on the monotonic clock (it is about the wire, not about market time). */
  private armWatchdog(): void {
    this.disarmWatchdog();
    const idle = this.o.ws.idleTimeoutMs;
    this.watchdog = setInterval(() => {
      const ws = this.ws;
      if (!ws) return;
      const silent = performance.now() - this.lastFrameAt;
      if (silent >= idle) {
        const e = new UnavailableError(`stream silent for ${Math.round(silent)} ms; reconnecting`, { plugin: PLUGIN });
        this.health.failure(e);
        this.sub.onError?.(e);
        ws.terminate();
      } else if (silent >= idle / 2 && !this.pinged && ws.readyState === WebSocket.OPEN) {
        this.pinged = true;
        ws.ping();
      }
      this.checkAge();
    }, Math.max(5, Math.floor(idle / 4)));
  }

  private disarmWatchdog(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = undefined;
  }

  private checkAge(): void {
    const ws = this.ws;
    if (!ws || this.rotating || ws.readyState !== WebSocket.OPEN) return;
    if (this.ctx.now() - this.connectedAt < this.o.ws.maxConnectionAgeMs) return;
    this.rotating = true;
    this.health.rotations++;
    ws.close(1000, 'connection age limit');
    // A peer that never completes the close handshake must not hold the replacement back (ws waits 30 s).
    setTimeout(() => ws.terminate(), 1000).unref();
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(task).catch((err) => this.sub.onError?.(err));
  }

  private async emit(batch: SourceBatch): Promise<void> {
    if (this.stopped) return;
    try {
      await this.sub.onBatch(batch);
    } catch (err) {
      this.sub.onError?.(err);
    }
  }

  private reject(payload: unknown, kind: string, reason: string): void {
    this.health.rejected++;
    const rec = { source: PLUGIN, kind, reason, payload, receivedAt: this.ctx.now() };
    this.enqueue(() => this.emit({ rejected: [rec] }));
  }

  private handle(text: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      return this.reject(text, 'message', 'stream message is not JSON');
    }
    // Replies to SUBSCRIBE/LIST requests ({"result": null, "id": 1}) carry no data.
    if (msg && typeof msg === 'object' && 'id' in msg && 'result' in msg) return;
    const { stream, data } = unwrapStream(msg);
    const parsed = WsKlineEventSchema.safeParse(data);
    if (!parsed.success) return this.reject(msg, 'message', `not a kline event: ${zodReason(parsed.error)}`);
    const ev = parsed.data;
    const { k } = ev;
    if (!this.symbols.has(k.s) || k.i !== this.o.interval || (stream && stream !== streamName(k.s, this.o.interval))) {
      return this.reject(msg, 'candle', `unexpected kline ${k.s} ${k.i} on stream ${stream ?? streamUrl(this.o)}`);
    }
    this.health.event(ev.E);
    const bar = { symbol: k.s, interval: this.o.interval, openTime: k.t, closeTime: k.T, open: k.o, high: k.h, low: k.l, close: k.c, volume: k.v };
    const checked = checkBar(bar, { now: this.ctx.now(), clockSkewMs: this.o.clockSkewMs, source: PLUGIN });
    if (!checked.ok) return this.reject(msg, 'candle', `${k.s} ${k.i}: ${checked.reason}`);
    if (!k.x) {
      try {
        this.sub.onTick?.({ ...checked.candle, closeTime: k.T, eventTime: ev.E, closed: false });
      } catch (err) {
        this.sub.onError?.(err);
      }
      return;
    }
    const candle = checked.candle;
    this.enqueue(() => this.closedBar(candle));
  }

  private async closedBar(c: Candle): Promise<void> {
    const last = this.last.get(c.symbol);
    if (last !== undefined && c.openTime > last + this.step) await this.backfill(c.symbol, last + this.step, c.openTime);
    if (this.stopped) return;
    if ((this.last.get(c.symbol) ?? -Infinity) >= c.openTime) {
      this.health.duplicatesSuppressed++;
      return;
    }
    this.last.set(c.symbol, c.openTime);
    this.health.candle(c.openTime);
    await this.emit({ candles: [c] });
  }

  /** On (re)connect: every bar closed by now that comes after the last emitted one. */
  private async catchUp(): Promise<void> {
    const to = floorToGrid(this.ctx.now(), this.o.interval);
    for (const [symbol, last] of this.last) if (to > last + this.step) await this.backfill(symbol, last + this.step, to);
  }

  /**
   * Fetch closed bars in [from, to) and emit those after the last emitted one. Retries until it works or
   * the subscription ends (waiting out a ban); stream bars queue behind it meanwhile, so order holds.
   */
  private async backfill(symbol: string, from: number, to: number): Promise<void> {
    let backoff: IBackoff<unknown> | undefined;
    while (!this.stopped) {
      try {
        this.health.gapPending = true;
        const r = await this.rest.range(symbol, from, to, this.signal);
        const last = this.last.get(symbol) ?? -Infinity;
        const fresh = r.candles.filter((c) => c.openTime > last);
        if (fresh.length) {
          this.last.set(symbol, fresh.at(-1)!.openTime);
          this.health.backfilledBars += fresh.length;
        }
        if (fresh.length || r.rejected.length) await this.emit({ candles: fresh, ...(r.rejected.length ? { rejected: r.rejected } : {}) });
        this.health.gapPending = false;
        return;
      } catch (err) {
        if (this.stopped || this.signal.aborted) return;
        this.sub.onError?.(err);
        backoff = backoff ? backoff.next(undefined) : this.backoffFactory.next();
        const wait = err instanceof BannedError ? Math.max(err.retryAfterMs ?? 0, backoff.duration) : backoff.duration;
        await this.sleep(wait, this.signal).catch(() => {});
      }
    }
  }

  /** Stop: no reconnect, pending work finishes, the socket closes. */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    this.health.subscribed = false;
    this.health.connected = false;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.disarmWatchdog();
    const ws = this.ws;
    this.ws = undefined;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
        else ws.close(1000, 'subscription closed');
        setTimeout(resolve, 1000).unref();
      });
    }
    await this.queue;
  }
}
