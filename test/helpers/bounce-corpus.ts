import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The bounce corpus written for the tests (src/bounces/corpus, with expected.json). */
export const corpusDir = join(import.meta.dirname, '..', '..', 'src', 'bounces', 'corpus');
const dir = corpusDir;

/** A corpus message with its placeholders filled: a recipient, its VERP token and Message-ID. */
export function corpusMessage(
  file: string,
  v: { rcpt: string; token: string; messageId: string; bounceDomain?: string },
): string {
  const domain = v.bounceDomain ?? 'bounce.posthorn.test';
  return readFileSync(join(dir, file), 'utf8')
    .replaceAll('{{RCPT}}', v.rcpt)
    .replaceAll('{{VERP}}', `bounces+${v.token}@${domain}`)
    .replaceAll('{{UNSUB}}', `unsubscribe+${v.token}@${domain}`)
    .replaceAll('{{LU}}', `https://m.posthorn.test/t/u/${v.token}`)
    .replaceAll('{{MID}}', v.messageId);
}
