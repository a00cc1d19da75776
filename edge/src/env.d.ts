/** Bindings of the edge Worker (kept by hand to match wrangler.toml; `wrangler types` regenerates it). */
declare namespace Cloudflare {
  interface Env {
    PREDICTIONS: KVNamespace;
    ORIGIN_URL: string;
  }
}
interface Env extends Cloudflare.Env {}
