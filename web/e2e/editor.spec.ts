import { readFile } from 'node:fs/promises';
import { admin, expect, expectAccessible, logIn, marketer, screenshot, test } from './fixtures.js';

/*
 * Parts of the page that are not ours to check with axe: the server's preview frames run no script
 * (sandbox=""), so axe cannot enter them; the editor's canvas frame is the e-mail being written
 * (its markup is the marketer's content, checked by the server's audit, not the app's UI).
 */
const notOurs = [
  'iframe[title="Preview of the e-mail"]',
  'iframe[title="Preview of the letter"]',
  '.posthorn-editor iframe.gjs-frame',
];

interface MailingAnswer {
  content: { format: string; source: string };
  revision: number;
}

test.describe('the e-mail editor', () => {
  // Chromium logs the test tooling's attempts to run helpers in the script-less preview frame,
  // and the simulated failed save (503) below
  test.use({
    allowConsoleError:
      /^Blocked script execution in '[^']*\/api\/v1\/mailings\/\d+\/preview\/html\?recipientId=\d+' because the document's frame is sandboxed and the 'allow-scripts' permission is not set\.$|^Failed to load resource: the server responded with a status of 503 \(Service Unavailable\)$/,
  });

  test('a marketer drags a block into an MJML e-mail, inserts a merge field, saves, and the MJML is intact after a reload', async ({
    page,
  }) => {
    test.setTimeout(120_000);
    await logIn(page, marketer());
    await page.getByRole('button', { name: 'New mailing' }).click();
    const dialog = page.getByRole('dialog', { name: 'New mailing' });
    await dialog.getByRole('textbox', { name: 'Name' }).fill('Editor round trip');
    await dialog.getByRole('radio', { name: 'Invitation' }).check();
    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect(page).toHaveURL(/\/mailings\/\d+\?step=setup$/);
    const id = Number(/\/mailings\/(\d+)/.exec(page.url())?.[1]);
    await page.getByRole('combobox', { name: 'Selection' }).click();
    await page.getByRole('combobox', { name: 'Selection' }).fill('Gold');
    await page.getByRole('option', { name: 'Gold customers who like sailing' }).click();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(page.getByText('Unsaved changes')).toBeHidden();

    // Content opens the visual editor on the starter's MJML
    await page.getByRole('tab', { name: /Content/ }).click();
    await expect(page.getByRole('radio', { name: 'Visual' })).toBeChecked();
    const canvas = page.frameLocator('.posthorn-editor iframe.gjs-frame');
    await expect(canvas.getByText('You are invited').first()).toBeVisible({ timeout: 30_000 });
    await expect(page.getByText('Unsaved changes')).toBeHidden();

    // a Text block dragged from the blocks panel next to the heading
    const textBlock = page.locator('.gjs-block', { hasText: /^\s*Text\s*$/ });
    // by the mouse, in steps: GrapesJS follows the native drag into its frame as a user makes it
    const from = await textBlock.boundingBox();
    const to = await canvas.getByText('You are invited').first().boundingBox();
    if (!from || !to) throw new Error('the block or the heading is not on the screen');
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(to.x + to.width / 2, to.y + to.height - 4, { steps: 12 });
    await page.mouse.move(to.x + to.width / 2, to.y + to.height - 2, { steps: 3 });
    await page.mouse.up();
    await expect(canvas.getByText('Insert text here')).toBeVisible();
    await expect(page.getByText('Unsaved changes')).toBeVisible();
    await screenshot(page, 'editor-visual');

    // a merge field into the new text
    await canvas.getByText('Insert text here').click();
    await page.getByRole('combobox', { name: 'Insert merge field' }).click();
    await page.getByRole('combobox', { name: 'Insert merge field' }).fill('First name');
    await page.getByRole('option', { name: /^First name — \[\[customer\.firstname\]\]/ }).click();
    await expect(
      canvas.getByText(
        /Insert text here.*\[\[customer\.firstname\]\]|\[\[customer\.firstname\]\].*Insert text here/,
      ),
    ).toBeVisible();
    await screenshot(page, 'editor-merge-field');
    await expectAccessible(page, notOurs);

    // typing in a text: what is typed is in the draft without leaving the text first
    await canvas.getByText('When:').dblclick();
    await page.keyboard.press('End');
    await page.keyboard.type(' Doors open at 17:30.');
    await expect(canvas.getByText(/Doors open at 17:30\./)).toBeVisible();

    // leaving with unsaved changes asks first
    await page.getByRole('link', { name: 'Mailings' }).first().click();
    const leave = page.getByRole('dialog', { name: 'Leave without saving?' });
    await expect(leave).toBeVisible();
    await screenshot(page, 'editor-leave');
    await leave.getByRole('button', { name: 'Stay' }).click();
    await expect(page.getByText('Unsaved changes')).toBeVisible();
    await expect(page).toHaveURL(/\/mailings\/\d+\?step=content$/);

    // a failed save keeps the changes and offers to try again
    const mailingUrl = `**/api/v1/mailings/${id}`;
    await page.route(mailingUrl, (route) =>
      route.request().method() === 'PATCH'
        ? route.fulfill({
            status: 503,
            json: { error: { code: 'SERVICE_UNAVAILABLE', message: 'the database is busy', details: {} } },
          })
        : route.fallback(),
    );
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const failed = page.getByRole('alert').filter({ hasText: 'Your changes were not saved' });
    await expect(failed).toContainText('The database is busy');
    await expect(failed).toContainText('SERVICE_UNAVAILABLE');
    await expect(page.getByText('Unsaved changes')).toBeVisible();
    await page.unroute(mailingUrl);
    await failed.getByRole('button', { name: 'Try again' }).click();
    await expect(page.getByText('Unsaved changes')).toBeHidden();

    // stored as MJML (not the canvas' HTML), with the starter's head, the new block and the tag
    const stored = (await (await page.request.get(`/api/v1/mailings/${id}`)).json()) as MailingAnswer;
    expect(stored.content.format).toBe('mjml');
    expect(stored.content.source).toMatch(/^\s*<mjml>/);
    expect(stored.content.source).toContain('<mj-title>Invitation</mj-title>');
    expect(stored.content.source).toMatch(
      /<mj-text[^>]*>[^<]*(Insert text here[^<]*\[\[customer\.firstname\]\]|\[\[customer\.firstname\]\][^<]*Insert text here)/,
    );
    expect(stored.content.source).toContain('[[link.subscription]]');
    expect(stored.content.source).toMatch(/<mj-text[^>]*>[^\n]*Doors open at 17:30\.[^\n]*<\/mj-text>/);
    expect(stored.content.source).not.toMatch(/<(table|div|body)[\s>]/);

    // after a reload: the same MJML in the editor and in Source
    await page.reload();
    await expect(canvas.getByText('Insert text here')).toBeVisible({ timeout: 30_000 });
    await page.getByText('Source', { exact: true }).click();
    await expect(page.getByRole('textbox', { name: 'MJML source' })).toHaveValue(stored.content.source);
    await expect(page.getByText('Unsaved changes')).toBeHidden();
    // the server renders what is sent: its preview shows the new text with the name filled in
    await expect(
      page.frameLocator('iframe[title="Preview of the e-mail"]').getByText(/Insert text here/),
    ).toBeVisible();
    await page.getByText('Visual', { exact: true }).click();
    await expect(canvas.getByText('Insert text here')).toBeVisible({ timeout: 30_000 });
  });
});

