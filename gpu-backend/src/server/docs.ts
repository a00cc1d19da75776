/**
 * Swagger UI at `/docs`, served from the `swagger-ui-dist` package on disk (no CDN), over `/openapi.json`.
 */
import type { Hono } from 'hono';
import { packageFolder, serveAssets } from './assets.js';

export function mountDocs(app: Hono<any>): void {
  serveAssets(app, '/docs/assets', packageFolder('swagger-ui-dist/package.json'), {
    'swagger-ui.css': 'text/css; charset=utf-8',
    'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  });
  app.get('/docs', (c) =>
    c.html(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Satcast API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui' });</script>
</body></html>`),
  );
}
