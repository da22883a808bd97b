import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../../test/helpers/databases.js';
import { admin, openTestServices } from '../../test/helpers/services.js';
import type { Services } from '../services.js';
import { capabilityMatrix, channels } from './channels.js';
import {
  type MailingAction,
  type MailingState,
  mailingActions,
  mailingStates,
  nextState,
  transitions,
} from './lifecycle.js';

describe('the lifecycle (PRODUCT.md §4)', () => {
  const allowed: Array<[MailingState, MailingAction, MailingState]> = [
    ['draft', 'schedule', 'scheduled'],
    ['scheduled', 'schedule', 'scheduled'],
    ['draft', 'send', 'sending'],
    ['scheduled', 'send', 'sending'],
    ['draft', 'edit', 'draft'],
    ['scheduled', 'edit', 'draft'],
    ['scheduled', 'start', 'sending'],
    ['stopped', 'start', 'sending'],
    ['sending', 'stop', 'stopped'],
    ['sending', 'finish', 'finished'],
    ['finished', 'resend', 'sending'],
    ['stopped', 'resend', 'sending'],
    ['scheduled', 'cancel', 'cancelled'],
    ['sending', 'cancel', 'cancelled'],
    ['stopped', 'cancel', 'cancelled'],
    ['draft', 'activate', 'active'],
    ['active', 'deactivate', 'draft'],
  ];
  it.each(allowed)('%s --%s--> %s', (from, action, to) => {
    expect(nextState(from, action)).toBe(to);
  });

  it('every other transition is refused with a stable code', () => {
    let refused = 0;
    for (const state of mailingStates) {
      for (const action of mailingActions) {
        if (transitions[action][state]) continue;
        refused += 1;
        expect(() => nextState(state, action)).toThrowError(
          expect.objectContaining({
            code: action === 'edit' ? 'MAILING_NOT_EDITABLE' : 'MAILING_TRANSITION_REFUSED',
          }),
        );
      }
    }
    expect(refused + allowed.length).toBe(mailingStates.length * mailingActions.length);
  });
});

describe('the capability matrix (PRODUCT.md §3)', () => {
  it('is decided for every channel and capability', () => {
    for (const c of channels) expect(Object.keys(capabilityMatrix[c]).length).toBe(12);
    expect(capabilityMatrix.sms.trackedLinks).toBe(false);
    expect(capabilityMatrix.document.fileImport).toBe(false);
    expect(capabilityMatrix.formResponse.recipientSources).toBe(false);
  });
});

