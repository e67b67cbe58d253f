import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Router } from 'express';
import { router } from './async.ts';
import { viewerSecurityHeaders } from '../http/security-headers.ts';

const NOT_BUILT = `<!doctype html>
<html lang="en"><meta charset="utf-8"><title>Journeys — viewer not built</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem;color:#1d2433}code,pre{background:#f1f3f7;border-radius:4px;padding:.1rem .3rem}pre{padding:.6rem .8rem}</style>
<h1>The journey viewer is not built yet</h1>
<p>The API is running (see <a href="/api/openapi.json">/api/openapi.json</a>), but <code>journey-viewer/dist</code> does not exist, so there is no viewer to serve here.</p>
<p>Build it once, then reload this page:</p>
<pre>pnpm --filter @journeys/viewer build</pre>
<p>Then open the viewer with an analyst token: <code>pnpm journey token --role analyst</code>, and visit <code>/?token=&lt;token&gt;</code>.</p>
</html>`;

/**
 * The viewer (Vite build) at `/` and the status widget under `/widget/`. The directory is
 * looked up per request, so building the viewer while the server runs just works.
 */
export function viewerRoutes(viewerDir: string | undefined, widgetFrameAncestors = '*'): Router {
  const r = router();
  r.use(viewerSecurityHeaders(widgetFrameAncestors));
  if (viewerDir) {
    // The widget script is loaded by other sites: allow that, and let it be cached briefly.
    r.use('/widget', (_req, res, next) => {
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
      next();
    });
    r.use(express.static(viewerDir, { index: 'index.html', maxAge: '5m', fallthrough: true, dotfiles: 'ignore', redirect: false }));
  }
  r.get('/', (_req, res) => {
    if (viewerDir && existsSync(join(viewerDir, 'index.html'))) {
      res.sendFile(join(viewerDir, 'index.html'));
      return;
    }
    res.status(200).type('html').send(NOT_BUILT);
  });
  return r;
}
