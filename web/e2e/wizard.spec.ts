import { admin, expect, expectAccessible, logIn, marketer, screenshot, test } from './fixtures.js';

test.describe('the mailing wizard', () => {
  // the e-mail preview is a frame with sandbox="" (no script): Chromium logs it when the test
  // tooling (screenshots with animations off) tries to run its helpers inside it
  test.use({
    allowConsoleError:
      /^Blocked script execution in '[^']*\/api\/v1\/mailings\/\d+\/preview\/html\?recipientId=\d+' because the document's frame is sandboxed and the 'allow-scripts' permission is not set\.$/,
  });

  test('a marketer creates an e-mail mailing from a starter, tests it, sends it and watches it finish', async ({
    page,
  }) => {
    test.setTimeout(120_000);
    await logIn(page, marketer());

    // New: channel, starter, name
    await page.getByRole('button', { name: 'New mailing' }).click();
    const dialog = page.getByRole('dialog', { name: 'New mailing' });
    await dialog.getByRole('textbox', { name: 'Name' }).fill('Autumn invitation');
    await dialog.getByRole('radio', { name: 'Invitation' }).check();
    await screenshot(page, 'wizard-new');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect(page).toHaveURL(/\/mailings\/\d+\?step=setup$/);
    await expect(page.getByRole('heading', { name: 'Autumn invitation' })).toBeVisible();

    // Setup: the From address is missing (red, with the message next to the field)
    await expect(page.getByRole('tab', { name: /Setup \(needs attention\)/ })).toBeVisible();
    await expect(page.getByText('The From address is empty').first()).toBeVisible();
    await expect(page.getByRole('textbox', { name: 'Subject' })).toHaveValue(
      '[[customer.firstname]], you are invited',
    );
    await page.getByRole('textbox', { name: 'From name' }).fill('Posthorn events');
    await page.getByRole('textbox', { name: 'From address' }).fill('events@posthorn.example');
    await page.getByRole('combobox', { name: 'Selection' }).click();
    await page.getByRole('combobox', { name: 'Selection' }).fill('Gold');
    await page.getByRole('option', { name: 'Gold customers who like sailing' }).click();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(page.getByRole('tab', { name: /Setup \(complete\)/ })).toBeVisible();
    await expectAccessible(page);
    await screenshot(page, 'wizard-setup');

    // Recipients: the summary with numbers and why some are blocked
    await page.getByRole('tab', { name: /Recipients/ }).click();
    const byStatus = page.getByRole('table', { name: 'Recipients by status' });
    await expect(byStatus.getByRole('row', { name: /Total/ })).toBeVisible();
    await expect(byStatus.getByRole('row', { name: /Ready \d+/ })).toBeVisible();
    const reasons = page.getByRole('table', { name: 'Blocked recipients by reason' });
    await expect(reasons.getByRole('button', { name: 'No consent' })).toBeVisible();
    await reasons.getByRole('button', { name: 'No consent' }).click();
    await expect(
      page
        .getByRole('table', { name: 'Recipients' })
        .getByText(/Blocked · No consent/)
        .first(),
    ).toBeVisible();
    await expectAccessible(page);
    await screenshot(page, 'wizard-recipients');

    // Content: a merge field inserted at the cursor, saved, still there after a reload
    await page.getByRole('tab', { name: /Content/ }).click();
    // MJML opens in the visual editor (web/e2e/editor.spec.ts); this test writes the source
    await page.getByText('Source', { exact: true }).click();
    const source = page.getByRole('textbox', { name: 'MJML source' });
    await expect(source).toHaveValue(/You are invited/);
    await source.evaluate((el: HTMLTextAreaElement) => {
      const at = el.value.indexOf('You are invited') + 'You are invited'.length;
      el.focus();
      el.setSelectionRange(at, at);
    });
    await page.keyboard.type(', ');
    await page.getByRole('combobox', { name: 'Insert merge field' }).click();
    await page.getByRole('combobox', { name: 'Insert merge field' }).fill('First name');
    await page.getByRole('option', { name: /^First name — \[\[customer\.firstname\]\]/ }).click();
    await expect(source).toHaveValue(/You are invited, \[\[customer\.firstname\]\]/);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(page.getByText('Unsaved changes')).toBeHidden();
    await page.reload();
    await expect(page.getByRole('textbox', { name: 'MJML source' })).toHaveValue(
      /You are invited, \[\[customer\.firstname\]\]/,
    );
    await expect(
      page.frameLocator('iframe[title="Preview of the e-mail"]').getByText(/You are invited, [^[]+/),
    ).toBeVisible();
    // the preview frame is the e-mail as written (sandboxed, no script: axe cannot run in it)
    await expectAccessible(page, ['iframe[title="Preview of the e-mail"]']);
    await screenshot(page, 'wizard-content');
    await page.getByText('Mobile', { exact: true }).click();
    await expect(page.getByRole('radio', { name: 'Mobile' })).toBeChecked();
    await screenshot(page, 'wizard-content-mobile');

    // Template step
    await page.getByRole('tab', { name: /Template/ }).click();
    await expect(page.getByRole('button', { name: 'Use Invitation' })).toBeVisible();
    await expectAccessible(page);
    await screenshot(page, 'wizard-template');

    // Confirm: a test send lands in the dev outbox
    await page.getByRole('tab', { name: /Confirm/ }).click();
    await page.getByRole('textbox', { name: 'Addresses' }).fill('proof@example.com');
    await page.getByRole('button', { name: 'Send test' }).click();
    await expect(page.getByText('Test sent to proof@example.com.')).toBeVisible();
    // the dev transport captures it a moment later
    await expect
      .poll(async () => {
        const outbox = await page.request.get('/api/v1/outbox?channel=email');
        const sent = (await outbox.json()) as {
          items: { address: string; subject: string; test: boolean }[];
        };
        return sent.items.find((m) => m.address === 'proof@example.com' && m.test)?.subject;
      })
      .toMatch(/^\[TEST\] .+, you are invited$/);
    await expectAccessible(page);
    await screenshot(page, 'wizard-confirm');

    // Send, and the progress reaches finished
    await page.getByRole('button', { name: 'Send now' }).click();
    await page
      .getByRole('dialog', { name: 'Send this mailing now?' })
      .getByRole('button', { name: 'Send now' })
      .click();
    await expect(page.getByRole('heading', { name: 'Sent', exact: true })).toBeVisible({ timeout: 90_000 });
    await expect(page.getByTestId('progress-count')).toHaveText(/^(\d+) of \1 sent$/);
    await expect(page.getByText('Finished', { exact: true })).toBeVisible();
    await screenshot(page, 'wizard-progress');

    // from here the follow-up: View mailing
    await page.getByRole('link', { name: 'View mailing: who got it, read it and clicked' }).click();
    await expect(page).toHaveURL(/\/mailings\/\d+\/view/);
    await expect(page.getByRole('tab', { name: 'Summary' })).toBeVisible();
  });

  test('an SMS counts parts live and switches to UCS-2 for an emoji; Send stays disabled while a step is red', async ({
    page,
  }) => {
    await logIn(page, marketer());
    await page.getByRole('button', { name: 'New mailing' }).click();
    const dialog = page.getByRole('dialog', { name: 'New mailing' });
    await dialog.getByRole('textbox', { name: 'Name' }).fill('Reminder by SMS');
    await dialog.getByText('SMS', { exact: true }).click();
    await dialog.getByRole('radio', { name: 'Blank' }).check();
    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect(page.getByRole('heading', { name: 'Reminder by SMS' })).toBeVisible();

    await page.getByRole('tab', { name: /Content/ }).click();
    const message = page.getByRole('textbox', { name: 'Message' });
    await message.fill('See you tomorrow at 10');
    await expect(page.getByTestId('sms-count')).toContainText('GSM-7 · 1 part');
    await message.pressSequentially(' 😀');
    await expect(page.getByTestId('sms-count')).toContainText('UCS-2');
    await expect(page.getByText(/These characters need UCS-2/)).toBeVisible();
    await expectAccessible(page);
    await screenshot(page, 'wizard-sms-content');

    await page.getByRole('tab', { name: /Confirm/ }).click();
    await expect(page.getByRole('tab', { name: /Setup \(needs attention\)/ })).toBeVisible();
    await expect(page.getByText('The sender is empty').first()).toBeVisible();
    await expect(page.getByRole('button', { name: 'Send now' })).toBeDisabled();
    await expectAccessible(page);
    await screenshot(page, 'wizard-sms-confirm');
    await page.setViewportSize({ width: 390, height: 844 });
    await expect(page.getByRole('button', { name: 'Send now' })).toBeDisabled();
    await screenshot(page, 'wizard-sms-confirm-phone');
  });
});

