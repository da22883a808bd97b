import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../../test/helpers/databases.js';
import { admin, openTestServices } from '../../test/helpers/services.js';
import type { Services } from '../services.js';

/**
 * Recipient files (PRODUCT.md §8) are read by the import's reader (issue 12 §8): its encoding
 * detection (UTF-8 with or without BOM, Windows-1252) and delimiter sniffing (comma, semicolon,
 * tab), with the recipient file rules on top (a header row or plain addresses; errors name the line).
 */
describe.each(engines)('recipient file sources through the import reader on %s', (engine) => {
  let s: Services;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    const t = await openTestServices(engine);
    s = t.services;
    dispose = t.database.dispose;
  });
  afterAll(() => dispose());

  async function namesOf(file: string, data: Buffer) {
    const m = await s.mailings.create({ name: file, channel: 'email' }, admin);
    const r = await s.recipients.addFileSource(m.id, file, data, admin);
    const page = await s.recipients.list(m.id, { limit: 100 });
    return { r, rows: page.items.map((x) => [x.name, x.address]) };
  }

  it('a Windows-1252 file: ø and å in names come through', async () => {
    const data = iconv.encode('name;email\r\nBjørn Ås;bjorn@example.com\r\nSøren;bad-address\r\n', 'win1252');
    expect(data.includes(Buffer.from('ø'))).toBe(false); // not UTF-8
    const { r, rows } = await namesOf('cp1252.csv', data);
    expect(r.accepted).toBe(1);
    expect(rows).toEqual([['Bjørn Ås', 'bjorn@example.com']]);
    expect(r.invalid).toEqual([expect.objectContaining({ line: 3, field: 'email', value: 'bad-address' })]);
  });

  it('a Windows-1252 file without a header row (name, email per line)', async () => {
    const data = iconv.encode('Jørgen Ødegård,jorgen@example.com\nÆse,aese@example.com\n', 'win1252');
    const { r, rows } = await namesOf('plain.txt', data);
    expect(r.accepted).toBe(2);
    expect(rows).toEqual([
      ['Jørgen Ødegård', 'jorgen@example.com'],
      ['Æse', 'aese@example.com'],
    ]);
  });

  it('a ;-delimited UTF-8 file with a BOM, quoted fields and an empty line: lines are the file’s', async () => {
    const text =
      '\uFEFFnavn;e-mail\n"Hansen; Per";per.hansen@example.com\n\nKari;kari@@example.com\nOla;ola@example.com\n';
    const { r, rows } = await namesOf('semi.csv', Buffer.from(text));
    expect(r.accepted).toBe(2);
    expect(rows).toEqual([
      ['Hansen; Per', 'per.hansen@example.com'],
      ['Ola', 'ola@example.com'],
    ]);
    expect(r.invalid).toEqual([
      expect.objectContaining({ line: 4, field: 'email', value: 'kari@@example.com' }),
    ]);
  });

  it('a tab-delimited file and a plain list of addresses', async () => {
    const tab = await namesOf(
      'tab.txt',
      Buffer.from('Per Tab\tper.tab@example.com\nLise\tlise@example.com\n'),
    );
    expect(tab.r.invalid).toEqual([]);
    expect(tab.rows).toEqual([
      ['Per Tab', 'per.tab@example.com'],
      ['Lise', 'lise@example.com'],
    ]);
    const plain = await namesOf('plain.txt', Buffer.from('one@example.com\r\ntwo@example.com\r\n'));
    expect(plain.r.accepted).toBe(2);
    expect(plain.rows.map(([, a]) => a)).toEqual(['one@example.com', 'two@example.com']);
  });

  it('a stray quote inside a name is kept, an unclosed quoted field is refused naming the line', async () => {
    const stray = await namesOf('stray.csv', Buffer.from('Ola "Big" Nordmann,ola.big@example.com\n'));
    expect(stray.rows).toEqual([['Ola "Big" Nordmann', 'ola.big@example.com']]);
    const m = await s.mailings.create({ name: 'unclosed', channel: 'email' }, admin);
    await expect(
      s.recipients.addFileSource(
        m.id,
        'open.csv',
        Buffer.from('a@example.com\n"Per,per@example.com\n'),
        admin,
      ),
    ).rejects.toMatchObject({ code: 'FILE_UNREADABLE', message: expect.stringContaining('open.csv') });
    const empty = await s.recipients.addFileSource(m.id, 'empty.csv', Buffer.alloc(0), admin);
    expect(empty.accepted).toBe(0);
  });
});
