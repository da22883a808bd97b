import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestApp } from '../../test/helpers/app.js';
import { engines } from '../../test/helpers/databases.js';
import { multipart } from '../../test/helpers/multipart.js';
import { admin } from '../../test/helpers/services.js';

const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from(
    '0000000d49484452000000010000000108060000001f15c4890000000a49444154789c6300010000050001',
    'hex',
  ),
]);

describe.each(engines)('mailing preparation over HTTP on %s', (engine) => {
  let t: TestApp;
  let auth: Record<string, string>;
  beforeAll(async () => {
    t = await openTestApp(engine, { bodyLimitBytes: 1024 * 1024 });
    auth = { authorization: `Bearer ${t.adminKey}` };
  });
  afterAll(async () => t.dispose());

  it('prepares an e-mail mailing end to end: setup, template, content, a file of recipients, steps, preview', async () => {
    const s = t.services;
    const type = await s.preferences.createSubscriptionType({ name: 'Newsletter' }, admin);
    await s.settings.update({ privacyFilter: false }, admin);
    const templates = (await t.app.inject({ url: '/api/v1/templates?channel=email', headers: auth })).json();
    const starter = templates.items.find((x: { name: string }) => x.name === 'Invitation');
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/mailings',
      headers: auth,
      payload: { name: 'Spring event', channel: 'email', templateId: starter.id },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().id;
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/mailings/${id}`,
      headers: auth,
      payload: {
        subscriptionTypeId: type.id,
        setup: { from: { name: 'Events', address: 'events@posthorn.example' } },
      },
    });
    expect(patched.statusCode).toBe(200);
    const file = multipart(
      {},
      { name: 'guests.csv', content: 'name,email\nIda Gjest,ida@example.com\nNo Address,\n' },
    );
    const added = await t.app.inject({
      method: 'POST',
      url: `/api/v1/mailings/${id}/recipient-sources`,
      headers: { ...auth, ...file.headers },
      payload: file.payload,
    });
    expect(added.statusCode).toBe(201);
    expect(added.json()).toMatchObject({ accepted: 1, invalid: [{ line: 3, field: 'email' }] });
    const steps = (await t.app.inject({ url: `/api/v1/mailings/${id}/steps`, headers: auth })).json();
    expect(steps.items.map((x: { step: string; complete: boolean }) => [x.step, x.complete])).toEqual([
      ['setup', true],
      ['template', true],
      ['content', true],
      ['recipients', true],
      ['confirm', true],
    ]);
    const summary = (
      await t.app.inject({ url: `/api/v1/mailings/${id}/recipients/summary`, headers: auth })
    ).json();
    expect(summary).toMatchObject({ total: 1, byStatus: { ready: 1 }, byReason: { invalidAddress: 1 } });
    const list = (
      await t.app.inject({ url: `/api/v1/mailings/${id}/recipients?status=ready`, headers: auth })
    ).json();
    expect(list).toMatchObject({
      total: 1,
      items: [{ kind: 'unregistered', name: 'Ida Gjest', address: 'ida@example.com' }],
    });
    const preview = await t.app.inject({
      url: `/api/v1/mailings/${id}/preview?recipientId=${list.items[0].id}`,
      headers: auth,
    });
    expect(preview.statusCode).toBe(200);
    expect(preview.json().subject).toBe(', you are invited');
    expect(preview.json().html).toContain('Dear Ida Gjest');
    const audit = (await t.app.inject({ url: `/api/v1/mailings/${id}/audit`, headers: auth })).json();
    expect(audit.items.filter((f: { severity: string }) => f.severity === 'error')).toEqual([]);
    const links = (await t.app.inject({ url: `/api/v1/mailings/${id}/links`, headers: auth })).json();
    expect(links.items.map((l: { url: string }) => l.url)).toContain('https://example.com/register');
    await s.settings.update({ privacyFilter: true }, admin);
  });

  it('adds a selection source as JSON and refuses an unknown selection with its code', async () => {
    const m = (
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/mailings',
        headers: auth,
        payload: { name: 'S', channel: 'sms' },
      })
    ).json();
    const bad = await t.app.inject({
      method: 'POST',
      url: `/api/v1/mailings/${m.id}/recipient-sources`,
      headers: auth,
      payload: { kind: 'selection', selectionId: 424242 },
    });
    expect(bad.statusCode).toBe(404);
    expect(bad.json().error.code).toBe('SELECTION_NOT_FOUND');
    const wrong = await t.app.inject({
      method: 'POST',
      url: `/api/v1/mailings/${m.id}/recipient-sources`,
      headers: auth,
      payload: { kind: 'planet' },
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.code).toBe('VALIDATION_FAILED');
    const tracking = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/mailings/${m.id}`,
      headers: auth,
      payload: { setup: { tracking: { opens: true } } },
    });
    expect(tracking.statusCode).toBe(400);
    expect(tracking.json().error.code).toBe('CHANNEL_CAPABILITY_MISSING');
  });

  it('a 10 MB body is refused with 413 and changes nothing', async () => {
    const m = (
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/mailings',
        headers: auth,
        payload: { name: 'Big', channel: 'email' },
      })
    ).json();
    const big = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/mailings/${m.id}`,
      headers: { ...auth, 'content-type': 'application/json' },
      payload: JSON.stringify({ content: { format: 'html', source: 'x'.repeat(10 * 1024 * 1024) } }),
    });
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('BODY_TOO_LARGE');
    expect(
      (await t.app.inject({ url: `/api/v1/mailings/${m.id}`, headers: auth })).json().contentVersion,
    ).toBe(1);
  });

  it('the image library stores checked images and serves them publicly; other files are refused', async () => {
    const up = multipart({}, { name: 'logo.png', content: png });
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/images',
      headers: { ...auth, ...up.headers },
      payload: up.payload,
    });
    expect(res.statusCode).toBe(201);
    const served = await t.app.inject({ url: res.json().path });
    expect(served.statusCode).toBe(200);
    expect(served.headers['content-type']).toBe('image/png');
    expect(served.rawPayload.equals(png)).toBe(true);
    const svg = multipart({}, { name: 'x.svg', content: '<svg onload="alert(1)"/>' });
    const refused = await t.app.inject({
      method: 'POST',
      url: '/api/v1/images',
      headers: { ...auth, ...svg.headers },
      payload: svg.payload,
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.code).toBe('IMAGE_TYPE_NOT_ALLOWED');
    // the client resolves the dots (/etc/passwd): at most the web UI's page answers, never the file
    const traversal = await t.app.inject({ url: '/media/../../etc/passwd' });
    expect(traversal.body).not.toMatch(/root:/);
    expect(traversal.headers['content-type']).not.toMatch(/octet-stream|image/);
    expect((await t.app.inject({ url: '/media/..%2F..%2Fetc%2Fpasswd' })).statusCode).toBeGreaterThanOrEqual(
      400,
    );
  });

  it('send is refused over HTTP with the failing steps; the dev outbox lists what a worker sent', async () => {
    const m = (
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/mailings',
        headers: auth,
        payload: { name: 'Incomplete', channel: 'email' },
      })
    ).json();
    const refused = await t.app.inject({
      method: 'POST',
      url: `/api/v1/mailings/${m.id}/send`,
      headers: auth,
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({
      code: 'MAILING_INCOMPLETE',
      details: { steps: expect.arrayContaining([expect.objectContaining({ step: 'setup' })]) },
    });
    const progress = await t.app.inject({ url: `/api/v1/mailings/${m.id}/progress`, headers: auth });
    expect(progress.json()).toMatchObject({ state: 'draft', total: 0 });
    const outbox = await t.app.inject({ url: '/api/v1/outbox', headers: auth });
    expect(outbox.statusCode).toBe(200);
    expect(outbox.json()).toMatchObject({ items: [], total: 0 });
  });

  it('the dev outbox shows a captured message as HTML in a sandbox, and an SMS as escaped text', async () => {
    const { buildEmail } = await import('../channels/email/message.js');
    const raw = await buildEmail({
      from: { name: 'News', address: 'news@posthorn.test' },
      to: 'kari@example.test',
      subject: 'Hello',
      html: '<p>Hello <b>Kari</b></p><script>alert(1)</script>',
      text: 'Hello Kari',
      messageId: '<outbox-view@posthorn>',
      date: new Date(),
      headers: {},
      attachments: [],
    });
    const [mail, sms] = await t.services.db
      .insertInto('outbox')
      .values([
        {
          ledger_id: null,
          mailing_id: null,
          channel: 'email',
          address: 'kari@example.test',
          subject: 'Hello',
          test: 0,
          message: raw.toString('utf8'),
          created_at: 0,
        },
        {
          ledger_id: null,
          mailing_id: null,
          channel: 'sms',
          address: '+4791234567',
          subject: 'from Posthorn',
          test: 0,
          message: '<b>1 < 2</b>',
          created_at: 0,
        },
      ])
      .returning('id')
      .execute();
    const html = await t.app.inject({ url: `/api/v1/outbox/${mail?.id}/html`, headers: auth });
    expect(html.statusCode).toBe(200);
    expect(html.headers['content-security-policy']).toMatch(/^sandbox[^;]*; default-src 'none'/);
    expect(html.body).toContain('<p>Hello <b>Kari</b></p>');
    const text = await t.app.inject({ url: `/api/v1/outbox/${sms?.id}/html`, headers: auth });
    expect(text.body).toContain('&lt;b&gt;1 &lt; 2&lt;/b&gt;');
    expect(text.body).not.toContain('<b>1');
    const list = (await t.app.inject({ url: '/api/v1/outbox?channel=sms', headers: auth })).json();
    expect(list.items.map((i: { id: number }) => i.id)).toEqual([sms?.id]);
    expect((await t.app.inject({ url: '/api/v1/outbox/999999/html', headers: auth })).statusCode).toBe(404);
  });

  it('previews one letter of a document mailing as a PDF before it is sent; other channels are refused', async () => {
    const s = t.services;
    const person = await s.persons.create(
      { firstName: 'Kari', lastName: 'Brev', emails: ['kari.brev@example.com'] },
      admin,
    );
    const doc = await s.mailings.create({ name: 'Letter', channel: 'document' }, admin);
    await s.mailings.update(doc.id, { content: { body: 'Dear [[customer.firstname]]' } }, admin);
    await s.recipients.addSource(doc.id, { kind: 'persons', personIds: [person.id] }, admin);
    const recipientId = (await s.recipients.list(doc.id, {})).items[0]?.id;
    const pdf = await t.app.inject({
      url: `/api/v1/mailings/${doc.id}/preview.pdf?recipientId=${recipientId}`,
      headers: auth,
    });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    // the merged PDF of every letter exists only once the mailing is sent
    const merged = await t.app.inject({ url: `/api/v1/mailings/${doc.id}/document.pdf`, headers: auth });
    expect(merged.json().error.code).toBe('DOCUMENT_NOT_READY');

    const email = await s.mailings.create({ name: 'Not a letter', channel: 'email' }, admin);
    await s.recipients.addSource(email.id, { kind: 'persons', personIds: [person.id] }, admin);
    const emailRecipient = (await s.recipients.list(email.id, {})).items[0]?.id;
    const refused = await t.app.inject({
      url: `/api/v1/mailings/${email.id}/preview.pdf?recipientId=${emailRecipient}`,
      headers: auth,
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('NOT_A_DOCUMENT_MAILING');
  });

  it('serves the merge-field catalogue and the settings', async () => {
    const fields = (await t.app.inject({ url: '/api/v1/merge-fields', headers: auth })).json();
    expect(fields.items.map((f: { name: string }) => f.name)).toContain('customer.firstname');
    const settings = (await t.app.inject({ url: '/api/v1/settings', headers: auth })).json();
    expect(settings).toMatchObject({ privacyFilter: true, bounceThreshold: 5, linkExpiryDays: 21 });
  });
});
