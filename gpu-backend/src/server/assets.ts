import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { Hono } from 'hono';

/**
 * Serve a fixed list of files from an installed package's folder under `route/:file` (no CDN), read once
 * on first use. Files not in the list are 404.
 */
export function serveAssets(app: Hono<any>, route: string, packageFolder: string, files: Record<string, string>): void {
  const cache = new Map<string, string>();
  app.get(`${route}/:file`, (c) => {
    const file = c.req.param('file');
    const type = files[file];
    if (!type) return c.notFound();
    if (!cache.has(file)) cache.set(file, readFileSync(join(packageFolder, file), 'utf8'));
    return c.body(cache.get(file)!, 200, { 'content-type': type, 'cache-control': 'public, max-age=86400' });
  });
}

/** Folder of a dependency's entry file (e.g. `uplot/dist`). */
export function packageFolder(specifier: string): string {
  return join(createRequire(import.meta.url).resolve(specifier), '..');
}
