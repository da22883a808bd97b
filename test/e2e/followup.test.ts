import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workers } from '../../src/app.js';
import type { BounceReport } from '../../src/bounces/parse.js';
import type { ManualClock } from '../../src/core/index.js';
import type { TestApp } from '../helpers/app.js';
import {
  audience,
  openSendingFixture,
  type SendingFixture,
  sendTrackedMailing,
  trackingLinks,
} from '../helpers/audience.js';
import { engines } from '../helpers/databases.js';
import { insertPersons } from '../helpers/persons.js';
import { admin } from '../helpers/services.js';
import type { receiver } from '../helpers/smtp.js';

const _secret = 'test-instance-secret-that-is-long-enough-0123456789';
const human = {
  'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko)',
};

/** The signed token of a received message's return path (bounces+<token>@…). */
const returnPathToken = (m: { returnPath: string }): string =>
  /^bounces\+(.+)@/.exec(m.returnPath)?.[1] ?? '';

function report(kind: BounceReport['kind'], token: string, status: string | null = null): BounceReport {
  return {
    kind,
    format: 'test',
    recipient: null,
    status,
    code: null,
    diagnostic: `${kind} (scripted)`,
    addressedTo: [],
    originalMessageId: null,
    originalTokens: [token],
  };
}

/**
 * The follow-up numbers of a scripted scenario: known sends, opens by humans and machines, clicks,
 * bounces, a complaint and an unsubscribe — every figure of the summary is checked exactly, then
 * every action (add to selection/project, resend to selected / non-readers, reload, link reset).
 */