describe.each(engines)('mailings on %s', (engine) => {
  let s: Services;
  let dispose: () => Promise<void>;
  let newsletter: number;
  let personId: number;

  beforeAll(async () => {
    const t = await openTestServices(engine);
    s = t.services;
    dispose = t.database.dispose;
    newsletter = (await s.preferences.createSubscriptionType({ name: 'Newsletter' }, admin)).id;
    const c = await s.companies.create(
      { name: 'Fjord & <Fisk>', city: 'Bergen', street: 'Bryggen 1', postcode: '5003' },
      admin,
    );
    const p = await s.persons.create(
      {
        firstName: 'Kari',
        lastName: '<b>Nordmann</b>',
        emails: ['kari@example.no'],
        mobile: '+4791234567',
        companyId: c.id,
        salutation: 'Ms',
      },
      admin,
    );
    personId = p.id;
    await s.preferences.recordConsent(
      p.id,
      { purpose: 'emarketing', legalBasis: 'consent', source: 'test' },
      admin,
    );
    await s.preferences.setSubscription(p.id, newsletter, { status: 'active', source: 'test' }, admin);
  });
  afterAll(async () => dispose());

  async function readyEmail(
    source = '<mjml><mj-body><mj-section><mj-column><mj-text>Hi [[customer.firstname]] <a href="https://example.com/a">A</a> <a href="[[link.subscription]]">Unsubscribe</a></mj-text></mj-column></mj-section></mj-body></mjml>',
  ) {
    const m = await s.mailings.create({ name: 'News', channel: 'email' }, admin);
    await s.mailings.update(
      m.id,
      {
        subscriptionTypeId: newsletter,
        setup: {
          subject: 'News for [[customer.firstname]]',
          preheader: 'Pre',
          from: { address: 'news@posthorn.example', name: 'News' },
        },
        content: { format: 'mjml', source },
      },
      admin,
    );
    await s.mailings.chooseTemplate(m.id, { blank: true }, admin);
    await s.recipients.addSource(m.id, { kind: 'persons', personIds: [personId] }, admin);
    return m.id;
  }

  it('capability: an SMS mailing refuses tracking, attachments and include companies with a clear code', async () => {
    const m = await s.mailings.create({ name: 'SMS', channel: 'sms' }, admin);
    await expect(
      s.mailings.update(m.id, { setup: { tracking: { allLinks: true } } }, admin),
    ).rejects.toMatchObject({
      code: 'CHANNEL_CAPABILITY_MISSING',
      details: { channel: 'sms', capability: 'trackedLinks' },
    });
    await expect(
      s.mailings.addAttachment(m.id, 'a.pdf', 'application/pdf', Buffer.from('x'), admin),
    ).rejects.toMatchObject({
      code: 'CHANNEL_CAPABILITY_MISSING',
    });
    await expect(
      s.mailings.update(m.id, { recipientOptions: { includeCompanies: true } }, admin),
    ).rejects.toMatchObject({
      code: 'CHANNEL_CAPABILITY_MISSING',
    });
    const doc = await s.mailings.create({ name: 'Letter', channel: 'document' }, admin);
    await expect(
      s.recipients.addFileSource(doc.id, 'a.csv', Buffer.from('a@b.no'), admin),
    ).rejects.toMatchObject({
      code: 'CHANNEL_CAPABILITY_MISSING',
    });
    const form = await s.mailings.create({ name: 'Thanks', channel: 'formResponse' }, admin);
    await expect(
      s.recipients.addSource(form.id, { kind: 'persons', personIds: [personId] }, admin),
    ).rejects.toMatchObject({
      code: 'CHANNEL_CAPABILITY_MISSING',
    });
    expect((await s.mailings.steps(form.id)).map((x) => x.step)).toEqual(['setup', 'template', 'content']);
  });

  it('wizard steps report what is missing, and are complete once everything is there', async () => {
    const m = await s.mailings.create({ name: 'Blank', channel: 'email' }, admin);
    const steps = await s.mailings.steps(m.id);
    expect(steps.map((x) => [x.step, x.complete])).toEqual([
      ['setup', false],
      ['template', false],
      ['content', false],
      ['recipients', false],
      ['confirm', false],
    ]);
    expect(steps[0]?.errors.map((e) => e.field)).toEqual(['setup.subject', 'setup.from.address']);
    expect(steps[2]?.errors.map((e) => e.code)).toEqual(['CONTENT_EMPTY']);
    await expect(s.mailings.requireComplete(m.id)).rejects.toMatchObject({ code: 'MAILING_INCOMPLETE' });
    const id = await readyEmail();
    const done = await s.mailings.steps(id);
    expect(done.every((x) => x.complete)).toBe(true);
    await s.mailings.requireComplete(id);
  });

  it('creating from a template skips the Template step and takes its setup and content', async () => {
    const starters = await s.templates.list({ limit: 50, offset: 0, channel: 'email' });
    const newsletterStarter = starters.items.find((t) => t.name === 'Newsletter');
    if (!newsletterStarter) throw new Error('no starter');
    const m = await s.mailings.create(
      { name: 'From starter', channel: 'email', templateId: newsletterStarter.id },
      admin,
    );
    const steps = await s.mailings.steps(m.id);
    expect(steps.find((x) => x.step === 'template')?.complete).toBe(true);
    expect((m.setup as { subject: string }).subject).toContain('[[customer.firstname]]');
  });

  it('the starter library: three e-mail templates, one SMS and one letter; e-mails carry an unsubscribe link and render cleanly', async () => {
    const all = await s.templates.list({ limit: 50, offset: 0 });
    const starters = all.items.filter((t) => t.starter);
    expect(
      starters
        .filter((t) => t.channel === 'email')
        .map((t) => t.name)
        .sort(),
    ).toEqual(['Invitation', 'Newsletter', 'Plain letter']);
    expect(starters.filter((t) => t.channel === 'sms')).toHaveLength(1);
    expect(starters.filter((t) => t.channel === 'document')).toHaveLength(1);
    for (const t of starters) {
      const m = await s.mailings.create({ name: t.name, channel: t.channel, templateId: t.id }, admin);
      await s.mailings.update(m.id, { subscriptionTypeId: newsletter }, admin);
      const findings = await s.mailings.auditContent(m.id);
      expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
      if (t.channel === 'email')
        expect(findings.map((f) => f.code)).not.toContain('MISSING_UNSUBSCRIBE_LINK');
    }
    await expect(s.templates.update(starters[0]?.id ?? 0, { name: 'x' }, admin)).rejects.toMatchObject({
      code: 'TEMPLATE_IS_STARTER',
    });
  });

  it('templates: create, copy, export and import as JSON', async () => {
    const t = await s.templates.create(
      {
        name: 'Mine',
        channel: 'sms',
        setup: { sender: 'Shop' },
        content: { text: 'Hi [[customer.firstname]]' },
      },
      admin,
    );
    const copy = await s.templates.copy(t.id, admin);
    expect(copy.name).toBe('Copy of Mine');
    const exported = await s.templates.export(t.id);
    const imported = await s.templates.import(JSON.parse(JSON.stringify(exported)), admin);
    expect(imported).toMatchObject({
      name: 'Mine',
      channel: 'sms',
      content: { text: 'Hi [[customer.firstname]]' },
    });
    await expect(s.templates.import({ name: 'x' }, admin)).rejects.toMatchObject({
      code: 'TEMPLATE_IMPORT_INVALID',
    });
  });

  it('content is rendered once per version; links get stable numbers and UTM tags', async () => {
    const id = await readyEmail();
    await s.mailings.update(
      id,
      { setup: { tracking: { utm: { enabled: true, source: 'posthorn', campaign: 'spring' } } } },
      admin,
    );
    const r1 = await s.mailings.rendered(id);
    expect(r1.html).toContain('href="[[#link:1]]"');
    expect(r1.html).toContain('[[#link:0]]'); // the open pixel
    expect(r1.html).toContain('href="[[link.subscription]]"'); // special links are per-recipient merge values
    expect(r1.text).toContain('Hi [[customer.firstname]]');
    expect(r1.links).toEqual([
      expect.objectContaining({
        n: 1,
        url: 'https://example.com/a',
        targetUrl: 'https://example.com/a?utm_medium=email&utm_source=posthorn&utm_campaign=spring',
      }),
    ]);
    expect(await s.mailings.rendered(id)).toEqual(r1);
    await s.mailings.update(
      id,
      {
        content: {
          format: 'html',
          source:
            '<html><body><a href="https://example.com/b">B</a><a href="https://example.com/a">A</a></body></html>',
        },
      },
      admin,
    );
    const r2 = await s.mailings.rendered(id);
    expect(r2.version).toBe(r1.version + 1);
    expect(r2.links.map((l) => [l.n, l.url])).toEqual([
      [1, 'https://example.com/a'],
      [2, 'https://example.com/b'],
    ]);
  });

  it('a registered tracked link is tracked by name even when track-all-links is off', async () => {
    const link = await s.trackedLinks.create({ name: 'Shop', url: 'https://shop.example.com/' }, admin);
    const id = await readyEmail(
      '<html><body><a href="https://shop.example.com/">Shop</a> <a href="https://other.example.com/">Other</a></body></html>',
    );
    await s.mailings.update(
      id,
      {
        setup: { tracking: { allLinks: false }, trackedLinkIds: [link.id] },
        content: {
          format: 'html',
          source:
            '<html><body><a href="https://shop.example.com/">Shop</a> <a href="https://other.example.com/">Other</a></body></html>',
        },
      },
      admin,
    );
    const links = await s.mailings.links(id);
    expect(links).toEqual([
      expect.objectContaining({ url: 'https://shop.example.com/', name: 'Shop', trackedLinkId: link.id }),
    ]);
  });

  it('the audit names each finding and where it is', async () => {
    const big = `<p>${'x'.repeat(110 * 1024)}</p>`;
    const source = `<html><body>\n<p>[[customer.shoe]]</p>\n<a href="">empty</a> <a href="http://plain.example.com">http</a>\n<img src="a.png">\n${big}</body></html>`;
    const m = await s.mailings.create({ name: 'Audit', channel: 'email' }, admin);
    await s.mailings.update(
      m.id,
      { subscriptionTypeId: newsletter, setup: { subject: 'S' }, content: { format: 'html', source } },
      admin,
    );
    const findings = await s.mailings.auditContent(m.id);
    const byCode = Object.fromEntries(findings.map((f) => [f.code, f]));
    expect(byCode.MERGE_UNKNOWN_TAG).toMatchObject({
      severity: 'error',
      where: { part: 'content', line: 2, column: 4 },
    });
    expect(byCode.MISSING_PREHEADER?.severity).toBe('warning');
    expect(byCode.MISSING_UNSUBSCRIBE_LINK?.severity).toBe('warning');
    expect(byCode.LINK_EMPTY?.where).toMatchObject({ line: 3, element: 'a' });
    expect(byCode.LINK_INSECURE?.where).toMatchObject({ line: 3 });
    expect(byCode.IMAGE_NO_ALT?.where).toMatchObject({ line: 4, element: 'img' });
    expect(byCode.HTML_TOO_LARGE).toBeDefined();
    const steps = await s.mailings.steps(m.id);
    expect(steps.find((x) => x.step === 'content')?.errors[0]).toMatchObject({ code: 'MERGE_UNKNOWN_TAG' });
  });

  it("preview: e-mail with escaped values, what a test send carries: links with the recipient's test token (they work and count nothing)", async () => {
    const id = await readyEmail();
    const r = await s.recipients.list(id, {});
    const recipientId = r.items[0]?.id ?? 0;
    const p = await s.render.preview(id, recipientId);
    if (p.channel !== 'email') throw new Error('email expected');
    expect(p.subject).toBe('News for Kari');
    expect(p.html).toContain('Hi Kari');
    const token = /href="http:\/\/localhost:3000\/t\/c\/([^/"]+)\/1"/.exec(p.html)?.[1] ?? '';
    expect(s.tracking.recipientToken(token)).toEqual({ mailingId: id, recipientId, test: true });
    expect(p.html).toContain(`href="http://localhost:3000/t/u/${token}"`);
    expect(p.text).toContain('Hi Kari');
    expect(p.from).toEqual({ name: 'News', address: 'news@posthorn.example' });
    expect(p.headers['List-Unsubscribe']).toBe(
      `<http://localhost:3000/t/u/${token}>, <mailto:unsubscribe+${token}@localhost>`,
    );
  });

  it('preview: SMS text with encoding and parts; a letter with its frame, also as a one-letter PDF', async () => {
    const sms = await s.mailings.create({ name: 'SMS', channel: 'sms' }, admin);
    await s.mailings.update(
      sms.id,
      { setup: { sender: 'Shop' }, content: { text: 'Hei [[customer.firstname]] – ✓' } },
      admin,
    );
    await s.recipients.addSource(sms.id, { kind: 'persons', personIds: [personId] }, admin);
    const rid = (await s.recipients.list(sms.id, {})).items[0]?.id ?? 0;
    const p = await s.render.preview(sms.id, rid);
    expect(p).toMatchObject({ channel: 'sms', text: 'Hei Kari – ✓', count: { encoding: 'UCS-2', parts: 1 } });
    expect(await s.mailings.smsEstimate(sms.id)).toMatchObject({
      parts: 1,
      recipients: 1,
      estimatedMessages: 1,
    });

    const doc = await s.mailings.create({ name: 'Letter', channel: 'document' }, admin);
    await s.mailings.update(
      doc.id,
      {
        setup: { heading: 'Invitation', ourReference: 'KN/[[customer.lastname]]' },
        content: { body: 'Dear [[customer.firstname]]' },
      },
      admin,
    );
    await s.recipients.addSource(doc.id, { kind: 'persons', personIds: [personId] }, admin);
    const did = (await s.recipients.list(doc.id, {})).items[0]?.id ?? 0;
    const letter = await s.render.preview(doc.id, did);
    expect(letter.channel).toBe('document');
    // never HTML-escaped in text: the name is verbatim
    expect(letter.text).toContain('Our ref.: KN/<b>Nordmann</b>');
    expect(letter.text).toContain('Invitation\n\nDear Kari');
    expect(letter.text).toContain('5003 Bergen');

    // the one-letter PDF is the same letter, through the round's PDF writer
    const pdf = await s.render.previewPdf(doc.id, did);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.subarray(-6).toString('latin1')).toMatch(/%%EOF\s*$/);
    const pdftotext = ['/usr/bin/pdftotext', '/usr/local/bin/pdftotext'].find((p) => existsSync(p));
    if (pdftotext) {
      const text = execFileSync(pdftotext, ['-layout', '-', '-'], { input: pdf, encoding: 'utf8' });
      expect(text).toContain('Dear Kari');
      expect(text).toContain('5003 Bergen');
    } else
      console.warn(
        'SKIPPED: pdftotext (poppler-utils) is not installed: the preview PDF text is not read back',
      );
    await expect(s.render.previewPdf(doc.id, did + 999)).rejects.toMatchObject({
      code: 'RECIPIENT_NOT_FOUND',
    });
    await expect(s.render.previewPdf(sms.id, rid)).rejects.toMatchObject({ code: 'NOT_A_DOCUMENT_MAILING' });
  });

  it('editing a scheduled mailing returns it to draft; a sending one refuses and keeps its content', async () => {
    const id = await readyEmail();
    await s.db
      .updateTable('mailings')
      .set({ state: 'scheduled', scheduled_at: Date.now() + 60_000 })
      .where('id', '=', id)
      .execute();
    const m = await s.mailings.update(id, { name: 'Renamed' }, admin);
    expect(m.state).toBe('draft');
    expect(m.scheduledAt).toBeNull();
    await s.db.updateTable('mailings').set({ state: 'sending' }).where('id', '=', id).execute();
    await expect(
      s.mailings.update(id, { content: { format: 'html', source: 'x' } }, admin),
    ).rejects.toMatchObject({
      code: 'MAILING_NOT_EDITABLE',
    });
    expect((await s.mailings.get(id)).name).toBe('Renamed');
  });

  it('copy mailing, copy to template, delete a draft; a mailing that sent is never deleted', async () => {
    const id = await readyEmail();
    const copy = await s.mailings.copy(id, admin);
    expect(copy).toMatchObject({ name: 'Copy of News', state: 'draft', subscriptionTypeId: newsletter });
    expect((await s.mailings.steps(copy.id)).find((x) => x.step === 'template')?.complete).toBe(true);
    expect(await s.recipients.listSources(copy.id)).toEqual([
      expect.objectContaining({ kind: 'persons', itemCount: 1 }),
    ]);
    const t = await s.mailings.copyToTemplate(id, admin, 'News template');
    expect(t).toMatchObject({
      name: 'News template',
      channel: 'email',
      setup: { subject: 'News for [[customer.firstname]]' },
    });
    await s.mailings.delete(copy.id, admin);
    await expect(s.mailings.get(copy.id)).rejects.toMatchObject({ code: 'MAILING_NOT_FOUND' });
    await s.db
      .updateTable('mailings')
      .set({ state: 'finished', sent_anything: 1 })
      .where('id', '=', id)
      .execute();
    await expect(s.mailings.delete(id, admin)).rejects.toMatchObject({ code: 'MAILING_NOT_DELETABLE' });
    // copying always works
    expect((await s.mailings.copy(id, admin)).state).toBe('draft');
  });

  it('an edit refused for its input leaves a scheduled mailing scheduled; an accepted one returns it to draft', async () => {
    const m = await s.mailings.create({ name: 'Planned', channel: 'email' }, admin);
    const at = Date.now() + 86_400_000;
    await s.db
      .updateTable('mailings')
      .set({ state: 'scheduled', scheduled_at: at })
      .where('id', '=', m.id)
      .execute();
    await expect(s.mailings.update(m.id, { selectionId: 999_999 }, admin)).rejects.toMatchObject({
      code: 'SELECTION_NOT_FOUND',
    });
    await expect(s.mailings.chooseTemplate(m.id, { templateId: 999_999 }, admin)).rejects.toMatchObject({
      code: expect.stringMatching(/NOT_FOUND/),
    });
    expect(await s.mailings.get(m.id)).toMatchObject({ state: 'scheduled', scheduledAt: at });
    await s.mailings.update(m.id, { name: 'Planned, renamed' }, admin);
    expect(await s.mailings.get(m.id)).toMatchObject({
      state: 'draft',
      scheduledAt: null,
      name: 'Planned, renamed',
    });
  });

  it("a mailing appears on its selection's Mailings and its project's Activities", async () => {
    const sel = await s.selections.create({ name: 'Sel', kind: 'static' }, admin);
    const project = await s.projects.create({ name: 'Proj' }, admin);
    const m = await s.mailings.create({ name: 'Linked', channel: 'email' }, admin);
    await s.mailings.update(m.id, { selectionId: sel.id, projectId: project.id }, admin);
    expect((await s.mailings.ofSelection(sel.id, { limit: 10, offset: 0 })).items.map((x) => x.id)).toEqual([
      m.id,
    ]);
    expect((await s.mailings.ofProject(project.id, { limit: 10, offset: 0 })).items.map((x) => x.id)).toEqual(
      [m.id],
    );
    // a summary: what it is and where it stands, not the whole setup and content
    const [summary] = (await s.mailings.ofSelection(sel.id, { limit: 10, offset: 0 })).items;
    expect(Object.keys(summary ?? {}).sort()).toEqual([
      'channel',
      'createdAt',
      'folderId',
      'id',
      'name',
      'projectId',
      'scheduledAt',
      'selectionId',
      'state',
      'updatedAt',
    ]);
  });

  it('bad input: a setup that does not exist, a folder of another kind', async () => {
    const m = await s.mailings.create({ name: 'Bad', channel: 'email' }, admin);
    await expect(s.mailings.update(m.id, { selectionId: 999_999 }, admin)).rejects.toMatchObject({
      code: 'SELECTION_NOT_FOUND',
    });
    const f = await s.folders.create({ kind: 'template', name: 'T' }, admin);
    await expect(s.mailings.update(m.id, { folderId: f.id }, admin)).rejects.toMatchObject({
      code: 'FOLDER_WRONG_KIND',
    });
    const sub = await s.folders.create({ kind: 'mailing', name: 'Spring' }, admin);
    const child = await s.folders.create({ kind: 'mailing', name: 'Week 1', parentId: sub.id }, admin);
    await expect(s.folders.update(sub.id, { parentId: child.id }, admin)).rejects.toMatchObject({
      code: 'FOLDER_CYCLE',
    });
    expect((await s.mailings.update(m.id, { folderId: child.id }, admin)).folderId).toBe(child.id);
  });
});
