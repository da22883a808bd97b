import { admin, expect, logIn, marketer, screenshot, test } from './fixtures.js';

test.describe('the app shell', () => {
  test('an administrator sees every screen in the navigation', async ({ page }) => {
    await logIn(page, admin());
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const name of [
      'Mailings',
      'Templates',
      'Tracked links',
      'Images',
      'CRM',
      'Blocked addresses',
      'Outbox',
      'Settings',
    ])
      await expect(nav.getByRole('link', { name })).toBeVisible();
  });

  test('a marketer (no manageSettings) sees no Settings item', async ({ page }) => {
    await logIn(page, marketer());
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect(nav.getByRole('link', { name: 'Mailings' })).toBeVisible();
    await expect(nav.getByRole('link', { name: 'Templates' })).toBeVisible();
    await expect(nav.getByRole('link', { name: 'Settings' })).toHaveCount(0);
    await expect(page.getByRole('banner')).toContainText('Mari Marketer');
    await screenshot(page, 'shell-marketer');
  });

  test('on a phone the navigation opens from the menu button', async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await logIn(page, admin());
    await expect(page.getByRole('row', { name: /Spring newsletter \(demo\)/ })).toBeVisible();
    await screenshot(page, 'mailings-phone');
    await page.getByRole('button', { name: 'Open navigation' }).click();
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect(nav.getByRole('link', { name: 'Templates' })).toBeVisible();
    await screenshot(page, 'navigation-phone');
    await nav.getByRole('link', { name: 'Templates' }).click();
    await expect(page.getByRole('heading', { name: 'Templates' })).toBeVisible();
    await expect(nav.getByRole('link', { name: 'Templates' })).toBeHidden();
  });

  test('a screen not built yet says so', async ({ page }) => {
    await logIn(page, admin());
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'CRM' }).click();
    await expect(page).toHaveURL(/\/crm$/);
    await expect(page.getByRole('heading', { name: 'CRM', level: 1 })).toBeVisible();
    await expect(page.getByText('This screen is not in the web interface yet')).toBeVisible();
    await screenshot(page, 'coming-later');
  });
});

test.describe('when the server cannot answer', () => {
  test.use({
    allowConsoleError:
      /^Failed to load resource: (net::ERR_INTERNET_DISCONNECTED|the server responded with a status of 500 \(Internal Server Error\))$/,
  });

  test('a lost connection shows a retry, and the retry loads the list', async ({ page }) => {
    await logIn(page, admin());
    await page.route('**/api/v1/mailings?*', (route) => route.abort('internetdisconnected'));
    await page.goto('/mailings?q=spring');
    await expect(page.getByRole('alert')).toContainText('No connection to Posthorn');
    await expect(page.getByRole('alert')).toContainText('NETWORK_ERROR');
    await screenshot(page, 'mailings-offline');

    await page.unroute('**/api/v1/mailings?*');
    await page.getByRole('button', { name: 'Try again' }).click();
    await expect(page.getByRole('row', { name: /Spring newsletter \(demo\)/ })).toBeVisible();
  });

  test('a server error shows its message and code with a retry', async ({ page }) => {
    await logIn(page, admin());
    await page.route('**/api/v1/mailings?*', (route) =>
      route.fulfill({
        status: 500,
        contentType: 'application/json',
        body: JSON.stringify({
          error: {
            code: 'INTERNAL',
            message: 'an unexpected error happened; it is in the server log',
            details: {},
          },
        }),
      }),
    );
    await page.goto('/mailings');
    await expect(page.getByRole('alert')).toContainText(
      'An unexpected error happened; it is in the server log',
    );
    await expect(page.getByRole('alert')).toContainText('INTERNAL');
    await expect(page.getByRole('button', { name: 'Try again' })).toBeVisible();
    await screenshot(page, 'mailings-server-error');
  });
});
