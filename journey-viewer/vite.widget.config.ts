import { defineConfig } from 'vite';

// The status widget: one classic script (IIFE) that other sites load with one tag, so it
// is a separate build with no shared chunks; it lands beside the iframe page in dist/widget.
export default defineConfig({
  publicDir: false,
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    target: 'es2022',
    lib: {
      entry: 'src/widget/journey-status.ts',
      formats: ['iife'],
      name: 'JourneyStatus',
      fileName: () => 'widget/journey-status.js',
    },
  },
});
