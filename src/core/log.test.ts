import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './log.js';

/** A stream that keeps what is written, one JSON line per entry. */
function memory(): { stream: Writable; lines(): Array<Record<string, unknown>> } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return {
    stream,
    lines: () =>
      text
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('the process logger', () => {
  it('writes JSON lines at its level and redacts credentials in logged objects', () => {
    const m = memory();
    const log = createLogger('info', m.stream);
    log.debug('not at this level');
    log.error(
      {
        account: { host: 'smtp.example.test', password: 'hunter2' },
        req: { headers: { cookie: 'sid=abc' } },
      },
      'login refused',
    );
    const [line, ...rest] = m.lines();
    expect(rest).toEqual([]);
    expect(line).toMatchObject({ level: 50, msg: 'login refused', account: { host: 'smtp.example.test' } });
    expect(JSON.stringify(line)).not.toMatch(/hunter2|sid=abc/);
  });

  it('is silent at level silent', () => {
    const m = memory();
    createLogger('silent', m.stream).error('nothing');
    expect(m.lines()).toEqual([]);
  });
});
