import { SELF, createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';
import worker from '../src/index';
import { modelKey } from '../src/model';
import { signedSync, token } from './helpers';

// The ONNX build (vitest.config.ts defines __SATCAST_EDGE_ONNX__) with EDGE_MODEL = "onnx".
const fixture = inject('onnxFixture');

async function pushModel(body: object, opts: { secret?: string } = {}) {
  const req = await signedSync([], { body: JSON.stringify(body), ...opts });
  return SELF.fetch(new Request('https://edge.test/sync/model', req));
}
const onDemand = async (body: unknown, headers: Record<string, string> = {}) =>
  SELF.fetch('https://edge.test/api/v1/predictions', {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await token()}`, ...headers },
  });

describe('on-demand ONNX model at the edge', () => {
  it('a synced model runs in onnxruntime-web inside workerd and matches onnxruntime-node within 1e-5', async () => {
    const sync = await pushModel({ horizon: '1h', model: fixture.model, version: 'linear@test-1' });
    expect(sync.status).toBe(200);
    expect(await sync.json()).toMatchObject({ horizon: '1h', version: 'linear@test-1', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const res = await onDemand({ horizon: '1h', features: fixture.features });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { outputs: Record<string, { dims: number[]; data: number[] }>; model: { inputs: string[] }; runtime: string; rows: number };
    expect(body.runtime).toMatch(/^onnxruntime-web 1\.30\.0/);
    expect(body.model.inputs).toEqual(fixture.inputs);
    expect(body.outputs.z!.dims).toEqual([fixture.features.length, 1]);
    expect(body.outputs.z!.data).toHaveLength(fixture.expected.length);
    body.outputs.z!.data.forEach((v, i) => expect(Math.abs(v - fixture.expected[i]!)).toBeLessThan(1e-5));
    // The rows differ, so a constant answer would not pass.
    expect(new Set(fixture.expected.map((x: number) => x.toFixed(6))).size).toBeGreaterThan(10);
  }, 60_000); // the first call loads and compiles the 14 MB runtime wasm

  it('names bad input: wrong column count, ragged rows, unknown horizon; 404 without a model', async () => {
    const wrong = await onDemand({ horizon: '1h', features: [[1, 2, 3]] });
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { errors: { field: string }[] }).errors[0]!.field).toBe('features');
    const ragged = await onDemand({ horizon: '1h', features: [[1, 2, 3, 4], [1, 2]] });
    expect(ragged.status).toBe(400);
    const bad = await onDemand({ horizon: '7d', features: [[1, 2, 3, 4]] });
    expect(((await bad.json()) as { errors: { field: string }[] }).errors[0]!.field).toBe('horizon');
    await env.PREDICTIONS.delete(modelKey('24h'));
    expect((await onDemand({ horizon: '24h', features: [[1, 2, 3, 4]] })).status).toBe(404);
    expect((await onDemand({ horizon: '1h', features: [[1, 2, 3, 4]] }, { authorization: 'Bearer nope' })).status).toBe(401);
  });

  it('model pushes are signed and replay-protected', async () => {
    const body = JSON.stringify({ horizon: '4h', model: fixture.model, version: 'linear@test-2' });
    expect((await pushModel(JSON.parse(body), { secret: 'not-the-key-0123456789abcdef' })).status).toBe(401);
    const req = new Request('https://edge.test/sync/model', await signedSync([], { body }));
    const replay = req.clone();
    expect((await SELF.fetch(req)).status).toBe(200);
    expect((await SELF.fetch(replay)).status).toBe(409);
    expect((await pushModel({ horizon: '4h', model: 'not base64!', version: 'x' })).status).toBe(400);
  });

  it('is off unless EDGE_MODEL = "onnx" (501, and GET still serves synced predictions)', async () => {
    const req = new Request('https://edge.test/api/v1/predictions', {
      method: 'POST',
      body: JSON.stringify({ horizon: '1h', features: fixture.features }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await token()}` },
    });
    const ctx = createExecutionContext();
    const res = await worker.fetch(req, { ...env, EDGE_MODEL: 'off' }, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(501);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/EDGE_MODEL/);
  });
});
