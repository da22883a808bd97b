import { defineConfig, devices } from '@playwright/test';
import { chromiumLaunch } from './test/helpers/chromium.js';

/**
 * The web UI's browser tests (web/e2e): Debian's Chromium (`/usr/bin/chromium`, installed by
 * .ci/run; never a downloaded browser) against a fresh `posthorn serve` with the demo data, which
 * web/e2e/global-setup.ts starts on a free port. One worker: one server, two shared cores.
 * Screenshots of each screen land in test-results/screens/.
 */
export default defineConfig({
  testDir: 'web/e2e',
  testMatch: '**/*.spec.ts',
  outputDir: 'test-results/playwright',
  globalSetup: './web/e2e/global-setup.ts',
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 7_500 },
  reporter: [
    ['list'],
    ['json', { outputFile: process.env.POSTHORN_PLAYWRIGHT_JSON ?? 'test-results/playwright-report.json' }],
  ],
  use: {
    ...devices['Desktop Chrome'],
    viewport: { width: 1280, height: 800 },
    locale: 'en-GB',
    timezoneId: 'UTC',
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: chromiumLaunch,
  },
});
