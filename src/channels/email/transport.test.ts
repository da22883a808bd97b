import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { receiver } from '../../../test/helpers/smtp.js';
import { isHardBounce, parseSmtpReply, SmtpTransport, smtpRefusal } from './transport.js';

const message = (to: string) => ({
  ledgerId: null,
  mailingId: null,
  from: 'bounces@posthorn.test',
  to,
  subject: 'x',
  raw: Buffer.from('From: a@posthorn.test\r\nTo: b@example.test\r\nSubject: x\r\n\r\nHello\r\n'),
  test: false,
});

describe('delivery outcomes are typed', () => {
  it('parses the reply code and the enhanced status code of an SMTP reply', () => {
    expect(parseSmtpReply('550 5.1.1 <b@example.test>: no such user')).toEqual({
      responseCode: 550,
      enhancedStatus: '5.1.1',
    });
    expect(parseSmtpReply('452-4.2.2 mailbox full')).toEqual({ responseCode: 452, enhancedStatus: '4.2.2' });
    expect(parseSmtpReply('421 try later')).toEqual({ responseCode: 421 });
    expect(parseSmtpReply('connection closed')).toEqual({});
    expect(parseSmtpReply('mailbox unavailable', 550)).toEqual({ responseCode: 550 });
  });

  it('a 5xx refusal is final and a hard bounce; a 4xx is retryable and no bounce; an account fault is never a bounce', () => {
    const hard = smtpRefusal('550 5.1.1 no such user');
    expect(hard).toMatchObject({
      ok: false,
      code: '550',
      responseCode: 550,
      enhancedStatus: '5.1.1',
      retryable: false,
    });
    expect(isHardBounce(hard)).toBe(true);
    const soft = smtpRefusal('452 4.2.2 mailbox full');
    expect(soft).toMatchObject({ code: '452', responseCode: 452, enhancedStatus: '4.2.2', retryable: true });
    expect(isHardBounce(soft)).toBe(false);
    expect(
      isHardBounce({
        ok: false,
        code: 'EAUTH',
        retryable: true,
        responseCode: 535,
        message: 'login refused',
      }),
    ).toBe(false);
    expect(isHardBounce({ ok: false, code: 'RECIPIENT_GONE', retryable: false, message: 'gone' })).toBe(
      false,
    );
  });

  it('a real relay: 550 5.1.1 and 452 4.2.2 are parsed where the reply arrives; a refused connection is retryable without a reply code', async () => {
    const rx = await receiver((to) =>
      to.startsWith('gone')
        ? { code: 550, message: '5.1.1 no such user' }
        : to.startsWith('full')
          ? { code: 452, message: '4.2.2 mailbox full' }
          : null,
    );
    const t = new SmtpTransport(rx.url, { poolSize: 1 });
    try {
      expect(await t.send(message('ok@example.test'))).toMatchObject({ ok: true });
      expect(await t.send(message('gone@example.test'))).toMatchObject({
        ok: false,
        code: '550',
        responseCode: 550,
        enhancedStatus: '5.1.1',
        retryable: false,
      });
      expect(await t.send(message('full@example.test'))).toMatchObject({
        ok: false,
        code: '452',
        responseCode: 452,
        enhancedStatus: '4.2.2',
        retryable: true,
      });
    } finally {
      await t.close();
      await rx.close();
    }
    // a port nobody listens on
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const down = new SmtpTransport(`smtp://127.0.0.1:${port}/?tls=none`, { poolSize: 1 });
    try {
      const d = await down.send(message('ok@example.test'));
      expect(d).toMatchObject({ ok: false, retryable: true });
      expect(d.ok ? null : d.responseCode).toBeUndefined();
      expect(d.ok ? false : isHardBounce(d)).toBe(false);
    } finally {
      await down.close();
    }
  });
});