test.describe('mailings list actions', () => {
  test('a mailing opens from its row, is copied, and a draft is deleted after confirming', async ({
    page,
  }) => {
    await logIn(page, marketer());
    await page.getByRole('link', { name: 'Spring newsletter (demo)' }).click();
    await expect(page.getByRole('heading', { name: 'Spring newsletter (demo)' })).toBeVisible();
    await page.getByRole('link', { name: 'Mailings' }).first().click();

    await page.getByRole('button', { name: 'Actions for Spring newsletter (demo)' }).click();
    await page.getByRole('menuitem', { name: 'Copy' }).click();
    await expect(page.getByRole('heading', { name: /Spring newsletter \(demo\)/ })).toBeVisible();
    await expect(page).toHaveURL(/\/mailings\/\d+/);
    const copyName = (await page.getByRole('heading', { level: 1 }).textContent()) ?? '';
    expect(copyName).not.toBe('');

    await page.getByRole('link', { name: 'Mailings' }).first().click();
    await page.getByRole('button', { name: `Actions for ${copyName}` }).click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete this draft?' });
    await expect(confirm).toBeVisible();
    await screenshot(page, 'mailings-delete');
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await expect(page.getByRole('button', { name: `Actions for ${copyName}` })).toHaveCount(0);
  });
});