test.describe('links and images in the e-mail editor', () => {
  test('a special link goes into a text, a tracked link onto a button, and an uploaded image into the library', async ({
    page,
  }) => {
    test.setTimeout(120_000);
    await logIn(page, marketer());
    const created = await page.request.post('/api/v1/tracked-links', {
      headers: { 'X-Posthorn-CSRF': '1' },
      data: { name: 'Event page', url: 'https://example.com/event' },
    });
    expect(created.status()).toBe(201);
    const link = (await created.json()) as { id: number };

    await page.getByRole('button', { name: 'New mailing' }).click();
    const dialog = page.getByRole('dialog', { name: 'New mailing' });
    await dialog.getByRole('textbox', { name: 'Name' }).fill('Editor links');
    await dialog.getByRole('radio', { name: 'Invitation' }).check();
    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect(page).toHaveURL(/\/mailings\/\d+\?step=setup$/);
    const id = Number(/\/mailings\/(\d+)/.exec(page.url())?.[1]);
    await page.getByRole('tab', { name: /Content/ }).click();
    const canvas = page.frameLocator('.posthorn-editor iframe.gjs-frame');
    await expect(canvas.getByText(/^Questions\? Reply/)).toBeVisible({ timeout: 30_000 });

    // nothing selected: the editor says what to do first
    await page.getByRole('combobox', { name: 'Insert special link' }).click();
    await page.getByRole('option', { name: 'View online' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'first click a text' })).toBeVisible();

    // a special link at the end of a selected text
    await canvas.getByText(/^Questions\? Reply/).click();
    await page.getByRole('combobox', { name: 'Insert special link' }).click();
    await page.getByRole('option', { name: 'View online' }).click();
    await expect(canvas.getByRole('link', { name: 'View online' }).first()).toBeVisible();

    // a tracked link as the target of the selected button
    await canvas.getByText('Register', { exact: true }).click();
    await page.getByRole('combobox', { name: 'Insert tracked link' }).click();
    await page.getByRole('option', { name: 'Event page' }).click();
    // a block added without dragging goes after the selected button
    await page.getByRole('combobox', { name: 'Add block' }).click();
    await page.getByRole('option', { name: 'Button', exact: true }).click();
    await expect(canvas.getByText('Button', { exact: true })).toBeVisible();
    await canvas.getByText('Register', { exact: true }).click();
    await page.getByRole('tab', { name: 'Settings' }).click();
    await screenshot(page, 'editor-settings');
    await page.getByRole('tab', { name: 'Style' }).click();
    await screenshot(page, 'editor-style');
    await page.getByRole('tab', { name: 'Layers' }).click();
    await screenshot(page, 'editor-layers');

    // the image library: GrapesJS' asset manager, uploading into Posthorn's library; the image
    // picked there goes into the selected image (here a new one after the new button)
    await canvas.getByText('Button', { exact: true }).click();
    await page.getByRole('combobox', { name: 'Add block' }).click();
    await page.getByRole('option', { name: 'Image', exact: true }).click();
    await page.getByRole('button', { name: 'Image library' }).click();
    await page.locator('.gjs-am-file-uploader input[type=file]').setInputFiles({
      name: 'logo.png',
      mimeType: 'image/png',
      buffer: Buffer.from(
        'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
        'base64',
      ),
    });
    await expect(page.locator('.gjs-am-asset-image').filter({ hasText: 'logo.png' }).first()).toBeVisible();
    await screenshot(page, 'editor-images');
    await page.locator('.gjs-am-asset-image').filter({ hasText: 'logo.png' }).first().click();
    await page.locator('.gjs-mdl-btn-close').click();
    await expect(page.locator('.gjs-mdl-container')).toBeHidden();
    await expect(canvas.locator('img[src^="/media/"]')).toHaveCount(1);
    const images = (await (await page.request.get('/api/v1/images')).json()) as {
      items: { fileName: string }[];
    };
    expect(images.items.map((i) => i.fileName)).toContain('logo.png');

    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(page.getByText('Unsaved changes')).toBeHidden();
    const stored = (await (await page.request.get(`/api/v1/mailings/${id}`)).json()) as MailingAnswer & {
      setup: { trackedLinkIds: number[] };
    };
    expect(stored.content.source).toMatch(
      /Questions\? Reply[^<]*\[\[ourContact\.name\]\]\.\s+<a href="\[\[link\.viewShipmentMessage\]\]">View online<\/a>/,
    );
    expect(stored.content.source).toMatch(/<mj-button[^>]*href="https:\/\/example\.com\/event"/);
    expect(stored.setup.trackedLinkIds).toContain(link.id);
    expect(stored.content.source).toMatch(
      /href="https:\/\/example\.com\/event"[^\n]*<\/mj-button>\n\s*<mj-button[^>]*>Button<\/mj-button>/,
    );
    expect(stored.content.source).toMatch(
      /<mj-button[^>]*>Button<\/mj-button>\n\s*<mj-image[^>]*src="\/media\/[\w-]+\.png"/,
    );
    // written one element a line, as a person reads it in Source
    expect(stored.content.source).toContain(
      '\n    <mj-section background-color="#ffffff" padding="32px 24px">\n',
    );
    await expectAccessible(page, notOurs);
    await screenshot(page, 'editor-links');
  });
});

