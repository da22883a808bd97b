import { defineConfig } from 'vitest/config';

/**
 * `npm test`: the server's tests (vitest.config.ts, as they are) and the web UI's component tests
 * (web/vitest.config.ts, jsdom) in one run, so one report counts them all. The browser tests
 * (Playwright) run after it: scripts/test.ts.
 */
export default defineConfig({
  test: {
    projects: [{ extends: './vitest.config.ts', test: { name: 'server' } }, './web/vitest.config.ts'],
  },
});
