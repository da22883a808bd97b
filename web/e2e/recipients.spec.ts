import { expect, expectAccessible, logIn, marketer, screenshot, test } from './fixtures.js';

test.describe('the Recipients step', () => {
  // the preview is a frame with sandbox="" (no script): Chromium logs it when the test tooling
  // (screenshots with animations off) tries to run its helpers inside it
  test.use({
    allowConsoleError:
      /^Blocked script execution in '[^']*\/api\/v1\/mailings\/\d+\/preview\/html\?recipientId=\d+' because the document's frame is sandboxed and the 'allow-scripts' permission is not set\.$/,
  });

  test('persons picked by company name become a source; one of them previews the e-mail as they get it', async ({
    page,
  }) => {
    test.setTimeout(90_000);
    await logIn(page, marketer());
    await page.getByRole('button', { name: 'New mailing' }).click();
    const dialog = page.getByRole('dialog', { name: 'New mailing' });
    await dialog.getByRole('textbox', { name: 'Name' }).fill('Picked by hand');
    await dialog.getByRole('radio', { name: 'Newsletter' }).check();
    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect(page).toHaveURL(/\/mailings\/\d+\?step=setup$/);

    await page.getByRole('tab', { name: /Recipients/ }).click();
    const picker = page.getByRole('combobox', { name: 'Add persons' });
    await picker.fill('Fjord Fisk');
    // typing a company name lists its persons
    const options = page.getByRole('option', { name: /\(Fjord Fisk/ });
    await expect(options.first()).toBeVisible();
    const chosen = (await options.first().textContent()) ?? '';
    await options.first().click();
    await picker.fill('Fjord Fisk');
    await options.nth(1).click();
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Add', exact: true }).nth(2).click();

    const sources = page.getByRole('table', { name: 'Recipient sources' });
    await expect(sources.getByText('Picked persons')).toBeVisible();
    await expect(sources.getByText('· 2 persons')).toBeVisible();
    await page.getByRole('button', { name: 'Update list' }).click();
    const rows = page.getByRole('table', { name: 'Recipients', exact: true });
    const name = chosen.replace(/ \(.*$/, '');
    await expect(rows.getByRole('row', { name: new RegExp(name) })).toBeVisible();
    await expect(
      page.getByRole('table', { name: 'Recipients by status' }).getByRole('row', { name: /Total 2/ }),
    ).toBeVisible();
    await expectAccessible(page);
    await screenshot(page, 'recipients-picked');

    // preview as this recipient: the server's render, with their first name merged in
    await rows.getByRole('button', { name: `Preview for ${name}` }).click();
    const preview = page.getByRole('dialog', { name: `Preview for ${name}` });
    await expect(preview).toBeVisible();
    await expect(preview.locator('iframe')).toHaveAttribute('sandbox', '');
    await expect(
      page
        .frameLocator(`iframe[title="Preview for ${name}"]`)
        .getByText(`Hello ${name.split(' ')[0]},`)
        .first(),
    ).toBeVisible();
    await screenshot(page, 'recipients-preview');
  });

  test('a long list shows 50 rows and loads all on request', async ({ page }) => {
    test.setTimeout(90_000);
    await logIn(page, marketer());
    await page.getByRole('button', { name: 'New mailing' }).click();
    const dialog = page.getByRole('dialog', { name: 'New mailing' });
    await dialog.getByRole('textbox', { name: 'Name' }).fill('Design fair guests');
    await dialog.getByRole('radio', { name: 'Invitation' }).check();
    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect(page).toHaveURL(/\/mailings\/\d+\?step=setup$/);
    await page.getByRole('tab', { name: /Recipients/ }).click();
    await page.getByRole('combobox', { name: 'Add a project' }).click();
    await page.getByRole('option', { name: 'Nordic Design Fair 2027' }).click();
    await page.getByRole('button', { name: 'Add', exact: true }).nth(1).click();
    await page.getByRole('button', { name: 'Update list' }).click();

    const more = page.getByText(/^The first 50 of /);
    await expect(more).toBeVisible();
    const rows = page.getByRole('table', { name: 'Recipients', exact: true }).getByRole('row');
    await expect(rows).toHaveCount(51);
    const total = Number(((await more.textContent()) ?? '').replace(/^.* of /, '').replace(/\D/g, ''));
    expect(total).toBeGreaterThan(50);
    await page.getByRole('button', { name: 'Load all' }).click();
    await expect(rows).toHaveCount(total + 1);
    await expect(more).toHaveCount(0);
  });
});
