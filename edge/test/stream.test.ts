import { SELF, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { prediction, signedSync, token } from './helpers';

type Msg = { type: string; timeframe?: string; prediction?: number; confidence?: number; timestamp?: string; metadata?: { horizon: string }; shard?: string };

/** Open a socket and collect its JSON messages. */
function collect(ws: WebSocket) {
  const messages: Msg[] = [];
  ws.accept();
  ws.addEventListener('message', (e) => {
    messages.push(JSON.parse(e.data as string));
  });
  return {
    messages,
    async until(pred: (m: Msg[]) => boolean, ms = 3000) {
      const end = Date.now() + ms;
      while (!pred(messages)) {
        if (Date.now() > end) throw new Error(`timed out; got ${JSON.stringify(messages)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}

async function connect(query = '', headers: Record<string, string> = {}) {
  return SELF.fetch(`https://edge.test/stream/predictions${query}`, { headers: { upgrade: 'websocket', ...headers } });
}

describe('WebSocket stream', () => {
  it('refuses an upgrade without a valid token, and a plain GET', async () => {
    expect((await connect()).status).toBe(401);
    expect((await connect('', { authorization: 'Bearer not.a.jwt' })).status).toBe(401);
    const plain = await SELF.fetch('https://edge.test/stream/predictions', { headers: { authorization: `Bearer ${await token()}` } });
    expect(plain.status).toBe(426);
  });

  it('rejects an unknown timeframe by name', async () => {
    const res = await connect('?timeframes=1h,2h', { authorization: `Bearer ${await token()}` });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { field: string }[] }).errors[0]!.field).toBe('timeframes');
  });

  it('accepts a token in Sec-WebSocket-Protocol (browsers) and delivers subscribed timeframes only', async () => {
    const res = await connect('?timeframes=4h', { 'sec-websocket-protocol': `bearer, ${await token()}` });
    expect(res.status).toBe(101);
    expect(res.headers.get('sec-websocket-protocol')).toBe('bearer');
    const c = collect(res.webSocket!);
    await c.until((m) => m.some((x) => x.type === 'welcome'));
    const t = Date.now() - 1000;
    const sync = await SELF.fetch(await signedSync([prediction('1h', t), prediction('4h', t)]));
    expect(sync.status).toBe(200);
    await c.until((m) => m.some((x) => x.type === 'prediction'));
    const preds = c.messages.filter((x) => x.type === 'prediction');
    expect(preds.map((p) => p.timeframe)).toEqual(['4h']);
    expect(preds[0]).toMatchObject({ timeframe: '4h', prediction: 107_140.1, confidence: 0.53, timestamp: new Date(t).toISOString() });
  });

  it('lets a client change its subscription and answers pings', async () => {
    const res = await connect('?timeframes=1h', { authorization: `Bearer ${await token()}` });
    const c = collect(res.webSocket!);
    res.webSocket!.send(JSON.stringify({ type: 'subscribe', timeframes: ['24h'] }));
    res.webSocket!.send(JSON.stringify({ type: 'ping' }));
    res.webSocket!.send('not json');
    await c.until((m) => ['subscribed', 'pong', 'error'].every((t) => m.some((x) => x.type === t)));
    await SELF.fetch(await signedSync([prediction('1h', Date.now() - 500), prediction('24h', Date.now() - 500)]));
    await c.until((m) => m.some((x) => x.type === 'prediction'));
    expect(c.messages.filter((x) => x.type === 'prediction').map((p) => p.timeframe)).toEqual(['24h']);
  });

  it('a broadcast reaches sockets on every DO shard, and closed sockets are dropped', async () => {
    // Place sockets on each of the 3 shards explicitly (the worker picks shards at random).
    const sockets = [];
    for (let shard = 0; shard < 3; shard++) {
      for (let k = 0; k < 2; k++) {
        const res = await env.HUB.get(env.HUB.idFromName(`shard-${shard}`)).fetch(
          new Request(`https://edge.test/stream/predictions?timeframes=1h&shard=${shard}`, { headers: { upgrade: 'websocket' } }),
        );
        sockets.push({ shard, ws: res.webSocket!, c: collect(res.webSocket!) });
      }
    }
    const closed = sockets.pop()!;
    closed.ws.close(1000, 'bye');
    await new Promise((r) => setTimeout(r, 50));
    const res = await SELF.fetch(await signedSync([prediction('1h', Date.now() - 100)]));
    const body = (await res.json()) as { delivered: number };
    expect(body.delivered).toBeGreaterThanOrEqual(sockets.length);
    for (const s of sockets) await s.c.until((m) => m.some((x) => x.type === 'prediction'));
    expect(new Set(sockets.map((s) => s.c.messages[0]!.shard))).toEqual(new Set(['0', '1', '2']));
    expect(closed.c.messages.filter((x) => x.type === 'prediction')).toHaveLength(0);
  });
});
