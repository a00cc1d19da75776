/**
 * Optional on-demand inference at the edge (default off).
 *
 * Two switches, because the runtime is large (the onnxruntime-web wasm is 14 MB, 3.6 MB gzipped — more
 * than a free-plan Worker may upload):
 *   - build: `wrangler deploy --define __SATCAST_EDGE_ONNX__:true` bundles onnxruntime-web and its wasm;
 *     the default build (`[define]` in wrangler.toml: false) leaves both out entirely;
 *   - run: `EDGE_MODEL = "onnx"` in [vars] turns the route on. The runtime is imported on the first
 *     on-demand request only, so other requests never pay for parsing or initialising it.
 *
 *   POST /sync/model          backend -> edge, signed like /sync/predictions:
 *                             {"horizon":"1h","model":"<base64 ONNX bytes>","version":"linear@refit-7"}
 *                             stored in KV as `model:<horizon>` (bytes; metadata: sha256, version, syncedAt)
 *   POST /api/v1/predictions  caller (auth + rate limit): {"horizon":"1h","features":[[...], ...]}
 *                             -> the model's raw outputs for those feature rows, e.g. the linear model's
 *                             standardised point `z` (the backend scales it to a price with sigma_h).
 *
 * The edge does not compute features (it has no candles); callers bring rows in the model's input order
 * (`inputs` in the answer, from the model's `satcast.inputs` metadata when present).
 */
import type { Context } from 'hono';
import { z } from 'zod';
import { HorizonSchema, HORIZONS, type Horizon } from '@satcast/core';
import { problem } from './problem.js';
import { verifySigned } from './sync.js';

/** Build-time switch (wrangler `[define]`); false in the default build. */
declare const __SATCAST_EDGE_ONNX__: boolean;

/** Result of one model run: every output tensor, row-major. */
export interface RunResult {
  input: string;
  outputs: Record<string, { dims: number[]; data: number[] }>;
}

/** What src/onnx.ts provides; an interface so the route has no import of the runtime. */
export interface ModelRunner {
  runtime: string;
  run(digest: string, bytes: Uint8Array, rows: number[][]): Promise<RunResult>;
}

export const modelKey = (h: string) => `model:${h}`;
const MAX_MODEL_BODY = 16 * 1024 * 1024; // base64 JSON; KV values may be up to 25 MiB
const MODEL_MEMO_MS = 5000;

interface ModelMeta {
  sha256: string;
  version: string;
  syncedAt: number;
}
interface LoadedModel extends ModelMeta {
  bytes: Uint8Array;
  inputs?: string[];
  at: number;
}
const models = new Map<Horizon, LoadedModel>();

/** Whether this build carries the runtime (tests and the health route). */
export const onnxBundled = (): boolean => __SATCAST_EDGE_ONNX__;

async function loadRunner(): Promise<ModelRunner | undefined> {
  // With the define false, esbuild drops this branch and never bundles ./onnx.js or the wasm.
  if (__SATCAST_EDGE_ONNX__) return (await import('./onnx.js')).runner;
  return undefined;
}

async function digest(bytes: Uint8Array): Promise<string> {
  return Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The `satcast.inputs` metadata of a model written by @satcast/plugin-linear (best effort). */
function inputsOf(bytes: Uint8Array): string[] | undefined {
  const text = new TextDecoder().decode(bytes);
  // protobuf StringStringEntryProto: "satcast.inputs", then field 2 (0x12), a varint length, the JSON.
  const m = /satcast\.inputs\x12[^]{1,3}?(\[[^\]]*\])/.exec(text);
  try {
    return m ? (JSON.parse(m[1]!) as string[]) : undefined;
  } catch {
    return undefined;
  }
}

async function loadModel(env: Env, horizon: Horizon): Promise<LoadedModel | undefined> {
  const hit = models.get(horizon);
  if (hit && Date.now() - hit.at <= MODEL_MEMO_MS) return hit;
  const { value, metadata } = await env.PREDICTIONS.getWithMetadata<ModelMeta>(modelKey(horizon), 'arrayBuffer');
  if (!value) return undefined;
  const bytes = new Uint8Array(value);
  // A model written to KV by hand has no metadata: digest it here.
  const meta = metadata ?? { sha256: await digest(bytes), version: 'unknown', syncedAt: 0 };
  const loaded: LoadedModel = { ...meta, bytes, inputs: hit?.sha256 === meta.sha256 ? hit.inputs : inputsOf(bytes), at: Date.now() };
  models.set(horizon, loaded);
  return loaded;
}