test.describe('the content check', () => {
  test('a finding shows its place in the source', async ({ page }) => {
    await logIn(page, marketer());
    await page.getByRole('button', { name: 'New mailing' }).click();
    const dialog = page.getByRole('dialog', { name: 'New mailing' });
    await dialog.getByRole('textbox', { name: 'Name' }).fill('Finding places');
    await dialog.getByRole('radio', { name: 'Blank' }).check();
    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect(page).toHaveURL(/\/mailings\/\d+\?step=setup$/);
    await page.getByRole('tab', { name: /Content/ }).click();
    await page.getByText('Source', { exact: true }).click();
    await page
      .getByRole('textbox', { name: 'MJML source' })
      .fill(
        [
          '<mjml>',
          '  <mj-body>',
          '    <mj-section><mj-column>',
          '      <mj-text>Hello [[customer.nosuchfield]]</mj-text>',
          '    </mj-column></mj-section>',
          '  </mj-body>',
          '</mjml>',
        ].join('\n'),
      );
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(page.getByText('Unsaved changes')).toBeHidden();
    await page.getByText('Visual', { exact: true }).click();
    const place = page.getByRole('button', { name: /^Show line 4, column \d+ in the source$/ });
    await expect(place).toBeVisible();
    await place.click();
    const source = page.getByRole('textbox', { name: 'MJML source' });
    await expect(source).toBeFocused();
    const line = await source.evaluate(
      (el: HTMLTextAreaElement) => el.value.slice(0, el.selectionStart).split('\n').length,
    );
    expect(line).toBe(4);
    await screenshot(page, 'editor-finding-place');
  });
});

