import { readFileSync } from 'node:fs';
import { admin, expect, expectAccessible, logIn, marketer, screenshot, test } from './fixtures.js';

/** A 1×1 PNG (what the image library checks: the PNG signature). */
const tinyPng = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

test.describe('the template library', () => {
  // the HTML preview is a frame with sandbox="" (no script): Chromium logs it when the test
  // tooling (screenshots with animations off) tries to run its helpers inside it
  test.use({
    allowConsoleError:
      /^(Blocked script execution in 'about:srcdoc' because the document's frame is sandboxed and the 'allow-scripts' permission is not set\.|Failed to load resource: the server responded with a status of 400 \(Bad Request\))$/,
  });

  test('a marketer creates, finds, copies, exports, imports and deletes a template', async ({ page }) => {
    test.setTimeout(90_000);
    await logIn(page, marketer());
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Templates' }).click();
    await expect(page.getByRole('heading', { name: 'Templates' })).toBeVisible();
    const table = page.getByRole('table', { name: 'Templates' });
    // the starters are there, marked as such
    await expect(table.getByRole('row', { name: /Newsletter.*Starter/ })).toBeVisible();

    // a folder for the team's templates: made, then shown (empty)
    const folders = page.getByRole('navigation', { name: 'Template folders' });
    await folders.getByRole('button', { name: 'New folder' }).click();
    let dialog = page.getByRole('dialog', { name: 'New folder' });
    await dialog.getByRole('textbox', { name: 'Name' }).fill('Harbour office');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect(page.getByRole('heading', { name: 'Folder: Harbour office' })).toBeVisible();
    await expect(table).toContainText('No E-mail templates in this folder.');

    // create an HTML e-mail template with a preview, in the folder shown
    await page.getByRole('button', { name: 'New template' }).click();
    dialog = page.getByRole('dialog', { name: 'New E-mail template' });
    await expect(dialog.getByRole('combobox', { name: 'Folder' })).toHaveValue('Harbour office');
    await dialog.getByRole('textbox', { name: 'Name' }).fill('Harbour news');
    await dialog.getByRole('textbox', { name: 'Description' }).fill('Monthly news from the harbour office');
    await dialog.getByRole('textbox', { name: 'Subject' }).fill('News from the harbour');
    await dialog.getByText('HTML', { exact: true }).click();
    await dialog
      .getByRole('textbox', { name: 'HTML source' })
      .fill('<h1>Harbour news</h1><p>Hello [[customer.firstname]],</p>');
    await expect(
      dialog
        .frameLocator('iframe[title="Preview of the template"]')
        .getByRole('heading', { name: 'Harbour news' }),
    ).toBeVisible();
    await expectAccessible(page, ['iframe']);
    await screenshot(page, 'templates-editor');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect(dialog).toBeHidden();
    await expect(table.getByRole('row', { name: /Harbour news/ })).toBeVisible();
    await folders.getByRole('button', { name: 'All templates' }).click();
    await expect(page.getByRole('heading', { name: /^Folder:/ })).toHaveCount(0);

    // find it
    await page.getByRole('searchbox', { name: 'Search' }).fill('harbour');
    await expect(table.getByRole('row')).toHaveCount(2);
    await expect(table.getByRole('row', { name: /Harbour news.*Own/ })).toBeVisible();

    // copy it
    await page.getByRole('button', { name: 'Actions for Harbour news' }).click();
    await page.getByRole('menuitem', { name: 'Copy' }).click();
    await expect(table.getByRole('row', { name: /Copy of Harbour news/ })).toBeVisible();

    // export it (a download) …
    await page.getByRole('button', { name: 'Actions for Harbour news' }).click();
    const downloading = page.waitForEvent('download');
    await page.getByRole('menuitem', { name: 'Export' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe('harbour-news.posthorn-template.json');
    const exported = readFileSync(await download.path(), 'utf8');
    expect(JSON.parse(exported)).toMatchObject({
      posthornTemplate: 1,
      name: 'Harbour news',
      channel: 'email',
    });

    // … a file that is not an export is refused with the API's message and code …
    await page.locator('input[type="file"]').setInputFiles({
      name: 'notes.json',
      mimeType: 'application/json',
      buffer: Buffer.from('{"hello": "world"}'),
    });
    const refused = page.getByRole('alert').filter({ hasText: 'The file was not imported' });
    await expect(refused).toContainText('TEMPLATE_IMPORT_INVALID');
    await expect(refused).toContainText('Not a Posthorn template export');
    await screenshot(page, 'templates-import-refused');
    await refused.getByRole('button', { name: 'Dismiss' }).click();

    // … and the export imports back
    await page.locator('input[type="file"]').setInputFiles({
      name: 'harbour-news.posthorn-template.json',
      mimeType: 'application/json',
      buffer: Buffer.from(exported),
    });
    await expect(page.getByText('Imported “Harbour news”')).toBeVisible();
    await expect(table.getByRole('row', { name: /^Harbour news/ })).toHaveCount(2);

    // edit the copy
    await table.getByRole('button', { name: 'Copy of Harbour news', exact: true }).click();
    dialog = page.getByRole('dialog', { name: 'Edit template: Copy of Harbour news' });
    await dialog.getByRole('textbox', { name: 'Name' }).fill('Harbour news (short)');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(table.getByRole('row', { name: /Harbour news \(short\)/ })).toBeVisible();
    await expectAccessible(page);
    await screenshot(page, 'templates');

    // delete it, after confirming
    await page.getByRole('button', { name: 'Actions for Harbour news (short)' }).click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete this template?' });
    await expect(confirm).toContainText('Harbour news (short)');
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await expect(table.getByRole('row', { name: /Harbour news \(short\)/ })).toHaveCount(0);

    // a starter can only be viewed and copied
    await page.getByRole('searchbox', { name: 'Search' }).fill('');
    await page.getByRole('button', { name: 'Actions for Newsletter', exact: true }).click();
    await expect(page.getByRole('menuitem', { name: 'View' })).toBeVisible();
    await expect(page.getByRole('menuitem', { name: 'Delete' })).toHaveCount(0);
    await page.keyboard.press('Escape');
    await expect(page.getByRole('menu')).toHaveCount(0);

    // a mailing from a template: the wizard opens at Setup with the template's subject
    await page.getByRole('searchbox', { name: 'Search' }).fill('harbour');
    await page.getByRole('button', { name: 'Actions for Harbour news' }).first().click();
    await page.getByRole('menuitem', { name: 'New mailing from this template' }).click();
    dialog = page.getByRole('dialog', { name: 'New mailing from “Harbour news”' });
    await dialog.getByRole('textbox', { name: 'Name' }).fill('Harbour news, May');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect(page).toHaveURL(/\/mailings\/\d+\?step=setup$/);
    await expect(page.getByRole('textbox', { name: 'Subject' })).toHaveValue('News from the harbour');
    // the mailing goes again: the login test, run after this file, counts the demo's one mailing
    const id = /\/mailings\/(\d+)/.exec(page.url())?.[1];
    const removed = await page.request.delete(`/api/v1/mailings/${id}`, {
      headers: { 'X-Posthorn-CSRF': '1' },
    });
    expect(removed.status()).toBe(204);
  });
});

test.describe('tracked links', () => {
  test.use({
    allowConsoleError: /^Failed to load resource: the server responded with a status of 400 \(Bad Request\)$/,
  });

  test('a marketer registers a link; a URL that is not http(s) is refused at the field', async ({ page }) => {
    await logIn(page, marketer());
    await page.goto('/tracked-links');
    await expect(page.getByRole('heading', { name: 'Tracked links' })).toBeVisible();
    await page.getByRole('button', { name: 'New tracked link' }).click();
    const dialog = page.getByRole('dialog', { name: 'New tracked link' });
    await dialog.getByRole('textbox', { name: 'Name' }).fill('Spring offer');
    const url = dialog.getByRole('textbox', { name: 'URL' });
    await url.fill('javascript:alert(1)');
    await dialog.getByRole('button', { name: 'Create' }).click();
    // the API's message, next to the field (its description names the field)
    await expect(url).toHaveAccessibleDescription(/absolute http\(s\) URL \(VALIDATION_FAILED\)/);
    await expectAccessible(page);
    await screenshot(page, 'tracked-links-refused');

    await url.fill('https://shop.example/spring?ref=mail');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect(dialog).toBeHidden();
    const table = page.getByRole('table', { name: 'Tracked links' });
    await expect(
      table.getByRole('row', { name: /Spring offer.*shop\.example\/spring.*Opens the URL/ }),
    ).toBeVisible();

    // edit
    await table.getByRole('button', { name: 'Spring offer', exact: true }).click();
    const edit = page.getByRole('dialog', { name: 'Edit tracked link: Spring offer' });
    await edit.getByRole('textbox', { name: 'Name' }).fill('Spring offer 2026');
    await edit.getByRole('button', { name: 'Save' }).click();
    await expect(table.getByRole('row', { name: /Spring offer 2026/ })).toBeVisible();
    await expectAccessible(page);
    await screenshot(page, 'tracked-links');

    // delete, after confirming
    await page.getByRole('button', { name: 'Actions for Spring offer 2026' }).click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    await page
      .getByRole('dialog', { name: 'Delete this tracked link?' })
      .getByRole('button', { name: 'Delete' })
      .click();
    await expect(table.getByRole('row', { name: /Spring offer 2026/ })).toHaveCount(0);
  });
});

test.describe('the image library', () => {
  test.use({
    allowConsoleError:
      /^Failed to load resource: the server responded with a status of (400 \(Bad Request\)|413 \(Payload Too Large\))$/,
  });

  test('an administrator uploads an image, sees it in the grid and deletes it', async ({ page }) => {
    await logIn(page, admin());
    await page.goto('/images');
    await expect(page.getByRole('heading', { name: 'Images' })).toBeVisible();

    // not an image: refused with the API's message and code
    await page.locator('input[type="file"]').setInputFiles({
      name: 'notes.png',
      mimeType: 'image/png',
      buffer: Buffer.from('not a picture'),
    });
    const refused = page.getByRole('alert').filter({ hasText: 'An image was not uploaded' });
    await expect(refused).toContainText('notes.png: not a PNG, JPEG, GIF or WebP image');
    await expect(refused).toContainText('IMAGE_TYPE_NOT_ALLOWED');

    // larger than the library takes (5 MB by default): refused with the API's message and code
    await page.locator('input[type="file"]').setInputFiles({
      name: 'poster.png',
      mimeType: 'image/png',
      buffer: Buffer.concat([tinyPng, Buffer.alloc(5 * 1024 * 1024)]),
    });
    await expect(refused).toContainText(/poster\.png: .*TOO_LARGE/);
    await screenshot(page, 'images-too-large');

    await page
      .locator('input[type="file"]')
      .setInputFiles({ name: 'harbour-logo.png', mimeType: 'image/png', buffer: tinyPng });
    await expect(refused).toBeHidden();
    const image = page.getByRole('img', { name: 'harbour-logo.png' });
    await expect(image).toBeVisible();
    // served from the library's public address, and it loads
    await expect(image).toHaveAttribute('src', /^\/media\/[A-Za-z0-9_-]+\.png$/);
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1);
    await expect(page.getByRole('button', { name: 'Copy URL of harbour-logo.png' })).toBeVisible();
    await expectAccessible(page);
    await screenshot(page, 'images');

    await page.getByRole('button', { name: 'Delete harbour-logo.png' }).click();
    await page
      .getByRole('dialog', { name: 'Delete this image?' })
      .getByRole('button', { name: 'Delete' })
      .click();
    await expect(page.getByRole('img', { name: 'harbour-logo.png' })).toHaveCount(0);
  });
});
