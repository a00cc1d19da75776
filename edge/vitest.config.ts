import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

// Tests run inside workerd (the Workers runtime), offline, with the bindings from wrangler.toml plus
// test-only secrets and a small rate limit so "limit reached" is reachable.
export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        bindings: {
          JWT_SECRET: 'test-only-jwt-secret-0123456789abcdef',
          SYNC_KEYS: JSON.stringify({ k1: 'test-only-sync-key-one-0123456789', k2: 'test-only-sync-key-two-0123456789' }),
          RATE_LIMIT: '5',
          HUB_SHARDS: '3',
          ORIGIN_URL: 'http://origin.test',
        },
      },
    }),
  ],
  test: { include: ['test/**/*.test.ts'] },
});
