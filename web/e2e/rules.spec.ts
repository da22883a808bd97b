import type { Page } from '@playwright/test';
import { admin, expect, expectAccessible, logIn, marketer, screenshot, test } from './fixtures.js';

/** Writes through the API as the logged-in page (its cookie, plus the header the CSRF check asks for). */
async function apiPost(page: Page, url: string, data: unknown): Promise<unknown> {
  const answer = await page.request.post(url, { data, headers: { 'X-Posthorn-CSRF': '1' } });
  expect(answer.status(), `${url}: ${await answer.text()}`).toBeLessThan(300);
  return answer.json();
}

/** A new e-mail mailing from the Newsletter starter, opened at Setup; returns its id. */
async function newMailing(page: Page, name: string): Promise<number> {
  await page.getByRole('button', { name: 'New mailing' }).click();
  const dialog = page.getByRole('dialog', { name: 'New mailing' });
  await dialog.getByRole('textbox', { name: 'Name' }).fill(name);
  await dialog.getByRole('radio', { name: 'Invitation' }).check();
  await dialog.getByRole('button', { name: 'Create' }).click();
  await expect(page).toHaveURL(/\/mailings\/\d+\?step=setup$/);
  return Number(/\/mailings\/(\d+)/.exec(page.url())?.[1]);
}

async function choose(page: Page, combobox: string, search: string, option: string): Promise<void> {
  await page.getByRole('combobox', { name: combobox }).click();
  await page.getByRole('combobox', { name: combobox }).fill(search);
  await page.getByRole('option', { name: option }).click();
}

/** The recipient list's total after updating it from its sources. */
async function recipientTotal(page: Page): Promise<number> {
  await page.getByRole('tab', { name: /Recipients/ }).click();
  const update = page.getByRole('button', { name: 'Update list' });
  await update.click();
  await expect(update).not.toHaveAttribute('data-loading', 'true');
  const total = page.getByRole('table', { name: 'Recipients by status' }).getByRole('row', { name: /Total/ });
  await expect(total).toBeVisible();
  return Number(((await total.getByRole('cell').last().textContent()) ?? '').replace(/\D/g, ''));
}

test.describe('the rules the wizard shows', () => {
  test('a selection and a project linked in Setup: only the selection’s persons receive it', async ({
    page,
  }) => {
    test.setTimeout(90_000);
    await logIn(page, marketer());
    await newMailing(page, 'Selection wins');
    await choose(page, 'Selection', 'Gold', 'Gold customers who like sailing');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(page.getByText('Unsaved changes')).toBeHidden();
    const selectionOnly = await recipientTotal(page);
    expect(selectionOnly).toBeGreaterThan(0);

    await page.getByRole('tab', { name: /Setup/ }).click();
    await choose(page, 'Project', 'survey', 'Customer survey 2026');
    // the form states the rule while both are linked
    await expect(page.getByRole('status').filter({ hasText: 'the selection wins' })).toBeVisible();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(page.getByText('Unsaved changes')).toBeHidden();
    await screenshot(page, 'rules-selection-wins');

    // the sources list the selection only, and the total is the selection's alone
    expect(await recipientTotal(page)).toBe(selectionOnly);
    const sources = page.getByRole('table', { name: 'Recipient sources' });
    await expect(sources.getByText('Gold customers who like sailing')).toBeVisible();
    await expect(sources.getByText('Customer survey 2026')).toHaveCount(0);
    await expectAccessible(page);
  });

  test('a role without “send mailings” sees no Send button, and the API refuses anyway', async ({
    page,
    browser,
  }) => {
    test.setTimeout(90_000);
    // the administrator makes a role that may edit but not send, and a user with it
    await logIn(page, admin());
    await apiPost(page, '/api/v1/roles', {
      name: 'Copywriter',
      rights: ['viewCrm', 'editMailings', 'viewStatistics'],
    });
    const copywriter = { email: 'copywriter@posthorn.test', password: 'copywriter password 1' };
    await apiPost(page, '/api/v1/users', {
      email: copywriter.email,
      name: 'Cora Copywriter',
      password: copywriter.password,
      role: 'Copywriter',
    });

    const context = await browser.newContext({ baseURL: new URL(page.url()).origin });
    const writer = await context.newPage();
    try {
      await logIn(writer, copywriter);
      const id = await newMailing(writer, 'Written, not sent');
      await writer.getByRole('tab', { name: /Confirm/ }).click();
      await expect(writer.getByRole('heading', { name: 'Steps' })).toBeVisible();
      await expect(writer.getByRole('button', { name: 'Send now' })).toHaveCount(0);
      await expect(writer.getByRole('button', { name: 'Schedule' })).toHaveCount(0);
      await expect(writer.getByRole('button', { name: 'Send test' })).toHaveCount(0);
      await expect(writer.getByText('Sending is for someone with the right “Send mailings”')).toBeVisible();
      await screenshot(writer, 'rules-no-send-right');

      // the button is only the courtesy: the API says no to the request itself
      const refused = await writer.request.post(`/api/v1/mailings/${id}/send`, {
        headers: { 'X-Posthorn-CSRF': '1' },
      });
      expect(refused.status()).toBe(403);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
    } finally {
      await context.close();
    }
  });
});
