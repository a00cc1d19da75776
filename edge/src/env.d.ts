/** Bindings of the edge Worker (kept by hand to match wrangler.toml; `wrangler types` regenerates it). */
declare namespace Cloudflare {
  interface Env {
    PREDICTIONS: KVNamespace;
    HUB: DurableObjectNamespace<import('./hub').PredictionHub>;
    LIMITER: DurableObjectNamespace<import('./ratelimit').RateLimiter>;
    LEDGER: DurableObjectNamespace<import('./ledger').SyncLedger>;
    ORIGIN_URL: string;
    /** HS256 secret (wrangler secret), or JWT_JWKS_URL for asymmetric keys. */
    JWT_SECRET?: string;
    JWT_JWKS_URL?: string;
    JWT_ISSUER: string;
    JWT_AUDIENCE: string;
    /** JSON object key id -> HMAC secret; several ids allow rotation (wrangler secret). */
    SYNC_KEYS: string;
    SYNC_WINDOW_MS: string;
    HUB_SHARDS: string;
    RATE_LIMIT: string;
    RATE_WINDOW_MS: string;
    /** Most permits an isolate leases from a caller's RateLimiter at once (1 = a DO call per request). */
    RATE_LEASE_MAX?: string;
    STALE_AFTER_MS: string;
    /** "onnx" turns on POST /api/v1/predictions (on-demand inference; needs the ONNX build). Default "off". */
    EDGE_MODEL?: string;
  }
}
interface Env extends Cloudflare.Env {}

/** The onnxruntime-web binary, uploaded by wrangler as a pre-compiled (CompiledWasm) module. */
declare module 'onnxruntime-web/ort-wasm-simd-threaded.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
