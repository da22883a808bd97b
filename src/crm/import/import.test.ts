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
      created: 2,
      updated: 0,
      unchanged: 0,
      invalidCount: 2,
      rowsSkipped: 1,
      valuesSkipped: 1,
      companiesCreated: 1,
    });
    expect(r.invalid).toEqual([
      {
        line: 3,
        field: 'email',
        value: 'not-an-address',
        reason: 'the address has no @',
        action: 'rowSkipped',
      },
      expect.objectContaining({ line: 4, field: 'mobile', value: '12', action: 'valueSkipped' }),
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
      action: 'rowSkipped',
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

  it('a row with a valid e-mail and an invalid mobile imports the person without the mobile and reports valueSkipped', async () => {
    await s.customFields.create(
      { entity: 'person', key: 'memberSince', label: 'Member since', type: 'date' },
      admin,
    );
    // 83 and 85 begin no Danish number (an unassigned range); the stored person's mobile must stay as it is
    await s.imports.importPersons(
      file('keep-before.csv', 'email,firstname,mobile\nstay@fjord.dk,Stay,+45 20 12 34 56\n'),
      {},
      admin,
    );
    const csv = file(
      'keep.csv',
      'email,firstname,lastname,mobile,noMailings,custom.memberSince,consent.emarketing,company\n' +
        'mads@fjord.dk,Mads,Jensen,+45 83 12 34 56,maybe,not a date,perhaps,Fjord ApS\n' +
        'stay@fjord.dk,Stay,Put,+45 85 99 99 98,,2024-05-01,,\n' +
        'good@fjord.dk,God,Dag,+45 20 12 34 57,no,2023-01-02,yes,\n',
    );
    const dry = await s.imports.importPersons(csv, { dryRun: true }, admin);
    const r = await s.imports.importPersons(csv, {}, admin);
    for (const report of [dry, r]) {
      expect(report).toMatchObject({
        created: 2,
        updated: 1,
        rowsSkipped: 0,
        valuesSkipped: 5,
        invalidCount: 5,
      });
      expect(report.invalid).toEqual([
        expect.objectContaining({
          line: 2,
          field: 'mobile',
          value: '+45 83 12 34 56',
          action: 'valueSkipped',
        }),
        { line: 2, field: 'noMailings', value: 'maybe', reason: 'not yes/no', action: 'valueSkipped' },
        expect.objectContaining({
          line: 2,
          field: 'custom.memberSince',
          value: 'not a date',
          action: 'valueSkipped',
        }),
        expect.objectContaining({
          line: 2,
          field: 'consent.emarketing',
          value: 'perhaps',
          action: 'valueSkipped',
        }),
        expect.objectContaining({
          line: 3,
          field: 'mobile',
          value: '+45 85 99 99 98',
          action: 'valueSkipped',
        }),
      ]);
    }
    const mads = await s.persons.get((await s.persons.findByEmail('mads@fjord.dk'))[0] ?? 0);
    expect(mads).toMatchObject({
      firstName: 'Mads',
      lastName: 'Jensen',
      mobile: null,
      companyName: 'Fjord ApS',
    });
    expect((await s.preferences.consentsOf(mads.id)).history).toEqual([]);
    const stay = await s.persons.get((await s.persons.findByEmail('stay@fjord.dk'))[0] ?? 0);
    expect(stay).toMatchObject({ lastName: 'Put', mobile: '+4520123456' });
    // the report stored with the import (GET /api/v1/imports/:id) carries the action too
    const stored = await s.imports.get(r.importId);
    expect(stored?.invalid).toBe(5);
    expect(JSON.parse(stored?.report ?? '{}').invalid[0]).toMatchObject({ action: 'valueSkipped' });
  });

  it('a row from which no person can be made is skipped and reported rowSkipped with line and field', async () => {
    const csv = file(
      'skip.csv',
      'email,firstname,lastname,mobile\n' +
        ',Nameless,Address,41234567\n' +
        'ingen@,Ingen,Adresse,12\n' +
        'one@fjord.no,One,Row,41234568\n' +
        'ONE@fjord.no,One,Again,1\n' +
        'short@fjord.no,Short\n',
    );
    const r = await s.imports.importPersons(csv, {}, admin);
    expect(r).toMatchObject({ rows: 5, created: 1, rowsSkipped: 4, valuesSkipped: 0, invalidCount: 4 });
    // one entry per skipped row: its bad values are not reported on their own
    expect(r.invalid).toEqual([
      { line: 2, field: 'email', value: '', reason: expect.any(String), action: 'rowSkipped' },
      { line: 3, field: 'email', value: 'ingen@', reason: 'nothing after the @', action: 'rowSkipped' },
      {
        line: 5,
        field: 'email',
        value: 'ONE@fjord.no',
        reason: 'the same e-mail address is on line 4',
        action: 'rowSkipped',
      },
      expect.objectContaining({ line: 6, field: '*', action: 'rowSkipped' }),
    ]);
    expect(await s.persons.findByEmail('ingen@')).toEqual([]);
    const one = await s.persons.get((await s.persons.findByEmail('one@fjord.no'))[0] ?? 0);
    expect(one).toMatchObject({ lastName: 'Row', mobile: '+4741234568' });
  });

  it('progress counts rows done of a total known from the first batch, never above it, reaching it at the end', async () => {
    const lines = ['email,firstname,lastname,city'];
    // non-ASCII names: the estimate works in bytes, the rows in characters
    for (let i = 0; i < 30_000; i++) lines.push(`p${i}@progress.no,Åse${i % 7},Øvre${i % 13},Tromsø`);
    const csv = file('progress.csv', `${lines.join('\n')}\n`);
    for (const dryRun of [true, false]) {
      const calls: Array<{ rows: number; totalRows: number; bytesRead: number; totalBytes: number }> = [];
      const r = await s.imports.importPersons(
        csv,
        { dryRun, onProgress: (p) => calls.push({ ...p }) },
        admin,
      );
      expect(r.created).toBe(30_000);
      expect(calls.length).toBeGreaterThan(10);
      for (const c of calls) {
        expect(c.rows).toBeLessThanOrEqual(c.totalRows);
        expect(c.bytesRead).toBeLessThanOrEqual(c.totalBytes);
      }
      // done only grows
      for (let i = 1; i < calls.length; i++)
        expect(calls[i]?.rows ?? 0).toBeGreaterThanOrEqual(calls[i - 1]?.rows ?? 0);
      // the first call (after one batch of 100 rows) already knows the total within 10 %, not
      // the rows parsed ahead in the reader's buffers
      expect(calls[0]?.rows).toBe(100);
      expect(calls[0]?.totalRows).toBeGreaterThan(27_000);
      expect(calls[0]?.totalRows).toBeLessThan(33_000);
      // and not at 100 % before the end: half-way through the rows, the bytes are half-way too
      const half = calls.find((c) => c.rows >= 15_000);
      expect((half?.bytesRead ?? 0) / (half?.totalBytes ?? 1)).toBeLessThan(0.6);
      expect(calls.at(-1)).toMatchObject({ rows: 30_000, totalRows: 30_000 });
    }
    // XLSX: the worksheet's <dimension> gives the total (the reader takes in the whole workbook
    // before its first row, so bytes read say nothing there)
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Persons');
    ws.addRow(['Email', 'First name']);
    for (let i = 0; i < 1000; i++) ws.addRow([`x${i}@progress.no`, 'Excel']);
    const xlsx = join(dir, 'progress.xlsx');
    await wb.xlsx.writeFile(xlsx);
    const calls: Array<{ rows: number; totalRows: number }> = [];
    await s.imports.importPersons(xlsx, { dryRun: true, onProgress: (p) => calls.push({ ...p }) }, admin);
    expect(calls[0]).toMatchObject({ rows: 100, totalRows: 1000 });
    expect(calls.every((c) => c.rows <= c.totalRows)).toBe(true);
    expect(calls.at(-1)).toMatchObject({ rows: 1000, totalRows: 1000 });
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
