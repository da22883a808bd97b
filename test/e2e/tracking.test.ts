import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workers } from '../../src/app.js';
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
import { multipart } from '../helpers/multipart.js';
import { admin } from '../helpers/services.js';
import type { Received, receiver } from '../helpers/smtp.js';

const _secret = 'test-instance-secret-that-is-long-enough-0123456789';
const human = {
  'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120 Safari/537.36',
};

/**
 * Tracking through the real HTTP server and real SMTP: every URL is taken from a message the
 * receiver got, exactly as a mail client or a person would use it.
 */
describe.each(engines)('tracking and unsubscribe on %s', (engine) => {
  let t: TestApp;
  let clock: ManualClock;
  let rx: Awaited<ReturnType<typeof receiver>>;
  let workers: Workers;
  let newsletter: number;
  let offers: number;
  let allId: number;
  let persons: number[];

  let fixture: SendingFixture;

  beforeAll(async () => {
    fixture = await openSendingFixture(engine);
    ({ t, clock, rx, workers } = fixture);
    const a = await audience(t.services, 6, ['Newsletter', 'Offers']);
    persons = a.persons;
    [newsletter, offers] = a.types as [number, number];
    allId = a.selectionId;
  });
  afterAll(() => fixture.dispose());

  const sendMailing = (name: string, typeId: number) =>
    sendTrackedMailing(t.services, workers, rx.received, {
      name,
      selectionId: allId,
      subscriptionTypeId: typeId,
    });
  const linksOf = trackingLinks;

  const path = (url: string) => url.replace('http://localhost:3000', '');

  it('RFC 8058 end to end: the List-Unsubscribe URL of a received message, POSTed with List-Unsubscribe=One-Click, unsubscribes from that type only', async () => {
    const { id, messages } = await sendMailing('News 1', newsletter);
    expect(messages).toHaveLength(persons.length);
    const first = messages.find((m) => m.to[0] === 'p0@example.test') as Received;
    const l = await linksOf(first);
    expect(l.unsubscribe).toMatch(/^http:\/\/localhost:3000\/t\/u\/[\w.-]+$/);
    expect(l.mailto).toMatch(/^unsubscribe\+[\w.-]+@bounce\.posthorn\.test$/);
    // a GET (what a link scanner does) changes nothing: it shows one button
    const page = await t.app.inject({ method: 'GET', url: path(l.unsubscribe) });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('name="List-Unsubscribe" value="One-Click"');
    expect(page.body).toContain('Newsletter');
    // the one-click POST as a mailbox provider sends it: no cookie, no login
    const post = await t.app.inject({
      method: 'POST',
      url: path(l.unsubscribe),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(post.statusCode).toBe(200);
    expect(post.headers.location).toBeUndefined();
    expect(post.headers['set-cookie']).toBeUndefined();
    const subs = await t.services.preferences.subscriptionsOf(persons[0] as number);
    expect(subs.find((x) => x.subscriptionTypeId === newsletter)).toMatchObject({
      status: 'cancelled',
      source: 'oneClick',
    });
    expect(subs.find((x) => x.subscriptionTypeId === offers)).toMatchObject({ status: 'active' });
    const row = await t.services.db
      .selectFrom('subscriptions')
      .select(['mailing_id', 'changed_at'])
      .where('person_id', '=', persons[0] as number)
      .where('subscription_type_id', '=', newsletter)
      .executeTakeFirstOrThrow();
    expect(row.mailing_id).toBe(id);
    // replayed: still 200, counted once
    const again = await t.app.inject({
      method: 'POST',
      url: path(l.unsubscribe),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(again.statusCode).toBe(200);
    const stats = await t.services.db
      .selectFrom('mailing_stats')
      .selectAll()
      .where('mailing_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(stats.unsubscribed).toBe(1);
    // the same as multipart/form-data (RFC 8058 allows both)
    const l1 = await linksOf(messages.find((m) => m.to[0] === 'p1@example.test') as Received);
    const form = multipart({ 'List-Unsubscribe': 'One-Click' });
    const asMultipart = await t.app.inject({ method: 'POST', url: path(l1.unsubscribe), ...form });
    expect(asMultipart.statusCode).toBe(200);
    expect(
      (await t.services.preferences.subscriptionsOf(persons[1] as number)).find(
        (x) => x.subscriptionTypeId === newsletter,
      ),
    ).toMatchObject({
      status: 'cancelled',
    });
    // without the One-Click body nothing happens
    const bare = await t.app.inject({
      method: 'POST',
      url: path((await linksOf(messages[1] as Received)).unsubscribe),
    });
    expect(bare.statusCode).toBe(400);

    // later mailings of that type block the person as noSubscription; other types still reach them
    const later = await t.services.mailings.create({ name: 'News 2', channel: 'email' }, admin);
    await t.services.mailings.update(later.id, { selectionId: allId, subscriptionTypeId: newsletter }, admin);
    await t.services.recipients.build(later.id, admin);
    const blocked = await t.services.recipients.list(later.id, { status: 'blocked' });
    expect(blocked.items.map((r) => [r.personId, r.reason])).toEqual([
      [persons[0], 'noSubscription'],
      [persons[1], 'noSubscription'],
    ]);
    const other = await t.services.mailings.create({ name: 'Offers 1', channel: 'email' }, admin);
    await t.services.mailings.update(other.id, { selectionId: allId, subscriptionTypeId: offers }, admin);
    await t.services.recipients.build(other.id, admin);
    expect((await t.services.recipients.summary(other.id)).byStatus).toEqual({ ready: persons.length });
  });

  it('opens and clicks: counted once per recipient for unique figures, all in totals; machines flagged with a reason; a forged token is a plain 404', async () => {
    const { id, messages } = await sendMailing('News 3', offers);
    clock.advance(60_000);
    const [a, b, c] = await Promise.all(messages.slice(0, 3).map((m) => linksOf(m)));
    if (!a || !b || !c) throw new Error('messages missing');
    // human: two opens and a click by a; a click (no open) by b
    for (const url of [a.pixel, a.pixel]) {
      const r = await t.app.inject({ method: 'GET', url: path(url), headers: human });
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toBe('image/gif');
    }
    const click = await t.app.inject({ method: 'GET', url: path(a.click(1)), headers: human });
    expect(click.statusCode).toBe(302);
    expect(click.headers.location).toBe('https://example.com/a');
    await t.app.inject({ method: 'GET', url: path(b.click(2)), headers: human });
    // machines: Apple's privacy proxy, a HEAD, a scanner walking all links, the trap
    await t.app.inject({ method: 'GET', url: path(c.pixel), headers: { 'user-agent': 'Mozilla/5.0' } });
    await t.app.inject({ method: 'HEAD', url: path(c.click(1)), headers: human });
    for (const n of [1, 2, 3]) await t.app.inject({ method: 'GET', url: path(c.click(n)), headers: human });
    const trap = await t.app.inject({ method: 'GET', url: path(c.trap), headers: human });
    expect(trap.statusCode).toBe(200);

    const events = await t.services.db
      .selectFrom('tracking_events')
      .select(['recipient_id', 'kind', 'link_no', 'machine', 'reason'])
      .where('mailing_id', '=', id)
      .orderBy('id')
      .execute();
    expect(events).toHaveLength(10);
    const reasons = events.filter((e) => e.machine === 1).map((e) => e.reason);
    expect(reasons).toEqual(['mailPrivacyProxy', 'headRequest', 'manyLinksInOneSecond', 'trapLink']);
    const stats = await t.services.db
      .selectFrom('mailing_stats')
      .selectAll()
      .where('mailing_id', '=', id)
      .executeTakeFirstOrThrow();
    // c's first two GET clicks were human until the third made it a burst
    expect(stats).toMatchObject({
      opens: 2,
      machine_opens: 1,
      readers: 3,
      clicks: 4,
      clickers: 3,
      machine_clicks: 3,
    });
    const links = await t.services.db
      .selectFrom('mailing_links')
      .select(['link_no', 'clicks', 'unique_clicks', 'machine_clicks'])
      .where('mailing_id', '=', id)
      .orderBy('link_no')
      .execute();
    expect(links).toEqual([
      { link_no: 1, clicks: 2, unique_clicks: 2, machine_clicks: 1 },
      { link_no: 2, clicks: 2, unique_clicks: 2, machine_clicks: 0 },
      { link_no: 3, clicks: 0, unique_clicks: 0, machine_clicks: 1 },
    ]);

    // forged, truncated and garbage tokens, and a 1 MB URL
    const token = /\/t\/c\/([^/]+)\//.exec(a.pixel)?.[1] as string;
    const forged = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const url of [
      `/t/c/${forged}/0`,
      `/t/c/${token.slice(0, 10)}/1`,
      '/t/c/%00%ff/1',
      '/t/u/garbage',
      '/t/m/x.y',
    ]) {
      const r = await t.app.inject({ method: 'GET', url });
      expect(r.statusCode, url).toBe(404);
      expect(r.headers['content-type']).toContain('text/html');
    }
    const huge = await t.app.inject({ method: 'GET', url: `/t/c/${'a'.repeat(1_048_576)}/1` });
    expect(huge.statusCode).toBe(404);
    const afterBad = await t.services.db
      .selectFrom('tracking_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('mailing_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(Number(afterBad.n)).toBe(10);
  });

  it('no open redirect: only a link of that mailing is a target; other numbers and query strings are refused or ignored', async () => {
    const { messages } = await sendMailing('News 4', offers);
    const l = await linksOf(messages[0] as Received);
    const token = /\/t\/c\/([^/]+)\//.exec(l.pixel)?.[1] as string;
    expect((await t.app.inject({ method: 'GET', url: `/t/c/${token}/42` })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: `/t/c/${token}/-1` })).statusCode).toBe(404);
    const withUrl = await t.app.inject({ method: 'GET', url: `${path(l.click(1))}?url=https://evil.test/` });
    expect(withUrl.headers.location).toBe('https://example.com/a');
  });

  it('test sends: their links work but count nothing and unsubscribe nobody', async () => {
    const { id } = await sendMailing('News 5', offers);
    const before = rx.received.length;
    await t.services.sending.testSend(id, { addresses: 'tester@posthorn.test' }, admin);
    for (let k = 0; k < 20; k++) if ((await workers.worker.tick()) === 0) break;
    const test = rx.received.slice(before).find((m) => m.to[0] === 'tester@posthorn.test') as Received;
    const l = await linksOf(test);
    expect((await t.app.inject({ method: 'GET', url: path(l.pixel), headers: human })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: path(l.click(1)), headers: human })).statusCode).toBe(
      302,
    );
    const post = await t.app.inject({
      method: 'POST',
      url: path(l.unsubscribe),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(post.body).toContain('test message');
    const n = await t.services.db
      .selectFrom('tracking_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('mailing_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(0);
    const cancelled = await t.services.db
      .selectFrom('subscriptions')
      .select('person_id')
      .where('subscription_type_id', '=', offers)
      .where('status', '=', 'cancelled')
      .execute();
    expect(cancelled).toHaveLength(0);
  });

  it('manage subscriptions: a page without JavaScript; after the link expiry it is 410 and offers a fresh link by e-mail', async () => {
    const { messages } = await sendMailing('News 6', offers);
    const l = await linksOf(messages.find((m) => m.to[0] === 'p2@example.test') as Received);
    const get = await t.app.inject({ method: 'GET', url: path(l.manage) });
    expect(get.statusCode).toBe(200);
    expect(get.body).toContain(`name="type" value="${newsletter}" checked`);
    expect(get.body).not.toContain('<script');
    // keep only Offers
    const save = await t.app.inject({
      method: 'POST',
      url: path(l.manage),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `type=${offers}`,
    });
    expect(save.statusCode).toBe(200);
    expect(save.body).toContain('Saved.');
    const subs = await t.services.preferences.subscriptionsOf(persons[2] as number);
    expect(subs.map((x) => [x.subscriptionTypeName, x.status, x.source])).toEqual([
      ['Newsletter', 'cancelled', 'manageSubscriptions'],
      ['Offers', 'active', 'test'],
    ]);
    clock.advance(22 * 86_400_000);
    const gone = await t.app.inject({ method: 'GET', url: path(l.manage) });
    expect(gone.statusCode).toBe(410);
    expect(gone.body).toContain('/fresh');
    const fresh = await t.app.inject({ method: 'POST', url: `${path(l.manage)}/fresh` });
    expect(fresh.statusCode).toBe(200);
    // the fresh link goes out through the app's relay, to the address the mailing was sent to
    const mails = rx.received.filter(
      (m) => m.to[0] === 'p2@example.test' && String(m.raw).includes('manage your subscriptions'),
    );
    expect(mails).toHaveLength(1);
    const freshUrl = /http:\/\/localhost:3000(\/t\/m\/[\w.-]+)/.exec(
      String((await simpleParser((mails[0] as Received).raw)).text),
    )?.[1] as string;
    expect(freshUrl).not.toBe(path(l.manage));
    expect((await t.app.inject({ method: 'GET', url: freshUrl })).statusCode).toBe(200);
  });

  it('view online: the message as the recipient got it, with their merge values and their own tracked links', async () => {
    const { messages } = await sendMailing('News 8', offers);
    const l = await linksOf(messages.find((m) => m.to[0] === 'p1@example.test') as Received);
    const token = /\/t\/c\/([^/]+)\//.exec(l.pixel)?.[1] as string;
    const page = await t.app.inject({ method: 'GET', url: `/t/v/${token}` });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('Dear First1');
    expect(page.body).toContain(`/t/c/${token}/1`);
    expect((await t.app.inject({ method: 'GET', url: `/t/v/${token.slice(0, -3)}xyz` })).statusCode).toBe(
      404,
    );
  });

  it('a token spelled another way for the same bytes (the last MAC character, a trailing "=") is a plain 404 on every public page', async () => {
    const { id, messages } = await sendMailing('News 8b', offers);
    const l = await linksOf(messages.find((m) => m.to[0] === 'p2@example.test') as Received);
    const token = l.token;
    // 22 MAC characters carry 132 bits, decoding keeps 128: the low 4 bits of the last are unread
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const i = alphabet.indexOf(token.at(-1) as string);
    const twin = token.slice(0, -1) + (alphabet[(i & 0b110000) | ((i + 1) & 0b001111)] as string);
    const mac = (x: string) => Buffer.from(x.slice(x.lastIndexOf('.') + 1), 'base64url');
    expect(mac(twin)).toEqual(mac(token));
    expect((await t.app.inject({ method: 'GET', url: `/t/v/${token}` })).statusCode).toBe(200);
    for (const other of [twin, `${token}=`])
      for (const url of [`/t/v/${other}`, `/t/u/${other}`, `/t/m/${other}`, `/t/c/${other}/1`]) {
        const r = await t.app.inject({ method: 'GET', url, headers: human });
        expect(r.statusCode, url).toBe(404);
      }
    // and nothing was counted for the misspelt click
    const clicks = await t.services.db
      .selectFrom('tracking_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('mailing_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(Number(clicks.n)).toBe(0);
  });

  it('link actions run on a human click: text page, person field, interests, selection, project, follow-up task; never for a machine', async () => {
    const s = t.services;
    const target = await s.selections.create({ name: 'Interested', kind: 'static' }, admin);
    const project = await s.projects.create({ name: 'Leads' }, admin);
    const link = await s.trackedLinks.create(
      {
        name: 'Offer',
        url: 'https://example.com/offer',
        actions: [
          { type: 'textPage', text: 'Thank you <for> your interest' },
          { type: 'setPersonField', field: 'title', value: 'Interested in offers' },
          { type: 'setInterest', interest: 'Offers' },
          { type: 'addToSelection', selectionId: target.id },
          { type: 'addToProject', projectId: project.id },
          { type: 'createFollowUpTask', text: 'Call about the offer' },
        ],
      },
      admin,
    );
    const m = await s.mailings.create({ name: 'Actions', channel: 'email' }, admin);
    await s.mailings.update(
      m.id,
      {
        selectionId: allId,
        subscriptionTypeId: offers,
        setup: {
          subject: 'Offer',
          from: { name: 'News', address: 'news@posthorn.test' },
          trackedLinkIds: [link.id],
        },
        content: {
          format: 'html',
          source: '<html><body><a href="https://example.com/offer">Offer</a></body></html>',
        },
      },
      admin,
    );
    await s.mailings.chooseTemplate(m.id, { blank: true }, admin);
    await s.recipients.build(m.id, admin);
    const before = rx.received.length;
    await s.sending.send(m.id, admin);
    for (let k = 0; k < 100; k++) if ((await workers.worker.tick()) === 0) break;
    clock.advance(60_000);
    const sent = rx.received.slice(before);
    const l3 = await linksOf(sent.find((x) => x.to[0] === 'p3@example.test') as Received);
    const l4 = await linksOf(sent.find((x) => x.to[0] === 'p4@example.test') as Received);
    // a scanner (HEAD) first: counted, nothing changes
    await t.app.inject({ method: 'HEAD', url: path(l4.click(1)), headers: human });
    const page = await t.app.inject({ method: 'GET', url: path(l3.click(1)), headers: human });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Thank you &#60;for&#62; your interest');
    const p3 = await s.persons.get(persons[3] as number);
    expect(p3.title).toBe('Interested in offers');
    expect(p3.interests).toContain('Offers');
    expect((await s.selections.members(target.id, { limit: 10, offset: 0 })).items.map((x) => x.id)).toEqual([
      persons[3],
    ]);
    expect(
      (await s.projects.members(project.id, { limit: 10, offset: 0 })).items.map((x) => x.personId),
    ).toEqual([persons[3]]);
    const tasks = await s.db.selectFrom('tasks').selectAll().execute();
    expect(tasks).toMatchObject([{ person_id: persons[3], mailing_id: m.id, title: 'Call about the offer' }]);
    expect((await s.persons.get(persons[4] as number)).title).toBeNull();
  });

  it('read status: the first human open or click moves sent → read (also delivered → read); a machine open does not', async () => {
    const { id, messages } = await sendMailing('News read', offers);
    clock.advance(60_000);
    const [a, b, c] = await Promise.all(messages.slice(0, 3).map((m) => linksOf(m)));
    if (!a || !b || !c) throw new Error('messages missing');
    const statusOf = async (to: string) =>
      (
        await t.services.db
          .selectFrom('recipients')
          .select(['status', 'status_at', 'first_read_at'])
          .where('mailing_id', '=', id)
          .where('address', '=', to)
          .executeTakeFirstOrThrow()
      ).status;
    // a mail privacy proxy fetching the pixel is no reader
    await t.app.inject({ method: 'GET', url: path(c.pixel), headers: { 'user-agent': 'Mozilla/5.0' } });
    expect(await statusOf(c.to)).toBe('sent');
    // b was confirmed delivered first (a DSN), then clicked by a person
    const returnPath = /^bounces\+(.+)@/.exec(b.returnPath)?.[1] ?? '';
    await t.services.bounces.ingest(
      {
        kind: 'delivered',
        format: 'test',
        recipient: null,
        status: '2.0.0',
        code: null,
        diagnostic: 'delivered (scripted)',
        addressedTo: [],
        originalMessageId: null,
        originalTokens: [returnPath],
      },
      'webhook',
    );
    expect(await statusOf(b.to)).toBe('delivered');
    clock.advance(60_000);
    const openedAt = clock.now();
    await t.app.inject({ method: 'GET', url: path(a.pixel), headers: human });
    await t.app.inject({ method: 'GET', url: path(b.click(1)), headers: human });
    expect(await statusOf(a.to)).toBe('read');
    expect(await statusOf(b.to)).toBe('read');
    const row = await t.services.db
      .selectFrom('recipients')
      .select(['status_at', 'first_read_at'])
      .where('mailing_id', '=', id)
      .where('address', '=', a.to)
      .executeTakeFirstOrThrow();
    expect(Number(row.status_at)).toBe(openedAt);
    // a second open changes nothing more
    await t.app.inject({ method: 'GET', url: path(a.pixel), headers: human });
    const summary = await t.services.recipients.summary(id);
    expect(summary.byStatus).toEqual({ sent: messages.length - 2, read: 2 });
    const rows = await t.services.db
      .selectFrom('recipients')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('mailing_id', '=', id)
      .groupBy('status')
      .execute();
    expect(Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]))).toEqual(summary.byStatus);
    const read = await t.app.inject({
      method: 'GET',
      url: `/api/v1/mailings/${id}/followup/recipients?status=read`,
      headers: { authorization: `Bearer ${t.adminKey}` },
    });
    expect(
      read
        .json()
        .items.map((r: { address: string }) => r.address)
        .sort(),
    ).toEqual([a.to, b.to].sort());
    // a reader received it ("received mailing X" selects them) and can still complain
    const received = await t.services.selections.countCriteria(
      { type: 'engagement', event: 'received', mailingId: id, is: true },
      'persons',
    );
    expect(received).toBe(messages.length);
    const aReturnPath = /^bounces\+(.+)@/.exec(a.returnPath)?.[1] ?? '';
    await t.services.bounces.ingest(
      {
        kind: 'complaint',
        format: 'test',
        recipient: null,
        status: null,
        code: null,
        diagnostic: 'complaint (scripted)',
        addressedTo: [],
        originalMessageId: null,
        originalTokens: [aReturnPath],
      },
      'webhook',
    );
    expect(await statusOf(a.to)).toBe('complained');
    expect((await t.services.recipients.summary(id)).byStatus).toEqual({
      sent: messages.length - 2,
      read: 1,
      complained: 1,
    });
  });

  it('group commit: 300 concurrent opens are all acknowledged and all stored, and the counters agree', async () => {
    const { id, messages } = await sendMailing('News 7', offers);
    clock.advance(60_000);
    const all = await Promise.all(messages.map((m) => linksOf(m)));
    const requests = Array.from({ length: 300 }, (_, k) =>
      t.app.inject({
        method: 'GET',
        url: path((all[k % all.length] as { pixel: string }).pixel),
        headers: human,
      }),
    );
    const answers = await Promise.all(requests);
    expect(answers.every((r) => r.statusCode === 200)).toBe(true);
    const n = await t.services.db
      .selectFrom('tracking_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('mailing_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(300);
    const stats = await t.services.db
      .selectFrom('mailing_stats')
      .selectAll()
      .where('mailing_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(stats).toMatchObject({ opens: 300, readers: all.length });
    // every reader moved to read once, and the stored counts followed in the same commits
    const byStatus = (await t.services.recipients.summary(id)).byStatus;
    expect(byStatus.read).toBe(all.length);
    expect(byStatus.sent).toBeUndefined();
  });
});