describe.each(engines)('follow-up on %s', (engine) => {
  let t: TestApp;
  let clock: ManualClock;
  let rx: Awaited<ReturnType<typeof receiver>>;
  let workers: Workers;
  let persons: number[];
  let news: number;
  let selectionId: number;
  let id: number;
  const auth = () => ({ authorization: `Bearer ${t.adminKey}` });
  const get = (url: string) => t.app.inject({ method: 'GET', url, headers: auth() });
  const post = (url: string, payload: unknown) =>
    t.app.inject({ method: 'POST', url, headers: auth(), payload: payload as object });
  const local = (url: string) => url.replace('http://localhost:3000', '');
  const drain = async () => {
    for (let k = 0; k < 100; k++) if ((await workers.worker.tick()) === 0) break;
  };

  let fixture: SendingFixture;

  beforeAll(async () => {
    fixture = await openSendingFixture(engine, 'b.test');
    ({ t, clock, rx, workers } = fixture);
    const a = await audience(t.services, 10, ['News']);
    persons = a.persons;
    news = a.types[0] as number;
    selectionId = a.selectionId;
    const sent = await sendTrackedMailing(t.services, workers, rx.received, {
      name: 'Scenario',
      selectionId,
      subscriptionTypeId: news,
    });
    id = sent.id;
    clock.advance(120_000);
    const l = await Promise.all(
      persons.map((_, i) =>
        trackingLinks(sent.messages.find((m) => m.to[0] === `p${i}@example.test`) as never),
      ),
    );
    const hit = (url: string, headers: Record<string, string> = human, method: 'GET' | 'HEAD' = 'GET') =>
      t.app.inject({ method, url: local(url), headers });
    const at = (i: number) => l[i] as Awaited<ReturnType<typeof trackingLinks>>;
    await hit(at(0).pixel);
    await hit(at(0).pixel);
    await hit(at(0).click(1));
    await hit(at(1).click(2));
    await hit(at(2).pixel, { 'user-agent': 'Mozilla/5.0' });
    await hit(at(3).pixel);
    await hit(at(8).click(1), human, 'HEAD');
    await t.services.bounces.ingest(report('hard', returnPathToken(at(4)), '5.1.1'), 'webhook');
    await t.services.bounces.ingest(report('soft', returnPathToken(at(5)), '4.2.2'), 'webhook');
    await t.services.bounces.ingest(report('complaint', returnPathToken(at(6))), 'webhook');
    await t.app.inject({
      method: 'POST',
      url: local(at(7).unsubscribe),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
  });
  afterAll(() => fixture.dispose());

  it('the summary matches the scenario exactly (human events only in read and the rates)', async () => {
    const res = await get(`/api/v1/mailings/${id}/summary`);
    expect(res.statusCode).toBe(200);
    const s = res.json();
    expect(s).toMatchObject({
      recipients: 10,
      sent: 10,
      delivered: 8,
      read: 3,
      clicked: 2,
      bounced: { soft: 1, hard: 1, total: 2 },
      unsubscribed: 1,
      complained: 1,
      failed: 0,
      opens: { human: 3, machine: 1 },
      clicks: { human: 2, machine: 1 },
      rates: { open: 0.375, click: 0.25, clickToOpen: 0.6667, bounce: 0.2 },
      // the three human readers moved sent → read; machines (p2's proxy, p8's HEAD) did not
      byStatus: { sent: 4, read: 3, bounced: 2, complained: 1 },
      progress: null,
    });
  });

  it('read status: a read recipient counts as sent and delivered, so the rates divide by every delivered recipient', async () => {
    const s = (await get(`/api/v1/mailings/${id}/summary`)).json();
    // sent = sent 4 + read 3 + bounced 2 + complained 1; delivered = sent 4 + read 3 + complained 1
    expect(s.byStatus.read).toBe(3);
    expect(s.sent).toBe(s.byStatus.sent + s.byStatus.read + s.bounced.total + s.complained);
    expect(s.delivered).toBe(s.byStatus.sent + s.byStatus.read + s.complained);
    expect(s.rates.open).toBe(Math.round((s.read / s.delivered) * 10_000) / 10_000);
    expect(s.rates.click).toBe(Math.round((s.clicked / s.delivered) * 10_000) / 10_000);
    expect(s.rates.bounce).toBe(Math.round((s.bounced.total / s.sent) * 10_000) / 10_000);
    // the recipients summary of the list counts them too
    expect((await t.services.recipients.summary(id)).byStatus).toMatchObject({ sent: 4, read: 3 });
  });

  it('status=read filters both recipient lists; summary-by-status counts it', async () => {
    const followup = (await get(`/api/v1/mailings/${id}/followup/recipients?status=read`)).json();
    expect(followup.total).toBe(3);
    expect(followup.items.map((x: { address: string }) => x.address)).toEqual([
      'p0@example.test',
      'p1@example.test',
      'p3@example.test',
    ]);
    expect(followup.items.every((x: { status: string }) => x.status === 'read')).toBe(true);
    const combined = (await get(`/api/v1/mailings/${id}/followup/recipients?status=sent,read`)).json();
    expect(combined.total).toBe(7);
    const list = (await get(`/api/v1/mailings/${id}/recipients?status=read`)).json();
    expect(list.total).toBe(3);
    expect(list.items.map((x: { personId: number }) => x.personId)).toEqual([
      persons[0],
      persons[1],
      persons[3],
    ]);
    const summary = (await get(`/api/v1/mailings/${id}/recipients/summary`)).json();
    expect(summary.byStatus).toMatchObject({ sent: 4, read: 3, bounced: 2, complained: 1 });
    // a bounced row's reason is the bounce's kind: not a block reason that was overridden
    expect(summary.overridden).toEqual({});
    // the stored counts agree with the rows
    const rows = await t.services.db
      .selectFrom('recipients')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('mailing_id', '=', id)
      .groupBy('status')
      .execute();
    const counted = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    expect(counted).toEqual(summary.byStatus);
  });

  it('reports: clicks per link, per hour, by status, reads by client', async () => {
    const r = (await get(`/api/v1/mailings/${id}/reports`)).json();
    expect(
      r.clicksPerLink.map((x: { n: number; clicks: number; uniqueClicks: number }) => [
        x.n,
        x.clicks,
        x.uniqueClicks,
      ]),
    ).toEqual([
      [1, 1, 1],
      [2, 1, 1],
      [3, 0, 0],
    ]);
    expect(r.perHour[0]).toEqual({ hour: 0, opens: 3, clicks: 2 });
    expect(r.perHour).toHaveLength(48);
    expect(r.readsByClient).toEqual([{ client: 'Apple Mail', reads: 3 }]);
    expect(r.byStatus).toEqual({ sent: 4, read: 3, bounced: 2, complained: 1 });
  });

  it('recipients: combinable filters, paging, sorting; unknown statuses are refused', async () => {
    const page = (q: string) => get(`/api/v1/mailings/${id}/followup/recipients?${q}`).then((r) => r.json());
    expect((await page('status=bounced,complained')).total).toBe(3);
    expect((await page('read=true')).total).toBe(3);
    expect((await page('clicked=true')).total).toBe(2);
    const nonReaders = await page('status=sent&read=false');
    expect(nonReaders.items.map((x: { address: string }) => x.address)).toEqual([
      'p2@example.test',
      'p7@example.test',
      'p8@example.test',
      'p9@example.test',
    ]);
    expect(nonReaders.total).toBe(4);
    const sorted = await page('sort=clicks&order=desc&limit=2');
    expect(sorted.items.map((x: { clicks: number }) => x.clicks)).toEqual([1, 1]);
    expect(sorted.total).toBe(10);
    const bounced = (await get(`/api/v1/mailings/${id}/bounces`)).json();
    expect(
      bounced.items.map((x: { reason: string | null; bounceCode: string | null }) => [
        x.reason,
        x.bounceCode,
      ]),
    ).toEqual([
      ['hardBounce', '5.1.1'],
      ['softBounce', '4.2.2'],
      [null, null],
    ]);
    const bad = await get(`/api/v1/mailings/${id}/followup/recipients?status=sent,nonsense`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('UNKNOWN_STATUS');
  });

  it('export: CSV and XLSX of every recipient, streamed', async () => {
    const csv = await get(`/api/v1/mailings/${id}/export?format=csv`);
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.trim().split('\r\n');
    expect(lines).toHaveLength(11);
    expect(lines[0]).toBe(
      'id,type,name,company,address,status,reason,sent,read,opens,clicks,unsubscribed,bounce code',
    );
    expect(lines.filter((x) => x.includes(',bounced,'))).toHaveLength(2);
    const xlsx = await get(`/api/v1/mailings/${id}/export?format=xlsx&read=true`);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    expect(wb.worksheets[0]?.rowCount).toBe(4);
  });

  it('tracked links: totals, unique clicks and clickers; add the clickers to a new selection', async () => {
    const links = (await get(`/api/v1/mailings/${id}/links/stats`)).json().items;
    expect(links[0]).toMatchObject({ n: 1, clicks: 1, uniqueClicks: 1, machineClicks: 1 });
    const clickers = (await get(`/api/v1/mailings/${id}/links/1/clickers`)).json();
    expect(clickers.items.map((c: { personId: number }) => c.personId)).toEqual([persons[0]]);
    const added = (
      await post(`/api/v1/mailings/${id}/add-to`, { clickersOfLink: 1, newSelectionName: 'Clicked A' })
    ).json();
    expect(added).toMatchObject({ added: 1, skipped: [] });
    const members = await t.services.selections.members(added.target.id, { limit: 10, offset: 0 });
    expect(members.items.map((m) => m.id)).toEqual([persons[0]]);
  });

  it('add to an existing selection and a project: the response says what was skipped and why', async () => {
    const project = await t.services.projects.create({ name: 'Follow up readers' }, admin);
    const toProject = (
      await post(`/api/v1/mailings/${id}/add-to`, { filter: { read: true }, projectId: project.id })
    ).json();
    expect(toProject).toMatchObject({ added: 3, target: { kind: 'project', id: project.id } });
    const existing = await t.services.selections.create({ name: 'Picked', kind: 'static' }, admin);
    const recipients = (await get(`/api/v1/mailings/${id}/followup/recipients?limit=2`)).json()
      .items as Array<{ id: number }>;
    const picked = (
      await post(`/api/v1/mailings/${id}/add-to`, {
        recipientIds: [...recipients.map((r) => r.id), 999_999],
        selectionId: existing.id,
      })
    ).json();
    expect(picked.added).toBe(2);
    expect(picked.skipped).toEqual([{ reason: expect.stringContaining('notInMailing'), count: 1 }]);
    const both = await post(`/api/v1/mailings/${id}/add-to`, {
      recipientIds: [1],
      selectionId: existing.id,
      projectId: project.id,
    });
    expect(both.statusCode).toBe(400);
  });

  it('engagement criteria: read mailing X, clicked link Y of X, bounced', async () => {
    const count = (criteria: unknown) => t.services.selections.countCriteria(criteria as never, 'persons');
    expect(await count({ type: 'engagement', event: 'read', mailingId: id, is: true })).toBe(3);
    expect(await count({ type: 'engagement', event: 'clicked', mailingId: id, linkNo: 2, is: true })).toBe(1);
    expect(await count({ type: 'engagement', event: 'bounced', is: true })).toBe(2);
    expect(await count({ type: 'engagement', event: 'read', mailingId: id, is: false })).toBe(7);
    await expect(
      count({ type: 'engagement', event: 'read', mailingId: 424242, is: true }),
    ).rejects.toMatchObject({ code: 'CRITERIA_INVALID' });
  });

  it("a person's mailing history: what they received, read and clicked", async () => {
    const h = (await get(`/api/v1/persons/${persons[0]}/mailings`)).json();
    expect(h.items[0]).toMatchObject({
      mailingId: id,
      status: 'read',
      opens: 2,
      clicks: 1,
      links: [{ url: 'https://example.com/a', clicks: 1 }],
    });
  });

  it('resend to non-readers: a new round to sent recipients without a human read (not the unsubscribed)', async () => {
    const before = rx.received.length;
    const r = await post(`/api/v1/mailings/${id}/resend`, { mode: 'nonReaders' });
    expect(r.statusCode).toBe(200);
    // p7 never read it either, but unsubscribed: skipped, and said so
    expect(r.json()).toEqual({
      round: 2,
      recipients: 3,
      skipped: [{ reason: expect.stringMatching(/^unsubscribed:/), count: 1 }],
    });
    await drain();
    expect(
      rx.received
        .slice(before)
        .map((m) => m.to[0])
        .sort(),
    ).toEqual(['p2@example.test', 'p8@example.test', 'p9@example.test']);
    const s = (await get(`/api/v1/mailings/${id}/summary`)).json();
    expect(s).toMatchObject({ sent: 10, read: 3 });
  });

  it('resend to selected: blocked addresses and complainers are skipped with the reason', async () => {
    const list = (await get(`/api/v1/mailings/${id}/followup/recipients?status=bounced,complained`)).json()
      .items as Array<{ id: number; address: string }>;
    const soft = list.find((x) => x.address === 'p5@example.test') as { id: number };
    const before = rx.received.length;
    const r = (
      await post(`/api/v1/mailings/${id}/resend`, { mode: 'selected', recipientIds: list.map((x) => x.id) })
    ).json();
    // p4's hard bounce blocked the address; p6 complained
    expect(r).toMatchObject({ recipients: 1 });
    expect(r.skipped).toEqual([
      { reason: expect.stringMatching(/^complained:/), count: 1 },
      { reason: expect.stringMatching(/^addressBlocked:/), count: 1 },
    ]);
    await drain();
    expect(rx.received.slice(before).map((m) => m.to[0])).toEqual(['p5@example.test']);
    expect(
      (
        await t.services.db
          .selectFrom('recipients')
          .select('status')
          .where('id', '=', soft.id)
          .executeTakeFirstOrThrow()
      ).status,
    ).toBe('sent');
    const nothing = await post(`/api/v1/mailings/${id}/resend`, {
      mode: 'selected',
      recipientIds: [999_999],
    });
    expect(nothing.json().error.code).toBe('NOTHING_TO_RESEND');
  });

  it('reload and resend: the sources again, only the new members get it', async () => {
    const [newcomer] = await insertPersons(t.services.db, 1, () => 'new@example.test');
    await t.services.preferences.recordConsent(
      newcomer as number,
      { purpose: 'emarketing', legalBasis: 'consent', source: 'test' },
      admin,
    );
    await t.services.preferences.setSubscription(
      newcomer as number,
      news,
      { status: 'active', source: 'test' },
      admin,
    );
    await t.services.selections.addMembers(selectionId, [newcomer as number], admin);
    const before = rx.received.length;
    const r = (await post(`/api/v1/mailings/${id}/resend`, { mode: 'reload' })).json();
    expect(r).toMatchObject({ recipients: 1 });
    await drain();
    expect(rx.received.slice(before).map((m) => m.to[0])).toEqual(['new@example.test']);
    const s = (await get(`/api/v1/mailings/${id}/summary`)).json();
    expect(s).toMatchObject({ recipients: 11, read: 3, clicked: 2, unsubscribed: 1 });
  });

  it("resetting a link's counter deletes its click data; all mailings needs a confirmation", async () => {
    const refused = await post(`/api/v1/mailings/${id}/links/1/reset`, { allMailings: true });
    expect(refused.json().error.code).toBe('CONFIRMATION_REQUIRED');
    const r = await post(`/api/v1/mailings/${id}/links/1/reset`, {});
    expect(r.json()).toEqual({ mailings: 1 });
    const links = (await get(`/api/v1/mailings/${id}/links/stats`)).json().items;
    expect(links[0]).toMatchObject({ n: 1, clicks: 0, uniqueClicks: 0, machineClicks: 0 });
    expect((await get(`/api/v1/mailings/${id}/links/1/clickers`)).json().total).toBe(0);
    expect(links[1]).toMatchObject({ n: 2, clicks: 1 });
  });

  it('statistics need the viewStatistics right', async () => {
    const role = await t.services.access.createRole({ name: 'crm only', rights: ['viewCrm'] }, admin);
    const { key } = await t.services.access.createApiKey('no-stats', role.name, admin);
    const r = await t.app.inject({
      method: 'GET',
      url: `/api/v1/mailings/${id}/summary`,
      headers: { authorization: `Bearer ${key}` },
    });
    expect(r.statusCode).toBe(403);
  });
});
