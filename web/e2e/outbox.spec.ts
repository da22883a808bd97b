import { admin, expect, expectAccessible, logIn, screenshot, test } from './fixtures.js';

test.describe('the dev outbox', () => {
  // the message is shown in a frame with sandbox="" (no script): Chromium logs it when the test
  // tooling (screenshots with animations off) tries to run its helpers inside it
  test.use({
    allowConsoleError:
      /^Blocked script execution in '[^']*\/api\/v1\/outbox\/\d+\/html' because the document's frame is sandboxed and the 'allow-scripts' permission is not set\.$/,
  });

  test('a test send is listed, newest first, and opens in a sandboxed frame', async ({ page }) => {
    await logIn(page, admin());
    // a test send of the demo mailing through the API (the wizard's Test send does the same)
    const mailings = await page.request.get('/api/v1/mailings?channel=email&limit=1');
    const [mailing] = ((await mailings.json()) as { items: { id: number }[] }).items;
    expect(mailing).toBeDefined();
    const address = `outbox.${Date.now().toString(36)}@example.com`;
    const sent = await page.request.post(`/api/v1/mailings/${mailing?.id}/test-send`, {
      headers: { 'X-Posthorn-CSRF': '1' },
      data: { addresses: address },
    });
    expect(sent.status(), await sent.text()).toBe(202);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Outbox' }).click();
    await expect(page.getByRole('heading', { name: 'Outbox', level: 1 })).toBeVisible();
    await expect(page.getByText(/Messages are kept here instead of being sent/)).toBeVisible();
    const table = page.getByRole('table', { name: 'Captured messages' });
    // the dev transport captures it a moment later
    await expect(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      await expect(table.getByRole('row', { name: new RegExp(address.replace(/\./g, '\\.')) })).toBeVisible({
        timeout: 1_000,
      });
    }).toPass({ timeout: 30_000 });
    // newest first
    await expect(table.getByRole('row').nth(1)).toContainText(address);
    const row = table.getByRole('row', { name: new RegExp(address.replace(/\./g, '\\.')) });
    await expect(row).toContainText('Test');
    await expect(row.getByRole('link', { name: `Mailing ${mailing?.id}` })).toBeVisible();

    await row
      .getByRole('button', { name: new RegExp(`^Open .+ to ${address.replace(/\./g, '\\.')}$`) })
      .click();
    const opened = page.getByRole('region', { name: 'Opened message' });
    const frame = opened.locator('iframe');
    await expect(frame).toHaveAttribute('sandbox', '');
    await expect(frame).toHaveAttribute('src', /^\/api\/v1\/outbox\/\d+\/html$/);
    await expect(page.frameLocator(`iframe[title="Message to ${address}"]`).locator('body')).not.toBeEmpty();
    const raw = opened.getByRole('link', { name: 'Raw message (.eml)' });
    await expect(raw).toHaveAttribute('href', /^\/api\/v1\/outbox\/\d+\/raw$/);
    const eml = await page.request.get((await raw.getAttribute('href')) ?? '');
    expect(await eml.text()).toContain(`To: <${address}>`);

    await expectAccessible(page, [`iframe[title="Message to ${address}"]`]);
    await screenshot(page, 'outbox');
  });
});
