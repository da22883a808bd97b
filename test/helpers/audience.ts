import { simpleParser } from 'mailparser';
import { startWorkers, type Workers } from '../../src/app.js';
import type { ManualClock } from '../../src/core/index.js';
import type { Services } from '../../src/services.js';
import { openTestApp, type TestApp } from './app.js';
import { insertPersons } from './persons.js';
import { admin } from './services.js';
import { type Received, receiver } from './smtp.js';

/** n persons with e-marketing consent, subscribed to the given types, all in one static selection. */
export async function audience(
  s: Services,
  n: number,
  typeNames: string[],
): Promise<{ persons: number[]; types: number[]; selectionId: number }> {
  const types: number[] = [];
  for (const name of typeNames) types.push((await s.preferences.createSubscriptionType({ name }, admin)).id);
  const persons = await insertPersons(s.db, n, (i) => `p${i}@example.test`);
  for (const p of persons) {
    await s.preferences.recordConsent(
      p,
      { purpose: 'emarketing', legalBasis: 'consent', source: 'test' },
      admin,
    );
    for (const t of types)
      await s.preferences.setSubscription(p, t, { status: 'active', source: 'test' }, admin);
  }
  const selection = await s.selections.create({ name: 'All', kind: 'static' }, admin);
  await s.selections.addMembers(selection.id, persons, admin);
  return { persons, types, selectionId: selection.id };
}

/**
 * A tracked e-mail mailing (opens, every link, unsubscribe and manage links) to a selection,
 * sent through the workers into the receiver; returns the messages that arrived.
 */
export async function sendTrackedMailing(
  s: Services,
  workers: Workers,
  received: Received[],
  input: { name: string; selectionId: number; subscriptionTypeId: number },
): Promise<{ id: number; messages: Received[] }> {
  const m = await s.mailings.create({ name: input.name, channel: 'email' }, admin);
  await s.mailings.update(
    m.id,
    {
      selectionId: input.selectionId,
      subscriptionTypeId: input.subscriptionTypeId,
      setup: {
        subject: 'Hello [[customer.firstname]]',
        from: { name: 'News', address: 'news@posthorn.test' },
        tracking: { opens: true, allLinks: true },
      },
      content: {
        format: 'html',
        source:
          '<html><body><p>Dear [[customer.firstname]]</p><a href="https://example.com/a">A</a> <a href="https://example.com/b">B</a> <a href="https://example.com/c">C</a> <a href="[[link.subscription]]">Unsubscribe</a> <a href="[[link.manageSubscriptions]]">Manage</a></body></html>',
      },
    },
    admin,
  );
  await s.mailings.chooseTemplate(m.id, { blank: true }, admin);
  await s.recipients.build(m.id, admin);
  const before = received.length;
  await s.sending.send(m.id, admin);
  for (let k = 0; k < 100; k++) if ((await workers.worker.tick()) === 0) break;
  return { id: m.id, messages: received.slice(before) };
}

/** The tracking URLs of a received message, as a mail client would find them. */
export async function trackingLinks(message: Received) {
  const mail = await simpleParser(message.raw);
  const html = String(mail.html);
  const hrefs = [...html.matchAll(/(?:href|src)="(http:\/\/localhost:3000\/t\/[^"]+)"/g)].map(
    (m) => m[1] as string,
  );
  const header = /\r\nList-Unsubscribe: ([^\r]+(?:\r\n[ \t][^\r]+)*)/.exec(String(message.raw))?.[1] ?? '';
  const token = /\/t\/c\/([^/]+)\//.exec(hrefs[0] ?? '')?.[1] ?? '';
  return {
    to: message.to[0] ?? '',
    token,
    returnPath: message.from,
    messageId: mail.messageId ?? '',
    hrefs,
    pixel: hrefs.find((h) => h.endsWith('/0')) as string,
    click: (n: number) => hrefs.find((h) => h.endsWith(`/${n}`)) as string,
    unsubscribe: /<(http[^>]+)>/.exec(header)?.[1] as string,
    mailto: /<mailto:([^>]+)>/.exec(header)?.[1] as string,
    manage: hrefs.find((h) => h.includes('/t/m/')) as string,
    trap: hrefs.find((h) => h.endsWith('/999999')) as string,
  };
}

/** The instance secret of the test services (test/helpers/services.ts): workers sign with it. */
export const testSecret = 'test-instance-secret-that-is-long-enough-0123456789';

export interface SendingFixture {
  t: TestApp;
  clock: ManualClock;
  rx: Awaited<ReturnType<typeof receiver>>;
  workers: Workers;
  dispose(): Promise<void>;
}

/**
 * The real HTTP server and services over a fresh database, a real SMTP receiver, and workers
 * (driven by `tick`) that send into it with the public URL `http://localhost:3000`.
 */
export async function openSendingFixture(
  engine: 'sqlite' | 'postgres',
  bounceDomain = 'bounce.posthorn.test',
): Promise<SendingFixture> {
  const t = await openTestApp(engine);
  const rx = await receiver();
  const workers = startWorkers(t.services, {
    secret: testSecret,
    publicUrl: 'http://localhost:3000',
    bounceDomain,
    smtpUrl: rx.url,
    smtpPoolSize: 2,
    run: false,
  });
  return {
    t,
    clock: t.services.clock as ManualClock,
    rx,
    workers,
    dispose: async () => {
      await workers.stop();
      await rx.close();
      await t.dispose();
    },
  };
}
