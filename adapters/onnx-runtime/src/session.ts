/**
 * onnxruntime-node sessions for Satcast's ONNX models.
 *
 * Execution providers: the npm package ships the CPU provider only (installed here with
 * ONNXRUNTIME_NODE_INSTALL=skip). `cuda` and `tensorrt` work only when the GPU provider libraries were
 * installed (`ONNXRUNTIME_NODE_INSTALL=cuda12` at install time, Linux x64, with CUDA 12 + cuDNN 9 on the
 * host). Asking for them where they are missing does not fail the service: the session is created on
 * the CPU and a warning names what was asked for and why it fell back (`session.fellBack`).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { SatcastError, ValidationError, type Logger } from '@satcast/core';
import { packRows } from './rows.js';

export type ExecutionProvider = 'cpu' | 'cuda' | 'tensorrt';

export interface OnnxSessionOptions {
  /** In order of preference; default `['cpu']`. The CPU is always appended as the last resort. */
  executionProviders?: readonly ExecutionProvider[];
  /** Threads inside one operator; default 1 (best single-row latency; raise it for large batches). */
  intraOpNumThreads?: number;
  /** Receives the fallback warning; default `console.warn`. */
  log?: Pick<Logger, 'warn'>;
}

export interface RunRowsOptions {
  /** Input tensor name; default the graph's only (first) input. */
  input?: string;
  /** Output to return; default the graph's first output. */
  output?: string;
}

export interface OnnxSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Providers the session was created with (`['cpu']` after a fallback). */
  readonly executionProviders: readonly ExecutionProvider[];
  /** True when a requested GPU provider was unavailable and the session runs on the CPU. */
  readonly fellBack: boolean;
  /** Run float32 feeds; every output comes back as a Float64Array (row-major) with its dims. */
  run(feeds: Record<string, { data: Float32Array; dims: readonly number[] }>): Promise<Record<string, { data: Float64Array; dims: number[] }>>;
  /**
   * Batch rows of feature columns into one float32 [rows, order.length] tensor (NaN = missing) and
   * return one output as a Float64Array (row-major; length = rows for a [rows, 1] output).
   */
  runRows(columns: Readonly<Record<string, ArrayLike<number>>>, order: readonly string[], opts?: RunRowsOptions): Promise<Float64Array>;
  release(): Promise<void>;
}

const COMPONENT = 'onnx-runtime';

/**
 * Whether a GPU provider's shared library sits beside the native binding (Linux x64 layout of the npm
 * package). Checking first avoids ORT's own error log when it is absent; elsewhere we just try.
 */
function gpuLibraryPresent(ep: 'cuda' | 'tensorrt'): boolean {
  if (process.platform !== 'linux') return true;
  try {
    const pkg = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
    return existsSync(join(pkg, 'bin', 'napi-v6', 'linux', process.arch, `libonnxruntime_providers_${ep}.so`));
  } catch {
    return true;
  }
}

function sessionOptions(providers: readonly ExecutionProvider[], threads: number): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [...providers],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    // A missing GPU library is reported by our warning; keep ORT's native error log quiet about it.
    logSeverityLevel: 4,
  };
}

/**
 * Create a session from ONNX bytes.
 * @example
 * const s = await createOnnxSession(onnxBytes, { executionProviders: ['cuda'] }); // CPU + warning here
 * const zHat = await s.runRows(features, header.inputs);
 */
export async function createOnnxSession(bytes: Uint8Array, opts: OnnxSessionOptions = {}): Promise<OnnxSession> {
  const wanted = [...new Set([...(opts.executionProviders ?? ['cpu']), 'cpu' as const])];
  for (const ep of wanted) {
    if (!['cpu', 'cuda', 'tensorrt'].includes(ep)) {
      throw new ValidationError(`unknown execution provider "${ep}" (known: cpu, cuda, tensorrt)`, { plugin: COMPONENT, field: 'executionProviders' });
    }
  }
  const threads = opts.intraOpNumThreads ?? 1;
  const log = opts.log ?? { warn: (m: string, d?: Record<string, unknown>) => console.warn(`[satcast] [${COMPONENT}] ${m}`, d ?? '') };
  const fallBack = (reason: string) =>
    log.warn(`execution providers ${wanted.filter((e) => e !== 'cpu').join(', ')} unavailable; running on the CPU`, { requested: wanted, reason });
  let session: ort.InferenceSession;
  let used: ExecutionProvider[] = wanted;
  let fellBack = false;
  const missing = wanted.filter((e): e is 'cuda' | 'tensorrt' => e !== 'cpu' && !gpuLibraryPresent(e));
  if (missing.length) {
    fallBack(`no ${missing.map((e) => `libonnxruntime_providers_${e}.so`).join(', ')} (install with ONNXRUNTIME_NODE_INSTALL=cuda12)`);
    used = ['cpu'];
    fellBack = true;
  }
  try {
    session = await ort.InferenceSession.create(bytes, sessionOptions(used, threads));
  } catch (err) {
    if (used.length === 1) throw new SatcastError('cannot load the ONNX model', { code: 'VALIDATION', plugin: COMPONENT, cause: err });
    // A GPU provider that is present but cannot start (no driver, no device) fails creation: retry on the CPU.
    fallBack(err instanceof Error ? err.message : String(err));
    used = ['cpu'];
    fellBack = true;
    try {
      session = await ort.InferenceSession.create(bytes, sessionOptions(used, threads));
    } catch (err2) {
      throw new SatcastError('cannot load the ONNX model', { code: 'VALIDATION', plugin: COMPONENT, cause: err2 });
    }
  }

  const run: OnnxSession['run'] = async (feeds) => {
    const tensors: Record<string, ort.Tensor> = {};
    for (const [name, f] of Object.entries(feeds)) tensors[name] = new ort.Tensor('float32', f.data, [...f.dims]);
    const out = await session.run(tensors);
    const result: Record<string, { data: Float64Array; dims: number[] }> = {};
    for (const [name, t] of Object.entries(out)) result[name] = { data: Float64Array.from(t.data as Float32Array), dims: [...t.dims] };
    return result;
  };

  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    executionProviders: used,
    fellBack,
    run,
    async runRows(columns, order, o = {}) {
      const input = o.input ?? session.inputNames[0]!;
      const output = o.output ?? session.outputNames[0]!;
      if (!session.outputNames.includes(output)) {
        throw new ValidationError(`unknown output "${output}" (graph outputs: ${session.outputNames.join(', ')})`, { plugin: COMPONENT, field: 'output' });
      }
      const packed = packRows(columns, order, COMPONENT);
      if (packed.rows === 0) return new Float64Array(0);
      const res = await run({ [input]: { data: packed.data, dims: [packed.rows, packed.cols] } });
      return res[output]!.data;
    },
    release: () => session.release(),
  };
}
