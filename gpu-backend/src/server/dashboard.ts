import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { Hono } from 'hono';
import { DASHBOARD_HTML } from '../dashboard/page.js';

const ASSETS: Record<string, string> = {
  'uPlot.min.css': 'text/css; charset=utf-8',
  'uPlot.iife.min.js': 'application/javascript; charset=utf-8',
};

/** The dashboard at `/` and its uPlot assets, read from the installed package (no CDN). */
export function mountDashboard(app: Hono<any>): void {
  const dist = join(createRequire(import.meta.url).resolve('uplot'), '..');
  const cache = new Map<string, string>();
  app.get('/', (c) => c.html(DASHBOARD_HTML));
  app.get('/dashboard/assets/:file', (c) => {
    const file = c.req.param('file');
    const type = ASSETS[file];
    if (!type) return c.notFound();
    if (!cache.has(file)) cache.set(file, readFileSync(join(dist, file), 'utf8'));
    return c.body(cache.get(file)!, 200, { 'content-type': type, 'cache-control': 'public, max-age=86400' });
  });
}
