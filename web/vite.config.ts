import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const api = process.env.POSTHORN_DEV_API ?? 'http://localhost:3000';

/**
 * The web UI: `web/` is Vite's root, the build lands in `dist/web` (served by the API process,
 * src/http/server.ts). `npm run dev:web` serves it with hot reload on :5173 and hands the API,
 * tracking and media paths to the API on :3000 (same origin for the browser, so the session cookie
 * and the CSRF check work as in production).
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // no inline polyfill script: the page's CSP allows only script files of our own
    modulePreload: { polyfill: false },
    // images stay files (img-src allows data: too, but a file is cached with the assets)
    assetsInlineLimit: 0,
    // the e-mail editor's chunk (GrapesJS + mjml-browser, ~2.3 MB, 650 KB gzip) is loaded only when
    // an MJML Content step opens; the first screen's budget is checked by `npm run size:web`
    chunkSizeWarningLimit: 2600,
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: {
      '/api': { target: api },
      '/t/': { target: api },
      '/f/': { target: api },
      '/media': { target: api },
      '/healthz': { target: api },
    },
  },
});
