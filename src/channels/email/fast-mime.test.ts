import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { buildFastEmail, encodeHeaderValue } from './fast-mime.js';

describe('the fast MIME writer', () => {
  it('writes a multipart/alternative message that parses back, with UTF-8 headers and bodies', async () => {
    const html = Buffer.from(`<p>Hei Åse – ${'lang tekst '.repeat(200)} 😀</p>`);
    const raw = buildFastEmail(
      {
        from: { name: 'Nyheter "Fjord" AS', address: 'news@posthorn.test' },
        to: 'aase@example.no',
        subject: 'Hei Åse – nyheter 😀',
        messageId: '<1.2.3@posthorn>',
        date: new Date(Date.UTC(2026, 10, 26, 9, 0, 0)),
        headers: { 'Feedback-ID': '1:1:posthorn' },
        text: Buffer.from('Hei Åse'),
        html,
      },
      null,
    );
    const mail = await simpleParser(raw);
    expect(mail.subject).toBe('Hei Åse – nyheter 😀');
    expect(mail.from?.value[0]).toEqual({ name: 'Nyheter "Fjord" AS', address: 'news@posthorn.test' });
    expect(mail.text?.trim()).toBe('Hei Åse');
    expect(mail.html).toBe(html.toString());
    expect(mail.messageId).toBe('<1.2.3@posthorn>');
    expect(
      raw
        .toString('latin1')
        .split('\r\n')
        .every((line) => line.length <= 998),
    ).toBe(true);
  });

  it('no value can start a header line', async () => {
    const raw = buildFastEmail(
      {
        from: { name: 'A', address: 'a@posthorn.test' },
        to: 'b@example.no',
        subject: 'Hello\r\nBcc: victim@example.com',
        messageId: '<x@posthorn>',
        date: new Date(),
        headers: { 'X-Test': 'one\r\nBcc: victim@example.com' },
        text: Buffer.from('t'),
        html: Buffer.from('h'),
      },
      null,
    );
    const mail = await simpleParser(raw);
    expect(mail.bcc).toBeUndefined();
    expect(mail.subject).toBe('Hello Bcc: victim@example.com');
    expect(encodeHeaderValue('x\ny')).toBe('x y');
  });
});
