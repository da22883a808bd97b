import { admin, expect, expectAccessible, logIn, screenshot, test } from './fixtures.js';

test.describe('logging in and out', () => {
  test('a wrong password shows the API message and code next to the field', async ({ page }) => {
    await page.goto('/login');
    await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
    await expectAccessible(page);
    await screenshot(page, 'login');

    await page.getByRole('textbox', { name: 'E-mail' }).fill(admin().email);
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill('not the password');
    await page.getByRole('button', { name: 'Log in' }).click();

    const password = page.getByRole('textbox', { name: 'Password', exact: true });
    await expect(password).toHaveAccessibleDescription(/Wrong e-mail or password/);
    await expect(password).toHaveAccessibleDescription(/LOGIN_FAILED/);
    await expect(page).toHaveURL(/\/login$/);
    await expectAccessible(page);
    await screenshot(page, 'login-wrong-password');
  });

  test('logs in, sees the demo mailing in Mailings, logs out', async ({ page }) => {
    await page.goto('/');
    await expect(page).toHaveURL(/\/login$/);
    await logIn(page, admin());

    await expect(page).toHaveURL(/\/mailings$/);
    await expect(page.getByRole('heading', { name: 'Mailings', level: 1 })).toBeVisible();
    const row = page.getByRole('row', { name: /Spring newsletter \(demo\)/ });
    await expect(row).toBeVisible();
    await expect(row.getByRole('cell', { name: 'E-mail' })).toBeVisible();
    await expect(row.getByRole('cell', { name: 'Draft' })).toBeVisible();
    // the count of the list (other tests add mailings to the same server)
    await expect(page.getByText(/^\d+ mailings?$/)).toBeVisible();
    await expect(page.getByRole('banner')).toContainText('Administrator');
    await expectAccessible(page);
    await screenshot(page, 'mailings');

    // search lives in the URL
    await page.getByRole('searchbox', { name: 'Search' }).fill('nothing like this');
    await expect(page).toHaveURL(/q=nothing/);
    await expect(page.getByText('No mailing matches this search.')).toBeVisible();
    await screenshot(page, 'mailings-no-match');
    await page.getByRole('searchbox', { name: 'Search' }).fill('spring');
    await expect(row).toBeVisible();

    await page.getByRole('button', { name: 'Log out' }).click();
    await expect(page).toHaveURL(/\/login$/);
    // the session is gone on the server too
    await page.goto('/mailings');
    await expect(page).toHaveURL(/\/login\?redirect=%2Fmailings$/);
  });

  test('a deep link opened while logged out returns there after logging in', async ({ page }) => {
    await page.goto('/mailings?q=Spring&state=draft');
    await expect(page).toHaveURL(/\/login\?redirect=/);
    await expect(page.getByText('Log in to continue to the page you opened.')).toBeVisible();
    await expectAccessible(page);
    await screenshot(page, 'login-deep-link');

    await logIn(page, admin());
    await expect(page).toHaveURL(/\/mailings\?q=Spring&state=draft$/);
    await expect(page.getByRole('searchbox', { name: 'Search' })).toHaveValue('Spring');
    await expect(page.getByRole('row', { name: /Spring newsletter \(demo\)/ })).toBeVisible();
  });
});
