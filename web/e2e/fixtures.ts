import { AxeBuilder } from '@axe-core/playwright';
import { test as base, expect, type Page } from '@playwright/test';

export { expect };

export interface Account {
  email: string;
  password: string;
}

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the browser tests run through web/e2e/global-setup.ts`);
  return value;
}

export const admin = (): Account => ({
  email: env('POSTHORN_E2E_ADMIN_EMAIL'),
  password: env('POSTHORN_E2E_ADMIN_PASSWORD'),
});
export const marketer = (): Account => ({
  email: env('POSTHORN_E2E_MARKETER_EMAIL'),
  password: env('POSTHORN_E2E_MARKETER_PASSWORD'),
});

/**
 * Console messages a test may expect. Chromium logs every 4xx/5xx answer to fetch as a console
 * error; a 401 is the normal answer to "who am I?" when logged out and to a wrong password.
 */
const expectedAlways = [
  /^Failed to load resource: the server responded with a status of 401 \(Unauthorized\)$/,
];

interface Fixtures {
  /** A console error this test expects (e.g. of a simulated lost connection). */
  allowConsoleError: RegExp | null;
}

/**
 * Every test runs against the server of the global setup and fails on a console error, an
 * uncaught error in the page, or any request to a host other than the app's (which is refused).
 */
export const test = base.extend<Fixtures>({
  allowConsoleError: [null, { option: true }],
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern
  baseURL: async ({}, use) => {
    await use(env('POSTHORN_E2E_BASE_URL'));
  },
  page: async ({ page, baseURL, allowConsoleError }, use) => {
    const origin = new URL(baseURL ?? env('POSTHORN_E2E_BASE_URL')).origin;
    const problems: string[] = [];
    const allowed = allowConsoleError ? [...expectedAlways, allowConsoleError] : expectedAlways;
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const text = message.text();
      if (!allowed.some((re) => re.test(text))) problems.push(`console error: ${text}`);
    });
    page.on('pageerror', (error) => problems.push(`uncaught in the page: ${error.message}`));
    await page.context().route(
      (url) => url.origin !== origin,
      (route) => {
        problems.push(`request to another host: ${route.request().url()}`);
        return route.abort('blockedbyclient');
      },
    );
    await use(page);
    expect(problems, 'console errors and requests to other hosts').toEqual([]);
  },
});

/** Logs in through the login form (from wherever the page is, or /login). */
export async function logIn(page: Page, account: Account): Promise<void> {
  if (!new URL(page.url(), 'http://x').pathname.startsWith('/login')) await page.goto('/login');
  await page.getByRole('textbox', { name: 'E-mail' }).fill(account.email);
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill(account.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('button', { name: 'Log out' })).toBeVisible();
}

/** A screenshot of the whole page, to look at: test-results/screens/NAME.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `test-results/screens/${name}.png`, fullPage: true, animations: 'disabled' });
}

/**
 * No serious or critical accessibility violation on the page as it is now (axe-core). `exclude`
 * names parts that are not the app's own, e.g. the sandboxed frame of an e-mail preview (axe
 * cannot run in a frame that runs no script).
 */
export async function expectAccessible(page: Page, exclude: string[] = []): Promise<void> {
  let builder = new AxeBuilder({ page });
  for (const selector of exclude) builder = builder.exclude(selector);
  const { violations } = await builder.analyze();
  const bad = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  expect(bad, 'serious or critical accessibility violations').toEqual([]);
}