test.describe('other channels and checks', () => {
  test('a document mailing: heading in Setup, letter text with a merge field', async ({ page }) => {
    await logIn(page, admin());
    await page.getByRole('button', { name: 'New mailing' }).click();
    const dialog = page.getByRole('dialog', { name: 'New mailing' });
    await dialog.getByRole('textbox', { name: 'Name' }).fill('Letter to key accounts');
    await dialog.getByText('Document', { exact: true }).click();
    await dialog.getByRole('radio', { name: 'Blank' }).check();
    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect(page.getByRole('heading', { name: 'Letter to key accounts' })).toBeVisible();
    await page.getByRole('textbox', { name: 'Heading' }).fill('Our new prices');
    await page.getByRole('textbox', { name: 'Our reference' }).fill('KA-2026');
    await expectAccessible(page);
    await screenshot(page, 'wizard-document-setup');

    await page.getByRole('tab', { name: /Content/ }).click();
    const body = page.getByRole('textbox', { name: 'Letter text' });
    await body.fill('Dear ');
    await page.getByRole('combobox', { name: 'Insert merge field' }).click();
    await page.getByRole('combobox', { name: 'Insert merge field' }).fill('First name');
    await page.getByRole('option', { name: /^First name — \[\[customer\.firstname\]\]/ }).click();
    await expect(body).toHaveValue('Dear [[customer.firstname]]');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(page.getByText('Unsaved changes')).toBeHidden();
    await page.reload();
    await expect(page.getByRole('textbox', { name: 'Letter text' })).toHaveValue(
      'Dear [[customer.firstname]]',
    );
    await page.getByRole('tab', { name: /Setup/ }).click();
    await expect(page.getByRole('textbox', { name: 'Heading' })).toHaveValue('Our new prices');
    await expectAccessible(page);
    await screenshot(page, 'wizard-document-content');
  });

  test('the content check lists a script as an error with its line', async ({ page }) => {
    await logIn(page, admin());
    await page.getByRole('button', { name: 'New mailing' }).click();
    const dialog = page.getByRole('dialog', { name: 'New mailing' });
    await dialog.getByRole('textbox', { name: 'Name' }).fill('Script check');
    await dialog.getByRole('radio', { name: 'Blank' }).check();
    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect(page.getByRole('heading', { name: 'Script check' })).toBeVisible();
    await page.getByRole('tab', { name: /Content/ }).click();
    await page.getByText('HTML', { exact: true }).click();
    await page
      .getByRole('textbox', { name: 'HTML source' })
      .fill('<html><body>\n<p>Hello</p>\n<script>alert(1)</script>\n</body></html>');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const check = page.getByRole('table', { name: 'Content check' });
    await expect(check.getByRole('row', { name: /Error/ }).first()).toBeVisible();
    await expect(page.getByRole('tab', { name: /Content \(needs attention\)/ })).toBeVisible();
    await expectAccessible(page, ['iframe[title="Preview of the e-mail"]']);
    await screenshot(page, 'wizard-content-audit');
  });
});

