import { expect } from 'vitest';
import type { Services } from '../../src/services.js';

/** The headers every response with a mailing's HTML carries. */
export function expectContentPolicy(headers: Record<string, unknown>): void {
  const csp = String(headers['content-security-policy'] ?? '');
  expect(csp).toMatch(/^sandbox( |;)/);
  expect(csp).not.toMatch(/allow-scripts|allow-same-origin|allow-forms/);
  expect(csp).toContain("script-src 'none'");
  expect(csp).toContain("object-src 'none'");
  expect(csp).toContain("base-uri 'none'");
  expect(headers['x-content-type-options']).toBe('nosniff');
}

/**
 * Stores an HTML e-mail in the dev outbox as it is, bypassing the renderer: a message captured
 * before content was sanitised, for testing that the pages showing it still run nothing.
 */
export async function capturedHtmlMessage(s: Pick<Services, 'db' | 'clock'>, html: string): Promise<number> {
  const row = await s.db
    .insertInto('outbox')
    .values({
      ledger_id: null,
      mailing_id: null,
      channel: 'email',
      address: 'x@example.test',
      subject: 'x',
      test: 0,
      message: `From: a@example.test\r\nTo: x@example.test\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n${html}\r\n`,
      created_at: s.clock.now(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
