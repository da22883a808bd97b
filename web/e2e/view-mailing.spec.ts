import type { APIResponse, Page } from '@playwright/test';
import { expect, expectAccessible, logIn, marketer, screenshot, test } from './fixtures.js';

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
async function trackingUrls(page: Page, id: number): Promise<{ address: string; urls: string[] }[]> {
  const outbox = (await get(page, `/api/v1/outbox?mailingId=${id}&limit=50`)) as {
    items: { id: number; address: string; test: boolean }[];
  };
  const out: { address: string; urls: string[] }[] = [];
  for (const m of outbox.items.filter((x) => !x.test)) {
    const html = await (await page.request.get(`/api/v1/outbox/${m.id}/html`)).text();
    const urls = [...html.matchAll(/https?:\/\/[^"'\s<>]+\/t\/c\/[^"'\s<>]+/g)].map((x) =>
      x[0].replace(/&amp;/g, '&'),
    );
    out.push({ address: m.address, urls: [...new Set(urls)] });
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

test.describe('View mailing', () => {
  test('the follow-up of a sent mailing: summary, numbers that link to their recipients, filters in the URL', async ({
    page,
  }) => {
    test.setTimeout(150_000);
    await logIn(page, marketer());
    const id = await sendSmallMailing(page, 'Follow-up newsletter');

    const messages = await trackingUrls(page, id);
    expect(messages.length).toBeGreaterThan(1);
    await openAndClick(page, (messages[0] as { urls: string[] }).urls);
    // the counters are updated by the tracking flusher a moment later
    await expect
      .poll(async () => ((await get(page, `/api/v1/mailings/${id}/summary`)) as Summary).clicked, {
        timeout: 20_000,
      })
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
  });
});
