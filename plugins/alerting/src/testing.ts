/**
 * @module @satcast/plugin-alerting/testing
 * A fake HTTP receiver for notifier tests (Node only): listens on 127.0.0.1, port 0, records every
 * request (method, path, headers, raw body) and can be told to fail the next requests the ways providers
 * do — 5xx, a 4xx refusal, 429 with Retry-After, an answer slower than the client's timeout. It also
 * implements the core suite's `NotifierHarness`, so a notifier test wires it in one line.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** `pass` lets one request through normally (to fail the second of a series, queue `pass` then a failure). */
export type FailureKind = 'transient' | 'permanent' | 'slow' | 'limited' | 'pass';

export interface Reply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

export interface FakeReceiverOptions {
  /** Answer to an accepted request (e.g. Slack `200 ok`, Twilio `201 {sid}`, PagerDuty `202 {...}`). */
  accept: (req: RecordedRequest, n: number) => Reply;
  /** Answer for `permanent` failures (default 400 with a short body). */
  refuse?: Reply;
  /** Retry-After value sent with `limited` (seconds). */
  retryAfter?: string;
  /** Delay of a `slow` answer, ms (must exceed the client timeout). */
  slowMs?: number;
  /** Extra check per request: return a reply to refuse it (e.g. bad auth). */
  gate?: (req: RecordedRequest) => Reply | undefined;
}

export class FakeHttpReceiver {
  private server!: Server;
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url = '';
  /** Requests the receiver accepted. */
  accepted: RecordedRequest[] = [];
  /** Every request that arrived, accepted or not. */
  all: RecordedRequest[] = [];
  private failures: FailureKind[] = [];

  constructor(private readonly o: FakeReceiverOptions) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        const rec: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
        this.all.push(rec);
        const send = (r: Reply) => res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers }).end(r.body ?? '');
        const f = this.failures.shift();
        if (f === 'slow') return void setTimeout(() => send({ status: 200, body: 'late' }), this.o.slowMs ?? 1000).unref();
        if (f === 'transient') return send({ status: 503, body: 'service unavailable' });
        if (f === 'permanent') return send(this.o.refuse ?? { status: 400, body: 'invalid_payload' });
        if (f === 'limited') return send({ status: 429, headers: { 'retry-after': this.o.retryAfter ?? '0.05' }, body: 'rate limited' });
        const refused = this.o.gate?.(rec);
        if (refused) return send(refused);
        this.accepted.push(rec);
        send(this.o.accept(rec, this.accepted.length));
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Fail the next `n` requests with `kind`. */
  fail(n: number, kind: FailureKind): void {
    for (let i = 0; i < n; i++) this.failures.push(kind);
  }

  reset(): void {
    this.accepted = [];
    this.all = [];
    this.failures = [];
  }

  /** `NotifierHarness` for `testNotifier` (transient = 503, permanent = the `refuse` reply). */
  harness() {
    return {
      failNext: (n: number, kind: 'transient' | 'permanent') => this.fail(n, kind),
      received: async () => this.accepted,
      reset: () => this.reset(),
    };
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** A URL on 127.0.0.1 where nothing listens (a port we bound and released). */
export async function deadUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

/** A logger that keeps every line, to assert that no secret is ever logged. */
export function capturingLogger() {
  const lines: string[] = [];
  const put = (lvl: string) => (msg: string, data?: Record<string, unknown>) => void lines.push(`${lvl} ${msg} ${data ? JSON.stringify(data) : ''}`);
  return { lines, log: { debug: put('debug'), info: put('info'), warn: put('warn'), error: put('error') } };
}
