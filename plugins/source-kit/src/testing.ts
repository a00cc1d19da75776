/**
 * @module @satcast/source-kit/testing
 * Test helper for HTTP source plugins: a fake provider on 127.0.0.1, port 0, that answers with whatever
 * the test's handler returns and records every request, so live networks are never touched by tests.
 * Node-only (node:http), hence a separate entry that the runtime-neutral main entry never imports.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  url: URL;
  headers: IncomingHttpHeaders;
}

export interface FakeReply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Hold the reply this long (ms), to provoke client timeouts. */
  delayMs?: number;
}

export interface FakeServer {
  url: string;
  requests: FakeRequest[];
  close(): Promise<void>;
}

/**
 * @example
 * const server = await startFakeServer((req, n) => (n === 1 ? { status: 503 } : { body: { ok: true } }));
 * // ... point the source's baseUrl at server.url, then inspect server.requests
 * await server.close();
 */
export async function startFakeServer(handler: (req: FakeRequest, n: number) => FakeReply): Promise<FakeServer> {
  const requests: FakeRequest[] = [];
  const server = createServer((req, res) => {
    const r: FakeRequest = { url: new URL(req.url ?? '/', 'http://127.0.0.1'), headers: req.headers };
    requests.push(r);
    const reply = handler(r, requests.length);
    const send = () => {
      if (res.destroyed) return;
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
      res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? null));
    };
    if (reply.delayMs) setTimeout(send, reply.delayMs);
    else send();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