test.describe('scheduling', () => {
  test('a complete mailing is scheduled for a date and time in the user’s time zone', async ({ page }) => {
    await logIn(page, admin());
    await page.getByRole('button', { name: 'Actions for Spring newsletter (demo)' }).click();
    await page.getByRole('menuitem', { name: 'Copy' }).click();
    await expect(page).toHaveURL(/\/mailings\/\d+/);
    // a copy's list is built when asked
    await page.getByRole('tab', { name: /Recipients/ }).click();
    await page.getByRole('button', { name: 'Update list' }).click();
    await expect(page.getByRole('tab', { name: /Recipients \(complete\)/ })).toBeVisible();
    await page.getByRole('tab', { name: /Confirm/ }).click();
    await expect(page.getByRole('button', { name: 'Send now' })).toBeEnabled();
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('Date').fill(tomorrow);
    await page.getByLabel('Time').fill('09:30');
    await page.getByRole('button', { name: 'Schedule' }).click();
    await expect(page.getByText('Scheduled', { exact: true })).toBeVisible();
    await expect(page.getByText(/Scheduled for .*09:30/)).toBeVisible();
    await expectAccessible(page);
    await screenshot(page, 'wizard-scheduled');
  });
});

test.describe('recipient sources', () => {
  test('a CSV file is uploaded as a source, counted, and removed again', async ({ page }) => {
    await logIn(page, marketer());
    await page.getByRole('button', { name: 'New mailing' }).click();
    const dialog = page.getByRole('dialog', { name: 'New mailing' });
    await dialog.getByRole('textbox', { name: 'Name' }).fill('Guests from a file');
    await dialog.getByRole('radio', { name: 'Blank' }).check();
    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect(page.getByRole('heading', { name: 'Guests from a file' })).toBeVisible();
    await page.getByRole('tab', { name: /Recipients/ }).click();
    await page.locator('input[type="file"]').setInputFiles({
      name: 'guests.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('email\nguest.one@example.com\nguest.two@example.com\n'),
    });
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    const sources = page.getByRole('table', { name: 'Recipient sources' });
    await expect(sources.getByText('File: guests.csv')).toBeVisible();
    await expect(
      page.getByRole('table', { name: 'Recipients by status' }).getByRole('row', { name: /Total 2/ }),
    ).toBeVisible();
    await expectAccessible(page);
    await screenshot(page, 'wizard-recipients-file');
    await page.getByRole('button', { name: 'Remove File: guests.csv' }).click();
    await expect(sources).toHaveCount(0);
  });
});
