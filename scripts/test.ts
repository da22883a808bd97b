/**
 * `npm test`: every test in one command.
 *   1. Vitest: the server's tests and the web UI's component tests (vitest.projects.ts); the
 *      arguments go to Vitest (`npm test -- --reporter=json --outputFile=…`, `npm test -- src/crm`).
 *   2. Playwright: the web UI in Debian's Chromium (playwright.config.ts; its JSON report goes to
 *      $POSTHORN_PLAYWRIGHT_JSON, default test-results/playwright-report.json).
 * Both run even when the first fails; the exit code fails when either did. Naming test files or
 * a filter (`npm test -- src/crm`) runs only Vitest; `POSTHORN_SKIP_BROWSER_TESTS=1` skips step 2.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
const bin = (name: string) => join(root, 'node_modules', '.bin', name);

const vitest = spawnSync(bin('vitest'), ['run', '--config', 'vitest.projects.ts', ...args], {
  cwd: root,
  stdio: 'inherit',
});
let failed = vitest.status !== 0;

// a file or name filter (`npm test -- src/crm`) narrows Vitest; then the browser tests stay out
const takesValue = /^(--(reporter|outputFile|project|config|pool|maxWorkers|testNamePattern)|-t)$/;
const filtered = args.some((a, i) => !a.startsWith('-') && !takesValue.test(args[i - 1] ?? ''));
if (!filtered && process.env.POSTHORN_SKIP_BROWSER_TESTS !== '1') {
  const playwright = spawnSync(bin('playwright'), ['test'], { cwd: root, stdio: 'inherit' });
  failed ||= playwright.status !== 0;
}
process.exitCode = failed ? 1 : 0;
