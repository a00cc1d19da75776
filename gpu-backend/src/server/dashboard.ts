import type { Hono } from 'hono';
import { DASHBOARD_HTML } from '../dashboard/page.js';
import { packageFolder, serveAssets } from './assets.js';

/** The dashboard at `/` and its uPlot assets, read from the installed package (no CDN). */
export function mountDashboard(app: Hono<any>): void {
  app.get('/', (c) => c.html(DASHBOARD_HTML));
  serveAssets(app, '/dashboard/assets', packageFolder('uplot'), {
    'uPlot.min.css': 'text/css; charset=utf-8',
    'uPlot.iife.min.js': 'application/javascript; charset=utf-8',
  });
}
