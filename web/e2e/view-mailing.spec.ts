import { createHmac } from 'node:crypto';
import { type APIResponse, type Page, request } from '@playwright/test';
import { admin, expect, expectAccessible, logIn, marketer, screenshot, test } from './fixtures.js';

const csrf = { 'X-Posthorn-CSRF': '1' };

async function ok(answer: APIResponse, what: string): Promise<unknown> {
  expect(answer.status(), `${what}: ${await answer.text()}`).toBeLessThan(300);
  return answer.status() === 204 ? null : answer.json();
}

const post = async (page: Page, url: string, data?: unknown) =>
  ok(await page.request.post(url, { ...(data === undefined ? {} : { data }), headers: csrf }), url);
const patch = async (page: Page, url: string, data: unknown) =>
  ok(await page.request.patch(url, { data, headers: csrf }), url);
const get = async (page: Page, url: string) => ok(await page.request.get(url), url);

interface Summary {
  opens: { human: number; machine: number };
  recipients: number;
  sent: number;
  delivered: number;
  read: number;
  clicked: number;
}

/**
 * A small e-mail mailing sent through the API to the dev outbox: the Newsletter starter to 12
 * demo persons. Waits until it finished; returns its id.
 */
async function sendSmallMailing(page: Page, name: string): Promise<number> {
  const templates = (await get(page, '/api/v1/templates?channel=email&q=Newsletter')) as {
    items: { id: number }[];
  };
  const mailing = (await post(page, '/api/v1/mailings', {
    name,
    channel: 'email',
    templateId: templates.items[0]?.id,
  })) as { id: number };
  const id = mailing.id;
  await patch(page, `/api/v1/mailings/${id}`, {
    setup: { from: { rule: 'always', name: 'Posthorn news', address: 'news@posthorn.example' } },
  });
  const persons = (await get(page, '/api/v1/persons?limit=12')) as { items: { id: number }[] };
  await post(page, `/api/v1/mailings/${id}/recipient-sources`, {
    kind: 'persons',
    personIds: persons.items.map((p) => p.id),
  });
  await post(page, `/api/v1/mailings/${id}/recipients/refresh`);
  await post(page, `/api/v1/mailings/${id}/send`);
  await expect
    .poll(async () => ((await get(page, `/api/v1/mailings/${id}/progress`)) as { state: string }).state, {
      timeout: 60_000,
    })
    .toBe('finished');
  return id;
}