const ModelSyncSchema = z.strictObject({
  horizon: HorizonSchema,
  model: z.string().min(4).regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64'),
  version: z.string().min(1).max(200),
});

/** `POST /sync/model`: a signed model push (replays refused through the SyncLedger). */
export async function handleModelSync(c: Context<{ Bindings: Env }>): Promise<Response> {
  const signed = await verifySigned(c, MAX_MODEL_BODY);
  if (signed instanceof Response) return signed;
  let json: unknown;
  try {
    json = JSON.parse(signed.body);
  } catch {
    return problem(c, 400, 'body is not JSON');
  }
  const parsed = ModelSyncSchema.safeParse(json);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'body', message: i.message }));
    return problem(c, 400, `invalid model push: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, { errors });
  }
  const ledger = c.env.LEDGER.get(c.env.LEDGER.idFromName('ledger'));
  if (!(await ledger.claim(signed.signature, Date.now()))) return problem(c, 409, 'this signed push was already applied (replay)');
  const bin = atob(parsed.data.model);
  const bytes = Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
  const meta: ModelMeta = { sha256: await digest(bytes), version: parsed.data.version, syncedAt: Date.now() };
  await c.env.PREDICTIONS.put(modelKey(parsed.data.horizon), bytes, { metadata: meta });
  models.delete(parsed.data.horizon); // this isolate sees it at once; others within MODEL_MEMO_MS (+ KV propagation)
  return c.json({ horizon: parsed.data.horizon, bytes: bytes.length, ...meta });
}

const OnDemandSchema = z.strictObject({
  horizon: HorizonSchema,
  features: z
    .array(z.array(z.number().finite().nullable()).min(1).max(512))
    .min(1)
    .max(1000)
    .refine((rows) => rows.every((r) => r.length === rows[0]!.length), 'every row must have the same number of features'),
});

/** `POST /api/v1/predictions`: run the synced model of a horizon on the caller's feature rows. */
export async function handleOnDemand(c: Context<{ Bindings: Env }>): Promise<Response> {
  if ((c.env.EDGE_MODEL ?? 'off') !== 'onnx') {
    return problem(c, 501, 'on-demand predictions are off at this edge (set EDGE_MODEL = "onnx"); GET /api/v1/predictions serves the synced ones');
  }
  const runner = await loadRunner();
  if (!runner) return problem(c, 501, 'this build does not include onnxruntime-web: deploy with --define __SATCAST_EDGE_ONNX__:true');
  let json: unknown;
  try {
    json = await c.req.json();
  } catch {
    return problem(c, 400, 'body is not JSON');
  }
  const parsed = OnDemandSchema.safeParse(json);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'body', message: i.message }));
    return problem(c, 400, `invalid on-demand request: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, { errors });
  }
  const { horizon, features } = parsed.data;
  const model = await loadModel(c.env, horizon);
  if (!model) return problem(c, 404, `no model synced for horizon ${horizon} (KV ${modelKey(horizon)}); horizons: ${HORIZONS.join(', ')}`);
  if (model.inputs && model.inputs.length !== features[0]!.length) {
    return problem(c, 400, `features: the ${horizon} model takes ${model.inputs.length} columns (${model.inputs.join(', ')}), got ${features[0]!.length}`, {
      errors: [{ field: 'features', message: `expected ${model.inputs.length} columns` }],
    });
  }
  // null = missing value (NaN for the model, e.g. imputed by the linear model's Imputer node).
  const rows = features.map((r) => r.map((x) => (x === null ? Number.NaN : x)));
  let result: RunResult;
  try {
    result = await runner.run(model.sha256, model.bytes, rows);
  } catch (err) {
    return problem(c, 400, `the ${horizon} model refused these features: ${err instanceof Error ? err.message : String(err)}`, { errors: [{ field: 'features', message: 'rejected by the model' }] });
  }
  return c.json({
    horizon,
    model: { version: model.version, sha256: model.sha256, syncedAt: model.syncedAt, inputs: model.inputs ?? null },
    runtime: runner.runtime,
    rows: rows.length,
    ...result,
  });
}
