import { defineConfig } from 'vite';

// The viewer: static files in dist/, served by `journey serve` at `/`. Relative asset
// paths so the same build also works under a sub-path behind a proxy.
export default defineConfig({
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 2000 },
  server: {
    // `pnpm --filter @journeys/viewer dev` against a running `journey serve`
    proxy: { '/api': process.env.JOURNEY_API ?? 'http://127.0.0.1:8080' },
  },
});