test.describe('document mailings', () => {
  test.use({
    allowConsoleError:
      /^Blocked script execution in '[^']*\/api\/v1\/mailings\/\d+\/preview\/html\?recipientId=\d+' because the document's frame is sandboxed and the 'allow-scripts' permission is not set\.$/,
  });

  test('a letter previews as a PDF before sending, and the sent mailing downloads the PDF of every letter', async ({
    page,
  }) => {
    test.setTimeout(120_000);
    await logIn(page, admin());
    await page.getByRole('button', { name: 'New mailing' }).click();
    const dialog = page.getByRole('dialog', { name: 'New mailing' });
    await dialog.getByRole('textbox', { name: 'Name' }).fill('Letter with a PDF');
    await dialog.getByText('Document', { exact: true }).click();
    await dialog.getByRole('radio', { name: 'Blank' }).check();
    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect(page.getByRole('heading', { name: 'Letter with a PDF' })).toBeVisible();
    await page.getByRole('textbox', { name: 'Heading' }).fill('Our new prices');
    await page.getByRole('combobox', { name: 'Selection' }).click();
    await page.getByRole('combobox', { name: 'Selection' }).fill('Gold');
    await page.getByRole('option', { name: 'Gold customers who like sailing' }).click();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(page.getByText('Unsaved changes')).toBeHidden();

    await page.getByRole('tab', { name: /Content/ }).click();
    await page
      .getByRole('textbox', { name: 'Letter text' })
      .fill('Dear [[customer.firstname]], our prices change.');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(page.getByText('Unsaved changes')).toBeHidden();
    // before sending: one letter as its recipient gets it, and no PDF yet
    await expect(
      page.frameLocator('iframe[title="Preview of the letter"]').getByText(/Dear [^[]+, our prices change\./),
    ).toBeVisible();
    await expect(page.getByRole('link', { name: 'Download PDF' })).toHaveCount(0);
    // …but that one letter as a PDF, made as sending makes it
    const letter = page.waitForEvent('download');
    await page.getByRole('link', { name: 'This letter as PDF' }).click();
    const letterBytes = await readFile(await (await letter).path());
    expect(letterBytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    await expectAccessible(page, notOurs);
    await screenshot(page, 'editor-document-letter');

    await page.getByRole('tab', { name: /Recipients/ }).click();
    await expect(page.getByRole('tab', { name: /Recipients \(complete\)/ })).toBeVisible();
    await page.getByRole('tab', { name: /Confirm/ }).click();
    await page.getByRole('button', { name: 'Send now' }).click();
    await page
      .getByRole('dialog', { name: 'Send this mailing now?' })
      .getByRole('button', { name: 'Send now' })
      .click();
    await expect(page.getByText('Finished', { exact: true })).toBeVisible({ timeout: 90_000 });

    await page.getByRole('tab', { name: /Content/ }).click();
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download PDF' }).click();
    const file = await (await download).path();
    const bytes = await readFile(file);
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    await expectAccessible(page, notOurs);
    await screenshot(page, 'editor-document-pdf');
  });
});
