/**
 * Retraining off the serving thread. One `node:worker_threads` worker per learner runs jobs one at a
 * time: import the model plugin, fit on the older part of the sliding window (time-series split), score
 * the newest part beside persistence (early stopping, where a plugin has it, sees only that split via
 * its own options), refit on the whole window, serialise. The serving thread only posts a message and
 * awaits the reply, so bars keep being predicted while a model trains.
 *
 * The worker is evaluated from source (CommonJS) and imports plugins by absolute file URL resolved here,
 * so it works the same from `src/` under vitest and from `dist/` after the build.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { HORIZON_MS, type Horizon } from '@satcast/core';

/** Scores on the validation split (prices, as live outcomes are scored) and the window it came from. */
export interface WorkerScores {
  n: number;
  pinball: number;
  mae: number;
  maePersistence: number;
  maeSkillVsPersistence: number;
  coverage90: number;
}

export interface RetrainJob {
  plugin: string;
  /** Package that exports the plugin definition (default export, an array of them, or a named export). */
  module: string;
  options: unknown;
  horizon: Horizon;
  /** Row times (bar close), closes, feature columns and log-return targets (NaN where not yet public). */
  times: Float64Array;
  close: Float64Array;
  features: Record<string, Float64Array>;
  target: Float64Array;
  validationShare: number;
}

export interface RetrainReply {
  format: 'json' | 'onnx';
  bytes: Uint8Array;
  validation: WorkerScores;
  training: { rows: number; fitRows: number; seconds: number };
}

const SOURCE = String.raw`
const { parentPort } = require('node:worker_threads');
const LEVELS = { p05: 0.05, p25: 0.25, p50: 0.5, p75: 0.75, p95: 0.95 };
function findModel(mod, name) {
  const cands = [mod.default, ...(Array.isArray(mod.default) ? mod.default : []), ...Object.values(mod)];
  for (const c of cands.flat ? cands.flat() : cands) if (c && c.kind === 'model' && c.name === name) return c;
  throw new Error('plugin "' + name + '" not exported by its module');
}
function slice(job, lo, hi, publicBy) {
  const target = job.target.slice(lo, hi);
  for (let i = 0; i < target.length; i++) if (job.times[lo + i] + job.hMs > publicBy) target[i] = NaN;
  const features = {};
  for (const [k, v] of Object.entries(job.features)) features[k] = v.slice(lo, hi);
  return { horizon: job.horizon, times: job.times.slice(lo, hi), features, target };
}
const log = { debug() {}, info() {}, warn() {}, error() {} };
const ctx = { log, fetch: globalThis.fetch, now: () => Date.now(), signal: new AbortController().signal, env: {} };
parentPort.on('message', async (job) => {
  const t0 = Date.now();
  try {
    const mod = await import(job.moduleUrl);
    const def = findModel(mod, job.plugin);
    const opts = def.optionsSchema && def.optionsSchema.parse ? def.optionsSchema.parse(job.options ?? {}) : job.options;
    const n = job.times.length;
    const split = Math.floor(n * (1 - job.validationShare));
    const splitTime = job.times[split - 1];
    const val = await def.create(opts, ctx);
    await val.fit(slice(job, 0, split, splitTime));
    const rows = [];
    for (let i = split; i < n; i++) if (Number.isFinite(job.target[i]) && job.times[i] + job.hMs <= job.times[n - 1]) rows.push(i);
    const feats = {};
    for (const [k, v] of Object.entries(job.features)) feats[k] = Float64Array.from(rows, (i) => v[i]);
    const f = rows.length ? await val.predict({ horizon: job.horizon, times: Float64Array.from(rows, (i) => job.times[i]), features: feats }) : [];
    let pin = 0, ae = 0, aeP = 0, cov = 0;
    rows.forEach((i, k) => {
      const c = job.close[i], a = c * Math.exp(job.target[i]), q = f[k].quantiles;
      let s = 0;
      for (const [key, tau] of Object.entries(LEVELS)) { const qp = c * Math.exp(q[key]); s += a >= qp ? tau * (a - qp) : (1 - tau) * (qp - a); }
      pin += s / 5;
      ae += Math.abs(a - c * Math.exp(f[k].point));
      aeP += Math.abs(a - c);
      cov += job.target[i] >= q.p05 && job.target[i] <= q.p95 ? 1 : 0;
    });
    const m = rows.length || NaN;
    const model = await def.create(opts, ctx);
    const all = slice(job, 0, n, job.times[n - 1]);
    await model.fit(all);
    const blob = model.serialize();
    const bytes = new Uint8Array(blob.bytes);
    parentPort.postMessage({ id: job.id, ok: true, reply: {
      format: blob.format, bytes,
      validation: { n: rows.length, pinball: pin / m, mae: ae / m, maePersistence: aeP / m, maeSkillVsPersistence: 1 - ae / aeP, coverage90: cov / m },
      training: { rows: n, fitRows: all.target.filter(Number.isFinite).length, seconds: (Date.now() - t0) / 1000 } } }, [bytes.buffer]);
  } catch (err) {
    parentPort.postMessage({ id: job.id, ok: false, error: err && err.stack ? String(err.stack) : String(err) });
  }
});
`;

/** Absolute file URL of a package's ESM entry, found from this file's directory upwards (no cwd dependence). */
export function resolvePackageEntry(spec: string, from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkgDir = join(dir, 'node_modules', ...spec.split('/'));
    if (existsSync(join(pkgDir, 'package.json'))) {
      const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { exports?: Record<string, { import?: string } | string>; module?: string; main?: string };
      const e = pkg.exports?.['.'];
      const entry = (typeof e === 'string' ? e : e?.import) ?? pkg.module ?? pkg.main ?? 'index.js';
      return pathToFileURL(join(pkgDir, entry)).href;
    }
    if (dirname(dir) === dir) throw new Error(`[satcast] [registry] cannot resolve package ${spec} from ${from}`);
  }
}

/** Plugin → package exporting it, for the plugins that ship with Satcast (config can add more). */
export const DEFAULT_MODEL_MODULES: Record<string, string> = {
  huber: '@satcast/plugin-linear',
  ridge: '@satcast/plugin-linear',
  'ewma-band': '@satcast/plugin-ewma-band',
  persistence: '@satcast/plugin-persistence',
  gbdt: '@satcast/plugin-gbdt',
  forest: '@satcast/plugin-gbdt',
};

/** A long-lived worker thread that runs retrain jobs one at a time. */
export class RetrainWorker {
  private worker?: Worker;
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (r: RetrainReply) => void; reject: (e: Error) => void }>();
  private readonly urls = new Map<string, string>();
  /** Jobs completed (tests and metrics). */
  completed = 0;

  run(job: RetrainJob): Promise<RetrainReply> {
    let url = this.urls.get(job.module);
    if (!url) this.urls.set(job.module, (url = resolvePackageEntry(job.module)));
    const w = this.ensure();
    const id = ++this.seq;
    return new Promise<RetrainReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ ...job, id, moduleUrl: url, hMs: HORIZON_MS[job.horizon] });
    });
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(SOURCE, { eval: true });
    w.unref();
    w.on('message', (m: { id: number; ok: boolean; reply?: RetrainReply; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) (this.completed++, p.resolve(m.reply!));
      else p.reject(new Error(m.error));
    });
    w.on('error', (err) => this.failAll(err));
    w.on('exit', () => {
      this.worker = undefined;
      this.failAll(new Error('retrain worker exited'));
    });
    return (this.worker = w);
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }
}
