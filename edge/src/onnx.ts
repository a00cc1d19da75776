/**
 * onnxruntime-web inside workerd. Only bundled when the Worker is built with
 * `--define __SATCAST_EDGE_ONNX__:true` (see model.ts), and only imported on the first on-demand request.
 *
 * Two things stop ort-web's stock loader in workerd, and both are handled here:
 *   - Workers may not compile WebAssembly from bytes at run time (`WebAssembly.instantiate(bytes)` is
 *     refused: code generation is disallowed). The wasm binary is therefore imported as a module,
 *     which wrangler uploads as a pre-compiled `CompiledWasm` module, and for the duration of ort's
 *     initialisation `WebAssembly.instantiate` is wrapped so the emscripten glue instantiates that
 *     module instead of the (dummy) bytes it was handed. Nothing else is patched, and the original is
 *     restored before any other code runs.
 *   - There are no Web Workers: one thread (`numThreads = 1`), no proxy worker.
 */
import * as ort from 'onnxruntime-web/wasm';
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm';
import type { ModelRunner, RunResult } from './model.js';

let ready: Promise<void> | undefined;

async function init(): Promise<void> {
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  // ort probes SIMD with WebAssembly.validate on a tiny module; the binary is the SIMD build either way.
  ort.env.wasm.simd = false;
  // Non-empty so the glue skips fetching the .wasm; the wrapper below ignores these bytes.
  ort.env.wasm.wasmBinary = new Uint8Array(8);
  const original = WebAssembly.instantiate;
  const fromModule = async (_bytes: unknown, imports?: WebAssembly.Imports) => ({
    instance: await original.call(WebAssembly, ortWasm, imports),
    module: ortWasm,
  });
  WebAssembly.instantiate = fromModule as unknown as typeof WebAssembly.instantiate;
  try {
    // Creating a session initialises the runtime; a 1-byte model then fails to parse, as expected.
    await ort.InferenceSession.create(new Uint8Array([0])).catch(() => undefined);
  } finally {
    WebAssembly.instantiate = original;
  }
}

// Only finished sessions are shared between requests: workerd cancels a request that waits on a promise
// driven by another request's I/O, so two concurrent first calls each build one (small models, rare).
const sessions = new Map<string, ort.InferenceSession>();

async function session(digest: string, bytes: Uint8Array): Promise<ort.InferenceSession> {
  const hit = sessions.get(digest);
  if (hit) return hit;
  const s = await ort.InferenceSession.create(bytes);
  if (sessions.size >= 4) sessions.delete(sessions.keys().next().value!);
  sessions.set(digest, s);
  return s;
}

/** The ModelRunner backed by onnxruntime-web (wasm, single thread). */
export const runner: ModelRunner = {
  runtime: `onnxruntime-web ${ort.env.versions.web ?? '?'} (wasm, single thread, workerd)`,
  async run(digest, bytes, rows): Promise<RunResult> {
    ready ??= init(); // no I/O inside: safe to share between requests
    await ready;
    const s = await session(digest, bytes);
    const width = rows[0]!.length;
    const input = new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, width]);
    const out = await s.run({ [s.inputNames[0]!]: input });
    const outputs: RunResult['outputs'] = {};
    for (const name of s.outputNames) {
      const t = out[name]!;
      outputs[name] = { dims: [...t.dims], data: Array.from(t.data as Float32Array, Number) };
    }
    return { input: s.inputNames[0]!, outputs };
  },
};
