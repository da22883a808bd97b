import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp } from '../../../test/helpers/app.js';
import { engines } from '../../../test/helpers/databases.js';
import { multipart } from '../../../test/helpers/multipart.js';
import { admin, openTestServices } from '../../../test/helpers/services.js';
import type { Services } from '../../services.js';

const dir = mkdtempSync(join(tmpdir(), 'posthorn-import-'));
function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe.each(engines)('import persons on %s', (engine) => {
  let s: Services;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    const t = await openTestServices(engine);
    s = t.services;
    dispose = t.database.dispose;
    await s.preferences.createSubscriptionType({ name: 'Newsletter' }, admin);
  });
  afterAll(async () => dispose());

  it('dry run reports created/invalid and writes nothing', async () => {
    const csv = file(
      'dry.csv',
      'E-mail,First name,Last name,Company,Mobile,City\n' +
        'kari@fjord.no,Kari,Nordmann,Fjord AS,41234567,Bergen\n' +
        'not-an-address,Ola,Nordmann,Fjord AS,,Oslo\n' +
        'ola@fjord.no,Ola,Nordmann,Fjord AS,12,Oslo\n',
    );
    const r = await s.imports.importPersons(csv, { dryRun: true }, admin);
    expect(r).toMatchObject({
      dryRun: true,
      created: 1,
      updated: 0,
      unchanged: 0,
      invalidCount: 2,
      companiesCreated: 1,
    });
    expect(r.invalid).toEqual([
      { line: 3, field: 'email', value: 'not-an-address', reason: 'the address has no @' },
      expect.objectContaining({ line: 4, field: 'mobile', value: '12' }),
    ]);
    expect((await s.persons.list({ limit: 10, offset: 0 })).total).toBe(0);
    expect((await s.companies.list({ limit: 10, offset: 0 })).total).toBe(0);
  });

  it('imports valid rows, reports invalid ones, and upserts by e-mail on a second run', async () => {
    const csv = file(
      'first.csv',
      'email;firstname;lastname;company;mobile;city\n' +
        'kari@fjord.no;Kari;Nordmann;Fjord AS;412 34 567;Bergen\n' +
        '"ola@fjord.no";"Ola";"Nord; mann";Fjord AS;;Oslo\n' +
        'bad@;X;Y;;;\n' +
        'KARI@fjord.no;Kari;Again;;;\n',
    );
    const r1 = await s.imports.importPersons(csv, {}, admin);
    expect(r1).toMatchObject({ created: 2, updated: 0, invalidCount: 2, delimiter: ';' });
    expect(r1.invalid[1]).toMatchObject({
      line: 5,
      field: 'email',
      reason: 'the same e-mail address is on line 2',
    });
    const ola = await s.persons.get((await s.persons.findByEmail('ola@fjord.no'))[0] ?? 0);
    expect(ola.lastName).toBe('Nord; mann');
    expect(ola.companyName).toBe('Fjord AS');
    const kari = await s.persons.get((await s.persons.findByEmail('kari@fjord.no'))[0] ?? 0);
    expect(kari.mobile).toBe('+4741234567');

    const second = file(
      'second.csv',
      'email,firstname,lastname,city\nkari@fjord.no,Kari,Nordmann,Oslo\nola@fjord.no,Ola,,Oslo\nnew@fjord.no,Ny,Person,\n',
    );
    const r2 = await s.imports.importPersons(second, {}, admin);
    expect(r2).toMatchObject({ created: 1, updated: 1, unchanged: 1, invalidCount: 0 });
    // an empty cell never clears a stored value
    expect((await s.persons.get(ola.id)).lastName).toBe('Nord; mann');
    expect((await s.persons.get(kari.id)).city).toBe('Oslo');
  });

  it('import never silently changes consent or subscriptions: only mapped columns, recorded with source import', async () => {
    const csv = file(
      'consent.csv',
      'email,consent.emarketing,subscription.Newsletter,Notes\nkari@fjord.no,yes,yes,x\nola@fjord.no,,,y\n',
    );
    const r = await s.imports.importPersons(csv, {}, admin);
    expect(r.ignoredColumns).toEqual(['Notes']);
    const kari = (await s.persons.findByEmail('kari@fjord.no'))[0] ?? 0;
    const ola = (await s.persons.findByEmail('ola@fjord.no'))[0] ?? 0;
    expect((await s.preferences.consentsOf(kari)).current).toEqual([
      expect.objectContaining({ purpose: 'emarketing', legalBasis: 'consent', source: 'import' }),
    ]);
    expect((await s.preferences.subscriptionsOf(kari))[0]).toMatchObject({
      status: 'active',
      source: 'import',
    });
    expect((await s.preferences.consentsOf(ola)).history).toEqual([]);
    expect(await s.preferences.subscriptionsOf(ola)).toEqual([]);
    // unmapped: the same file with the consent column ignored changes nothing
    const again = file('consent2.csv', 'email,emarketing consent\nkari@fjord.no,no\n');
    await s.imports.importPersons(again, {}, admin);
    expect((await s.preferences.consentsOf(kari)).history).toHaveLength(1);
    // re-importing the same consent adds no record
    await s.imports.importPersons(csv, {}, admin);
    expect((await s.preferences.consentsOf(kari)).history).toHaveLength(1);
  });

  it('column mapping can be overridden and names unknown columns and fields', async () => {
    const csv = file('map.csv', 'Adresse,Navn\nper@fjord.no,Per\n');
    await expect(s.imports.importPersons(csv, {}, admin)).rejects.toMatchObject({
      code: 'IMPORT_NO_EMAIL_COLUMN',
    });
    await expect(s.imports.importPersons(csv, { mapping: { Nope: 'email' } }, admin)).rejects.toMatchObject({
      code: 'IMPORT_MAPPING_UNKNOWN_COLUMN',
    });
    await expect(
      s.imports.importPersons(csv, { mapping: { Adresse: 'emailz' } }, admin),
    ).rejects.toMatchObject({
      code: 'IMPORT_MAPPING_UNKNOWN_FIELD',
    });
    const r = await s.imports.importPersons(csv, { mapping: { Adresse: 'email', Navn: 'firstName' } }, admin);
    expect(r.created).toBe(1);
  });

  it('reads Windows-1252 and UTF-8 with BOM', async () => {
    const text = 'email,firstname,lastname,city\nbjorn@fjord.no,Bjørn,Ærø,Tromsø\n';
    await s.imports.importPersons(file('cp1252.csv', iconv.encode(text, 'win1252')), {}, admin);
    const bjorn = await s.persons.get((await s.persons.findByEmail('bjorn@fjord.no'))[0] ?? 0);
    expect([bjorn.firstName, bjorn.lastName, bjorn.city]).toEqual(['Bjørn', 'Ærø', 'Tromsø']);
    const bom = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('email,firstname\nasa@fjord.no,Åsa\n'),
    ]);
    const r = await s.imports.importPersons(file('bom.csv', bom), {}, admin);
    expect(r).toMatchObject({ encoding: 'utf-8', created: 1 });
  });

  it('reads XLSX', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Persons');
    ws.addRow(['Email', 'First name', 'Last name', 'Company']);
    ws.addRow(['xl@fjord.no', 'Excel', 'Sheet', 'Sheet AS']);
    ws.addRow(['broken', 'No', 'Mail', '']);
    const path = join(dir, 'persons.xlsx');
    await wb.xlsx.writeFile(path);
    const r = await s.imports.importPersons(path, {}, admin);
    expect(r).toMatchObject({ format: 'xlsx', created: 1, invalidCount: 1 });
    expect(r.invalid[0]).toMatchObject({ line: 3, field: 'email' });
  });

  it('malformed files get a clear error naming the problem, and nothing stored is lost', async () => {
    const before = (await s.persons.list({ limit: 1, offset: 0 })).total;
    await expect(s.imports.importPersons(file('empty.csv', ''), {}, admin)).rejects.toMatchObject({
      code: 'IMPORT_EMPTY_FILE',
    });
    await expect(
      s.imports.importPersons(
        file('garbage.csv', Buffer.from([0x00, 0xff, 0x13, 0x37, 0x00, 0x42])),
        {},
        admin,
      ),
    ).rejects.toMatchObject({ code: 'IMPORT_NOT_TEXT' });
    await expect(
      s.imports.importPersons(file('quote.csv', 'email,firstname\nq@fjord.no,"Unclosed\n'), {}, admin),
    ).rejects.toMatchObject({
      code: 'IMPORT_MALFORMED_CSV',
      message: expect.stringContaining('quoted field is not closed'),
    });
    const ragged = await s.imports.importPersons(
      file('ragged.csv', 'email,firstname,lastname\nr1@fjord.no,A\nr2@fjord.no,B,C,D\nr3@fjord.no,E,F\n'),
      {},
      admin,
    );
    expect(ragged).toMatchObject({ created: 1, invalidCount: 2 });
    expect(ragged.invalid[0]).toMatchObject({ line: 2, field: '*' });
    const big = join(dir, 'big.csv');
    writeFileSync(big, 'email\n');
    truncateSync(big, 2 * 1024 * 1024 * 1024);
    await expect(s.imports.importPersons(big, {}, admin)).rejects.toMatchObject({
      code: 'IMPORT_FILE_TOO_LARGE',
    });
    await expect(
      s.imports.importPersons(file('fake.xlsx', 'email\nx@y.no\n'), {}, admin),
    ).rejects.toMatchObject({
      code: 'IMPORT_NOT_XLSX',
    });
    expect((await s.persons.list({ limit: 1, offset: 0 })).total).toBe(before + 1);
  });

  it('a malformed XLSX error does not show the server path', async () => {
    const t = await openTestApp(engine);
    try {
      // a ZIP that is cut short (exceljs then names the file by its path), and a file that is no ZIP
      const truncated = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(200, 7)]);
      for (const [content, code] of [
        [truncated, 'IMPORT_MALFORMED_XLSX'],
        [Buffer.from('email\nx@y.no\n'), 'IMPORT_NOT_XLSX'],
      ] as const) {
        const body = multipart({}, { name: 'persons.xlsx', content });
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/v1/imports',
          headers: { ...body.headers, authorization: `Bearer ${t.adminKey}` },
          payload: body.payload,
        });
        expect(res.statusCode).toBe(400);
        const error = res.json().error as { code: string; message: string; details: { file: string } };
        expect(error.code).toBe(code);
        expect(error.message.startsWith('persons.xlsx: ')).toBe(true);
        expect(error.details.file).toBe('persons.xlsx');
        for (const text of [error.message, res.body]) {
          expect(text).not.toContain(tmpdir());
          expect(text).not.toContain('/tmp');
          expect(text).not.toContain('uploads');
        }
      }
      // the import's stored report names the file the same way
      const failed = await t.services.db
        .selectFrom('imports')
        .select(['file_name', 'report'])
        .where('status', '=', 'failed')
        .execute();
      for (const r of failed) expect(`${r.file_name} ${r.report}`).not.toContain('/tmp');
    } finally {
      await t.dispose();
    }
  });
});
