/**
 * A self-hoster's config: the bundled history, a third-party feature set, and both baselines. Start it
 * from the repo root with `pnpm satcast start --config examples/custom-config/satcast.config.ts`.
 */
import { defineConfig } from '@satcast/core';
import volumeZ from '../plugin-volume-z/src/index.ts';

export const plugins = [volumeZ];

export default defineConfig({
  asset: 'BTCUSDT',
  store: { url: 'file:../../.satcast/custom.db' },
  sources: [{ plugin: 'csv', options: { path: '../../data/btc_usdt_1h.csv.gz', replay: { holdBackBars: 48, barsPerSecond: 2 } } }],
  features: [{ plugin: 'ta' }, { plugin: 'volume-z', options: { window: 72 } }],
  models: [{ plugin: 'persistence' }, { plugin: 'ewma-band', options: { window: 3000 } }],
  servedModel: 'ewma-band',
  confidenceThreshold: 0.85,
  server: { port: 8788 },
});