/** The tracking addresses (open pixel, links) in the messages of a mailing captured by the outbox. */
async function trackingUrls(
  page: Page,
  id: number,
): Promise<{ id: number; address: string; urls: string[] }[]> {
  const outbox = (await get(page, `/api/v1/outbox?mailingId=${id}&limit=50`)) as {
    items: { id: number; address: string; test: boolean }[];
  };
  const out: { id: number; address: string; urls: string[] }[] = [];
  for (const m of outbox.items.filter((x) => !x.test)) {
    const html = await (await page.request.get(`/api/v1/outbox/${m.id}/html`)).text();
    const urls = [...html.matchAll(/https?:\/\/[^"'\s<>]+\/t\/c\/[^"'\s<>]+/g)].map((x) =>
      x[0].replace(/&amp;/g, '&'),
    );
    out.push({ id: m.id, address: m.address, urls: [...new Set(urls)] });
  }
  return out;
}

/** A person's mail client (not headless: the tracking counts a headless browser as a bot). */
const person = {
  'user-agent':
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
};

/**
 * A person opens (the pixel, /0) and clicks link 1, as a browser would; clicks within 10 s of
 * the send count as a scanner's, so the click waits for that.
 */
async function openAndClick(page: Page, urls: string[]): Promise<void> {
  const pixel = urls.find((u) => /\/0(\?|$)/.test(u));
  const link = urls.find((u) => /\/1(\?|$)/.test(u));
  expect(pixel, `an open pixel in ${urls.join(' ')}`).toBeTruthy();
  expect(link, `a link 1 in ${urls.join(' ')}`).toBeTruthy();
  const path = (u: string) => new URL(u).pathname + new URL(u).search;
  expect((await page.request.get(path(pixel as string), { headers: person })).status()).toBe(200);
  await page.waitForTimeout(10_500);
  const click = await page.request.get(path(link as string), { headers: person, maxRedirects: 0 });
  expect(click.status()).toBeLessThan(400);
}

/**
 * A relay reports a hard bounce of one captured message through the signed generic webhook (its
 * secret is the administrator's to read).
 */
async function hardBounce(page: Page, outboxId: number): Promise<void> {
  const base = new URL(page.url()).origin;
  const asAdmin = await request.newContext({ baseURL: base, extraHTTPHeaders: csrf });
  try {
    await ok(await asAdmin.post('/api/v1/auth/login', { data: admin() }), 'admin login');
    const hook = (await ok(await asAdmin.get('/api/v1/webhooks/bounces'), 'webhook')) as {
      generic: { secret: string };
    };
    const raw = await (await page.request.get(`/api/v1/outbox/${outboxId}/raw`)).text();
    const messageId = /^Message-ID:\s*(\S+)/im.exec(raw)?.[1];
    expect(messageId, 'the Message-ID of the captured message').toBeTruthy();
    const body = JSON.stringify({
      type: 'hard',
      messageId,
      status: '5.1.1',
      code: '550',
      diagnostic: 'smtp; 550 5.1.1 user unknown',
    });
    const t = Math.floor(Date.now() / 1000);
    const signature = createHmac('sha256', hook.generic.secret).update(`${t}.${body}`).digest('hex');
    const answer = (await ok(
      await asAdmin.post('/api/v1/webhooks/bounces?provider=generic', {
        data: body,
        headers: { 'content-type': 'application/json', 'X-Posthorn-Signature': `t=${t},v1=${signature}` },
      }),
      'bounce webhook',
    )) as { matched: number };
    expect(answer.matched).toBe(1);
  } finally {
    await asAdmin.dispose();
  }
}

test.describe('View mailing', () => {
  // the Content tab's frame has sandbox="" (no script): Chromium logs it when the test tooling
  // (screenshots with animations off) tries to run its helpers inside it
  test.use({
    actionTimeout: 10_000,
    allowConsoleError:
      /^Blocked script execution in '[^']*\/api\/v1\/mailings\/\d+\/preview\/html\?recipientId=\d+' because the document's frame is sandboxed and the 'allow-scripts' permission is not set\.$/,
  });
  test('the follow-up of a sent mailing: summary, numbers that link to their recipients, filters in the URL', async ({
    page,
  }) => {
    test.setTimeout(150_000);
    await logIn(page, marketer());
    const id = await sendSmallMailing(page, 'Follow-up newsletter');

    const messages = await trackingUrls(page, id);
    expect(messages.length).toBeGreaterThan(1);
    await openAndClick(page, (messages[0] as { urls: string[] }).urls);
    // Apple Mail's privacy proxy fetches the pixel of another message: a machine open, not a read
    const proxied = (messages[2] as { urls: string[] }).urls.find((u) => /\/0(\?|$)/.test(u)) as string;
    const proxyAnswer = await page.request.get(new URL(proxied).pathname, {
      headers: { 'user-agent': 'Mozilla/5.0' },
    });
    expect(proxyAnswer.status()).toBe(200);
    const bounced = messages[1] as { id: number; address: string };
    await hardBounce(page, bounced.id);
    // the counters are updated by the tracking flusher a moment later
    await expect
      .poll(async () => ((await get(page, `/api/v1/mailings/${id}/summary`)) as Summary).clicked, {
        timeout: 20_000,
      })
      .toBe(1);
    await expect
      .poll(async () => ((await get(page, `/api/v1/mailings/${id}/summary`)) as Summary).opens.machine)
      .toBe(1);
    const s = (await get(page, `/api/v1/mailings/${id}/summary`)) as Summary;
    expect(s.read).toBe(1);

    // Header and Summary
    await page.goto(`/mailings/${id}/view`);
    await expect(page.getByRole('heading', { name: 'Follow-up newsletter', level: 1 })).toBeVisible();
    await expect(page.getByText('Finished', { exact: true })).toBeVisible();
    await expect(page.getByTestId('sent-time')).toContainText(/^Sent \d/);
    await expect(page.getByRole('tab', { name: 'Summary', selected: true })).toBeVisible();
    await expect(page.getByTestId('count-recipients')).toHaveText(String(s.recipients));
    await expect(page.getByTestId('count-sent')).toHaveText(String(s.sent));
    await expect(page.getByTestId('count-delivered')).toHaveText(String(s.delivered));
    await expect(page.getByTestId('count-read')).toHaveText('1');
    await expect(page.getByTestId('count-clicked')).toHaveText('1');
    await expect(page.getByRole('table', { name: 'Opens and clicks by people and machines' })).toContainText(
      /Opens\s*1\s*1/,
    );
    // each rate says what it divides, also to a screen reader (the description of its link)
    const openRate = page.getByRole('link', { name: /^Open rate/ });
    await expect(openRate).toHaveAccessibleDescription(`1 read of ${s.delivered} delivered`);
    await openRate.focus();
    await expect(page.getByRole('tooltip')).toHaveText(`1 read of ${s.delivered} delivered`);
    await expectAccessible(page);
    await screenshot(page, 'view-summary');

    // a number links to the recipients it counts
    await page.getByRole('link', { name: /^Read 1/ }).click();
    await expect(page).toHaveURL(/tab=recipients/);
    await expect(page).toHaveURL(/read=true/);
    await expect(page.getByRole('tab', { name: 'Recipients', selected: true })).toBeVisible();
    const table = page.getByRole('table', { name: 'Recipients' });
    await expect(page.getByTestId('recipients-total')).toHaveText('1 recipient matches the filter');
    await expect(table.getByRole('row')).toHaveCount(2);
    await expect(table.getByRole('row').nth(1)).toContainText(messages[0]?.address ?? '');

    // combined filters live in the URL and survive a reload
    await page.getByRole('combobox', { name: 'Read' }).click();
    await page.getByRole('option', { name: 'Not read' }).click();
    // a chip is a checkbox drawn by its label (the input itself is visually hidden)
    await page.getByText(/^Sent \(\d+\)$/).click();
    await expect(page).toHaveURL(/read=false/);
    await expect(page).toHaveURL(/status=sent/);
    const unread = (await get(page, `/api/v1/mailings/${id}/followup/recipients?status=sent&read=false`)) as {
      total: number;
    };
    expect(unread.total).toBe(s.delivered - 1);
    await expect(page.getByTestId('recipients-total')).toHaveText(
      `${unread.total} recipients match the filter`,
    );
    await page.reload();
    await expect(page.getByRole('checkbox', { name: /^Sent/ })).toBeChecked();
    await expect(page.getByRole('combobox', { name: 'Read' })).toHaveValue('Not read');
    await expect(page.getByTestId('recipients-total')).toHaveText(
      `${unread.total} recipients match the filter`,
    );

    // select two rows; export the filtered list as CSV and parse it
    await table
      .getByRole('checkbox', { name: /^Select / })
      .nth(1)
      .check();
    await table
      .getByRole('checkbox', { name: /^Select / })
      .nth(2)
      .check();
    await expect(page.getByTestId('recipients-total')).toContainText('2 selected');
    await expectAccessible(page);
    await screenshot(page, 'view-recipients');
    await page.getByRole('button', { name: 'Export' }).click();
    const downloading = page.waitForEvent('download');
    await page.getByRole('menuitem', { name: /^CSV/ }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe(`mailing-${id}-recipients.csv`);
    const csv = (await download.createReadStream()).setEncoding('utf8');
    let text = '';
    for await (const chunk of csv) text += chunk;
    const lines = text.trim().split(/\r\n/);
    expect(lines[0]).toBe(
      'id,type,name,company,address,status,reason,sent,read,opens,clicks,unsubscribed,bounce code',
    );
    expect(lines).toHaveLength(unread.total + 1);
    expect(lines.slice(1).every((l) => l.split(',')[5] === 'sent')).toBe(true);

    // the two selected into a new static selection: what was added, what was skipped
    await page.getByRole('button', { name: 'Add to selection or project' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add to a selection or project' });
    await dialog.getByRole('radio', { name: 'The 2 selected' }).check();
    await dialog.getByRole('textbox', { name: 'Name of the new selection' }).fill('Follow-up sample');
    await expectAccessible(page);
    await screenshot(page, 'view-add-to');
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await expect(dialog.getByRole('status')).toContainText(
      '2 persons were added to the selection “Follow-up sample”.',
    );
    await dialog.getByRole('button', { name: 'Done' }).click();
    // and all who match the filter into that (now existing) selection
    await page.getByRole('button', { name: 'Add to selection or project' }).click();
    await dialog.getByRole('radio', { name: `All ${unread.total} that match the filter` }).check();
    await dialog.getByRole('radio', { name: 'An existing selection' }).check();
    await dialog.getByRole('combobox', { name: 'Selection (static)' }).click();
    await dialog.getByRole('combobox', { name: 'Selection (static)' }).fill('Follow-up');
    await page.getByRole('option', { name: 'Follow-up sample' }).click();
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await expect(dialog.getByRole('status')).toContainText(
      `${unread.total} persons were added to the selection “Follow-up sample”.`,
    );
    await dialog.getByRole('button', { name: 'Done' }).click();

    // Content: the sent copy in a sandboxed frame
    await page.getByRole('tab', { name: 'Content' }).click();
    const frame = page.locator('iframe[title="The sent content"]');
    await expect(frame).toHaveAttribute('sandbox', '');
    await expect(page.frameLocator('iframe[title="The sent content"]').locator('body')).not.toBeEmpty();
    await expectAccessible(page, ['iframe[title="The sent content"]']);
    await screenshot(page, 'view-content');

    // Links: link 1 has one person's click; the clickers are listed
    await page.getByRole('tab', { name: 'Links' }).click();
    const links = page.getByRole('table', { name: 'Tracked links' });
    await expect(links.getByRole('row').nth(1)).toContainText('1');
    await links.getByRole('button', { name: 'Clickers of link 1', exact: true }).click();
    await expect(page).toHaveURL(/link=1/);
    await expect(page.getByRole('table', { name: 'Clickers of link 1' })).toContainText(
      messages[0]?.address ?? '',
    );
    await expectAccessible(page);
    await screenshot(page, 'view-links');
    // link 1's clickers into a new selection
    await links.getByRole('button', { name: 'Add to selection: the clickers of link 1' }).click();
    const toSelection = page.getByRole('dialog', { name: 'Add the clickers of link 1 to a selection' });
    await toSelection.getByRole('textbox', { name: 'Name of the new selection' }).fill('Clicked the news');
    await toSelection.getByRole('button', { name: 'Add', exact: true }).click();
    await expect(toSelection.getByRole('status')).toContainText(
      '1 person was added to the selection “Clicked the news”.',
    );
    await toSelection.getByRole('button', { name: 'Done' }).click();
    // reset asks first; kept, nothing changes
    await links.getByRole('button', { name: 'Reset the clicks of link 1' }).click();
    const confirmReset = page.getByRole('dialog', { name: 'Reset the clicks of link 1?' });
    await expect(confirmReset).toContainText('cannot be undone');
    await confirmReset.getByRole('button', { name: 'Keep them' }).click();
    await expect(links.getByRole('row').nth(1).getByRole('cell').nth(2)).toHaveText('1');

    // Bounces: the hard bounce with its code and reason, and the blocked-address actions
    await page.getByRole('tab', { name: 'Bounces' }).click();
    const bounceRow = page.getByRole('table', { name: 'Bounces and complaints' }).getByRole('row').nth(1);
    await expect(bounceRow).toContainText(bounced.address);
    await expect(bounceRow).toContainText('Hard bounce');
    await expect(bounceRow).toContainText('550 5.1.1 user unknown');
    await page.getByRole('button', { name: `Address actions for ${bounced.address}` }).click();
    await expect(page.getByRole('menuitem', { name: 'Clear the block' })).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(page.getByRole('menu')).toBeHidden();
    await expectAccessible(page);
    await screenshot(page, 'view-bounces');

    // Reports, with the human/machine switch in the URL
    await page.getByRole('tab', { name: 'Reports' }).click();
    await expect(page.getByRole('table', { name: 'Reads by e-mail client' })).toContainText('Browser');
    await page.getByRole('switch', { name: /Count machine events too/ }).check();
    await expect(page).toHaveURL(/machine=true/);
    await expect(page.getByText(/Machines opened it 1 times/)).toBeVisible();
    await expectAccessible(page);
    await screenshot(page, 'view-reports');

    // resend to non-readers: the answer says how many and what was skipped
    await page.getByRole('tab', { name: 'Recipients' }).click();
    await page.getByRole('button', { name: 'Send again' }).click();
    await page.getByRole('menuitem', { name: 'To those who have not read it' }).click();
    await page
      .getByRole('dialog', { name: 'Send a reminder to those who have not read it?' })
      .getByRole('button', { name: 'Send to non-readers' })
      .click();
    const answer = page.getByRole('status').filter({ hasText: 'Round 2 is sending' });
    await expect(answer).toContainText(
      `${unread.total} recipients get it again (those who had not read it).`,
    );
    await screenshot(page, 'view-resent');
    // the header follows the new round (its state is polled while it sends)
    await expect(page.getByText(/^(Sending|Finished)$/)).toBeVisible();

    // on a phone
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('tab', { name: 'Summary' }).click();
    await expect(page.getByTestId('count-read')).toHaveText('1');
    await expectAccessible(page);
    await screenshot(page, 'view-summary-phone');
    await page.getByRole('tab', { name: 'Recipients' }).click();
    await expect(page.getByRole('table', { name: 'Recipients' })).toBeVisible();
    await expectAccessible(page);
    await screenshot(page, 'view-recipients-phone');
  });
});
