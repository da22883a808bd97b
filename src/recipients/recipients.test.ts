import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../../test/helpers/databases.js';
import { admin, openTestServices } from '../../test/helpers/services.js';
import { systemActor } from '../core/index.js';
import type { Services } from '../services.js';

/** An actor who prepares mailings but lacks the overrideConsent right. */
const marketer = systemActor('marketer', ['viewCrm', 'editCrm', 'editMailings', 'sendMailings']);

describe.each(engines)('recipients (PRODUCT.md §8) on %s', (engine) => {
  let s: Services;
  let dispose: () => Promise<void>;
  let newsletter: number;
  const ids: Record<string, number> = {};
  let everyone: number;
  let project: number;
  let companyWithEmail: number;
  let companyWithout: number;
  let companySelection: number;

  async function person(
    key: string,
    input: {
      email?: string;
      mobile?: string;
      consent?: 'consent' | 'withdrawn' | null;
      subscribed?: boolean;
      noMailings?: boolean;
      companyId?: number;
      city?: string;
    },
  ): Promise<void> {
    const p = await s.persons.create(
      {
        firstName: key,
        lastName: 'Test',
        emails: input.email ? [input.email] : [],
        mobile: input.mobile ?? null,
        companyId: input.companyId ?? null,
        city: input.city ?? null,
        noMailings: input.noMailings ?? false,
      },
      admin,
    );
    ids[key] = p.id;
    if (input.consent !== null)
      await s.preferences.recordConsent(
        p.id,
        { purpose: 'emarketing', legalBasis: input.consent ?? 'consent', source: 'test' },
        admin,
      );
    if (input.subscribed !== false)
      await s.preferences.setSubscription(p.id, newsletter, { status: 'active', source: 'test' }, admin);
  }

  beforeAll(async () => {
    const t = await openTestServices(engine);
    s = t.services;
    dispose = t.database.dispose;
    newsletter = (await s.preferences.createSubscriptionType({ name: 'Newsletter' }, admin)).id;
    await s.preferences.createSubscriptionType({ name: 'Events' }, admin);
    companyWithEmail = (
      await s.companies.create({ name: 'Mail AS', email: 'post@mail.no', city: 'Oslo' }, admin)
    ).id;
    companyWithout = (await s.companies.create({ name: 'Quiet AS' }, admin)).id;
    await person('kari', { email: 'kari@example.no', mobile: '+4791234567' });
    await person('ola', { email: 'ola@example.no', consent: null });
    await person('per', { email: 'per@example.no', subscribed: false });
    await person('nils', { consent: 'consent' });
    await person('bo', { email: 'bo@example.no' });
    await person('cato', { email: 'cato@example.no' });
    await person('dag', { email: 'dag@example.no', noMailings: true });
    await person('eva', { email: 'eva@example.no', consent: 'withdrawn' });
    await person('twin', { email: 'KARI@example.no', mobile: '91234567' });
    await person('worker', { email: 'worker@mail.no', companyId: companyWithEmail });
    await person('quiet', { email: 'quiet@quiet.no', companyId: companyWithout });
    const now = Date.now();
    await s.db
      .insertInto('blocked_addresses')
      .values([
        {
          address_key: 'bo@example.no',
          address: 'bo@example.no',
          channel: 'email',
          reason: 'hardBounce',
          code: '5.1.1',
          diagnostic: null,
          blocked_at: now,
        },
        {
          address_key: 'cato@example.no',
          address: 'cato@example.no',
          channel: 'email',
          reason: 'complaint',
          code: null,
          diagnostic: null,
          blocked_at: now,
        },
      ])
      .execute();
    const all = await s.selections.create({ name: 'Everyone', kind: 'static' }, admin);
    everyone = all.id;
    await s.selections.addMembers(
      everyone,
      ['kari', 'ola', 'per', 'nils', 'bo', 'cato', 'dag', 'eva'].map((k) => ids[k] as number),
      admin,
    );
    project = (await s.projects.create({ name: 'Fair' }, admin)).id;
    await s.projects.addMembers(project, { personIds: [ids.per as number, ids.ola as number] }, admin);
    companySelection = (
      await s.selections.create({ name: 'Companies', kind: 'static', memberType: 'companies' }, admin)
    ).id;
    await s.selections.addMembers(companySelection, [companyWithEmail, companyWithout], admin);
  });
  afterAll(async () => dispose());

  async function emailMailing(patch: Parameters<Services['mailings']['update']>[1] = {}) {
    const m = await s.mailings.create({ name: 'Test', channel: 'email' }, admin);
    await s.mailings.update(m.id, { subscriptionTypeId: newsletter, ...patch }, admin);
    return m.id;
  }

  async function statusOf(mailingId: number): Promise<Record<string, string>> {
    const page = await s.recipients.list(mailingId, { limit: 500 });
    const out: Record<string, string> = {};
    for (const r of page.items) {
      const key = Object.entries(ids).find(([, id]) => id === r.personId)?.[0] ?? r.name;
      out[key] = r.reason ? `${r.status}:${r.reason}${r.overridden ? '(overridden)' : ''}` : r.status;
    }
    return out;
  }

  it('Setup link rule: a linked selection is the source', async () => {
    const id = await emailMailing({ selectionId: everyone });
    await s.recipients.build(id, admin);
    const st = await statusOf(id);
    expect(Object.keys(st).sort()).toEqual(['bo', 'cato', 'dag', 'eva', 'kari', 'nils', 'ola', 'per']);
  });

  it('Setup link rule: a linked project is the source when no selection is linked', async () => {
    const id = await emailMailing({ projectId: project });
    await s.recipients.build(id, admin);
    expect(Object.keys(await statusOf(id)).sort()).toEqual(['ola', 'per']);
  });

  it('Setup link rule: with both linked only the selection is a source', async () => {
    const small = await s.selections.create({ name: 'Only Kari', kind: 'static' }, admin);
    await s.selections.addMembers(small.id, [ids.kari as number], admin);
    const id = await emailMailing({ projectId: project, selectionId: small.id });
    await s.recipients.build(id, admin);
    expect(Object.keys(await statusOf(id))).toEqual(['kari']);
    const sources = await s.recipients.listSources(id);
    expect(sources).toEqual([
      expect.objectContaining({ kind: 'selection', origin: 'setup', refId: small.id }),
    ]);
  });

  it('sources added in the Recipients step are a plain union with the Setup source', async () => {
    const small = await s.selections.create({ name: 'Kari again', kind: 'static' }, admin);
    await s.selections.addMembers(small.id, [ids.kari as number], admin);
    const id = await emailMailing({ selectionId: small.id });
    await s.recipients.addSource(id, { kind: 'project', projectId: project }, admin);
    expect(Object.keys(await statusOf(id)).sort()).toEqual(['kari', 'ola', 'per']);
  });

  it('the filter pipeline gives every block reason, and counts them', async () => {
    const id = await emailMailing({ selectionId: everyone });
    await s.recipients.build(id, admin);
    expect(await statusOf(id)).toEqual({
      kari: 'ready',
      ola: 'blocked:noConsent',
      per: 'blocked:noSubscription',
      nils: 'blocked:invalidAddress',
      bo: 'blocked:blockedAddress',
      cato: 'blocked:complained',
      dag: 'blocked:noConsent',
      eva: 'blocked:noConsent',
    });
    const summary = await s.recipients.summary(id);
    expect(summary).toMatchObject({
      total: 8,
      byStatus: { ready: 1, blocked: 7 },
      byReason: { noConsent: 3, noSubscription: 1, invalidAddress: 1, blockedAddress: 1, complained: 1 },
      stale: false,
    });
    const blocked = await s.recipients.list(id, { status: 'blocked', reason: 'noConsent' });
    expect(blocked.total).toBe(3);
  });

  it('valid address per channel: SMS needs a valid mobile, documents a postal address', async () => {
    const sms = await s.mailings.create({ name: 'SMS', channel: 'sms' }, admin);
    await s.mailings.update(sms.id, { selectionId: everyone, subscriptionTypeId: newsletter }, admin);
    await s.recipients.build(sms.id, admin);
    const st = await statusOf(sms.id);
    expect(st.kari).toBe('ready');
    expect(st.per).toBe('blocked:invalidAddress');
    const doc = await s.mailings.create({ name: 'Letter', channel: 'document' }, admin);
    const sel = await s.selections.create({ name: 'Letter people', kind: 'static' }, admin);
    await s.selections.addMembers(sel.id, [ids.kari as number, ids.worker as number], admin);
    await s.mailings.update(doc.id, { selectionId: sel.id, subscriptionTypeId: newsletter }, admin);
    await s.recipients.build(doc.id, admin);
    // worker's address falls back to the company's (Oslo); Kari has none
    const d = await statusOf(doc.id);
    expect(d).toEqual({ kari: 'blocked:invalidAddress', worker: 'ready' });
  });

  it('privacy filter off: consent and subscription are not required, steps 1–3 still apply', async () => {
    await s.settings.update({ privacyFilter: false }, admin);
    try {
      const id = await emailMailing({ selectionId: everyone });
      await s.recipients.build(id, admin);
      const st = await statusOf(id);
      expect(st.ola).toBe('ready');
      expect(st.per).toBe('ready');
      expect(st.dag).toBe('blocked:noConsent');
      expect(st.eva).toBe('blocked:noConsent');
      expect(st.bo).toBe('blocked:blockedAddress');
    } finally {
      await s.settings.update({ privacyFilter: true }, admin);
    }
  });

  it('override consent with the right: step 4 rows are sent, shown as overridden; steps 1–3 never', async () => {
    const id = await emailMailing({ selectionId: everyone, recipientOptions: { overrideConsent: true } });
    await s.recipients.build(id, admin);
    const st = await statusOf(id);
    expect(st.ola).toBe('ready:noConsent(overridden)');
    expect(st.per).toBe('ready:noSubscription(overridden)');
    expect(st.dag).toBe('blocked:noConsent');
    expect(st.eva).toBe('blocked:noConsent');
    expect(st.bo).toBe('blocked:blockedAddress');
    expect(st.cato).toBe('blocked:complained');
    expect(st.nils).toBe('blocked:invalidAddress');
    const summary = await s.recipients.summary(id);
    expect(summary.overridden).toEqual({ noConsent: 1, noSubscription: 1 });
  });

  it('override consent without the right is refused', async () => {
    const id = await emailMailing({ selectionId: everyone });
    await expect(
      s.mailings.update(id, { recipientOptions: { overrideConsent: true } }, marketer),
    ).rejects.toMatchObject({
      code: 'OVERRIDE_CONSENT_NOT_ALLOWED',
    });
  });

  it('one message per address: the same address from two sources is a duplicate, the first source wins', async () => {
    const first = await s.selections.create({ name: 'Twin first', kind: 'static' }, admin);
    await s.selections.addMembers(first.id, [ids.twin as number], admin);
    const id = await emailMailing({ selectionId: first.id });
    const second = await s.selections.create({ name: 'Kari second', kind: 'static' }, admin);
    await s.selections.addMembers(second.id, [ids.kari as number], admin);
    await s.recipients.addSource(id, { kind: 'selection', selectionId: second.id }, admin);
    // e-mail compared case-insensitively: KARI@ and kari@ are one address
    expect(await statusOf(id)).toEqual({ twin: 'ready', kari: 'blocked:duplicate' });
    await s.mailings.update(id, { recipientOptions: { onePerAddress: false } }, admin);
    await s.recipients.build(id, admin);
    expect(await statusOf(id)).toEqual({ twin: 'ready', kari: 'ready' });
  });

  it('one message per address for SMS compares E.164 numbers', async () => {
    const sel = await s.selections.create({ name: 'Mobiles', kind: 'static' }, admin);
    await s.selections.addMembers(sel.id, [ids.kari as number, ids.twin as number], admin);
    const sms = await s.mailings.create({ name: 'SMS twins', channel: 'sms' }, admin);
    await s.mailings.update(sms.id, { selectionId: sel.id, subscriptionTypeId: newsletter }, admin);
    await s.recipients.build(sms.id, admin);
    expect(await statusOf(sms.id)).toEqual({ kari: 'ready', twin: 'blocked:duplicate' });
  });

  it('the same person from two sources is one recipient', async () => {
    const id = await emailMailing({ selectionId: everyone });
    await s.recipients.addSource(id, { kind: 'persons', personIds: [ids.kari as number] }, admin);
    const page = await s.recipients.list(id, { limit: 100 });
    expect(page.items.filter((r) => r.personId === ids.kari)).toHaveLength(1);
  });

  it('include companies on a company selection: each company with an e-mail too, its persons kept; prefer company: the company instead, one without falls back to its persons', async () => {
    await s.settings.update({ privacyFilter: false }, admin);
    try {
      const id = await emailMailing({
        selectionId: companySelection,
        recipientOptions: { includeCompanies: true },
      });
      await s.recipients.build(id, admin);
      expect(await statusOf(id)).toEqual({ 'Mail AS': 'ready', worker: 'ready', quiet: 'ready' });
      await s.mailings.update(id, { recipientOptions: { preferCompany: true } }, admin);
      await s.recipients.build(id, admin);
      expect(await statusOf(id)).toEqual({ 'Mail AS': 'ready', quiet: 'ready' });
      // without the company options: the persons of both companies
      await s.mailings.update(id, { recipientOptions: { preferCompany: false } }, admin);
      await s.mailings.update(id, { recipientOptions: { includeCompanies: false } }, admin);
      await s.recipients.build(id, admin);
      expect(await statusOf(id)).toEqual({ worker: 'ready', quiet: 'ready' });
    } finally {
      await s.settings.update({ privacyFilter: true }, admin);
    }
  });

  it('prefer company: one message per company; persons without a company still receive theirs', async () => {
    await s.settings.update({ privacyFilter: false }, admin);
    try {
      const sel = await s.selections.create({ name: 'Mixed', kind: 'static' }, admin);
      await s.selections.addMembers(
        sel.id,
        [ids.worker as number, ids.kari as number, ids.quiet as number],
        admin,
      );
      const id = await emailMailing({ selectionId: sel.id, recipientOptions: { preferCompany: true } });
      await s.recipients.build(id, admin);
      const page = await s.recipients.list(id, { limit: 100 });
      const view = page.items.map((r) => `${r.kind}:${r.address}`).sort();
      expect(view).toEqual(['company:post@mail.no', 'person:kari@example.no', 'person:quiet@quiet.no']);
    } finally {
      await s.settings.update({ privacyFilter: true }, admin);
    }
  });

  it('unregistered import rows are noConsent with the privacy filter on, and recipients with it off', async () => {
    const id = await emailMailing();
    const file = Buffer.from(
      'name;email\nIda Import;ida@example.com\nKari;kari@example.no\nBad;not-an-address\n',
    );
    const r = await s.recipients.addFileSource(id, 'list.csv', file, admin);
    expect(r.accepted).toBe(2);
    expect(r.invalid).toEqual([
      expect.objectContaining({ line: 4, field: 'email', value: 'not-an-address' }),
    ]);
    let page = await s.recipients.list(id, { limit: 10 });
    expect(page.items.map((x) => [x.kind, x.name, x.status, x.reason])).toEqual([
      ['unregistered', 'Ida Import', 'blocked', 'noConsent'],
      ['person', 'kari Test', 'ready', null],
    ]);
    const summary = await s.recipients.summary(id);
    expect(summary.byReason.invalidAddress).toBe(1);
    await s.settings.update({ privacyFilter: false }, admin);
    try {
      await s.recipients.build(id, admin);
      page = await s.recipients.list(id, { limit: 10 });
      expect(page.items[0]).toMatchObject({
        kind: 'unregistered',
        status: 'ready',
        address: 'ida@example.com',
      });
    } finally {
      await s.settings.update({ privacyFilter: true }, admin);
    }
  });

  it('a file source reads the documented forms: email, name+email, and , , mobile for SMS', async () => {
    const sms = await s.mailings.create({ name: 'SMS file', channel: 'sms' }, admin);
    const r = await s.recipients.addFileSource(
      sms.id,
      'm.txt',
      Buffer.from(',,91234567\nPer,,+46701234567\n,,12\n'),
      admin,
    );
    expect(r.accepted).toBe(2);
    expect(r.invalid).toEqual([expect.objectContaining({ line: 3, field: 'mobile' })]);
    const email = await emailMailing();
    const e = await s.recipients.addFileSource(email, 'e.txt', Buffer.from('solo@example.com\n'), admin);
    expect(e.accepted).toBe(1);
  });

  it('bad input: binary in a file, a row with 50 columns, a selection that does not exist', async () => {
    const id = await emailMailing();
    await expect(
      s.recipients.addFileSource(id, 'x.csv', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x01]), admin),
    ).rejects.toMatchObject({
      code: 'FILE_NOT_TEXT',
    });
    const wide = `${Array.from({ length: 50 }, (_, i) => `c${i}`).join(',')}\nok@example.com\n`;
    const r = await s.recipients.addFileSource(id, 'wide.csv', Buffer.from(wide), admin);
    expect(r.invalid[0]).toMatchObject({ line: 1, field: 'row', value: '50 columns' });
    expect(r.accepted).toBe(1);
    await expect(
      s.recipients.addSource(id, { kind: 'selection', selectionId: 999_999 }, admin),
    ).rejects.toMatchObject({
      code: 'SELECTION_NOT_FOUND',
    });
    // nothing stored was corrupted
    expect((await s.recipients.summary(id)).total).toBe(1);
  });

  it('removing a source removes its recipients', async () => {
    const id = await emailMailing();
    const src = await s.recipients.addSource(id, { kind: 'project', projectId: project }, admin);
    expect((await s.recipients.summary(id)).total).toBe(2);
    await s.recipients.removeSource(id, src.id as number, admin);
    expect((await s.recipients.summary(id)).total).toBe(0);
  });

  it('a changed option marks the list stale until it is updated', async () => {
    const id = await emailMailing({ selectionId: everyone });
    await s.recipients.build(id, admin);
    await s.mailings.update(id, { recipientOptions: { updateListWhenSending: true } }, admin);
    expect((await s.recipients.summary(id)).stale).toBe(true);
    await s.recipients.build(id, admin);
    expect((await s.recipients.summary(id)).stale).toBe(false);
    expect((await s.mailings.get(id)).recipientOptions.updateListWhenSending).toBe(true);
  });

  it('a source added to a sending mailing is refused and changes nothing', async () => {
    const id = await emailMailing({ selectionId: everyone });
    await s.recipients.build(id, admin);
    await s.db.updateTable('mailings').set({ state: 'sending' }).where('id', '=', id).execute();
    await expect(
      s.recipients.addSource(id, { kind: 'project', projectId: project }, admin),
    ).rejects.toMatchObject({
      code: 'MAILING_NOT_EDITABLE',
    });
    expect((await s.recipients.summary(id)).total).toBe(8);
    expect(await s.recipients.listSources(id)).toHaveLength(1);
  });

  it('a dynamic selection is evaluated when the list is built', async () => {
    const dyn = await s.selections.create(
      {
        name: 'Dynamic',
        kind: 'dynamic',
        criteria: { type: 'field', entity: 'person', field: 'firstName', op: 'eq', value: 'kari' },
      },
      admin,
    );
    const id = await emailMailing({ selectionId: dyn.id });
    await s.recipients.build(id, admin);
    expect(Object.keys(await statusOf(id))).toEqual(['kari']);
  });
});
