import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '../main.js';
import { plainProgress, progressLine } from './progress.js';

/** Runs the CLI in-process against a fresh data directory and captures what it prints. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await run(['node', 'posthorn', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('posthorn CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'posthorn-cli-'));
  beforeAll(() => {
    process.env.POSTHORN_DATA_DIR = dir;
  });
  afterEach(() => {
    delete process.env.POSTHORN_DEFAULT_COUNTRY;
  });

  it('migrate, then demo loads a deterministic CRM and refuses a second time with exit code 4', async () => {
    const m = await cli('migrate', '--json');
    expect(m.code).toBe(0);
    expect(JSON.parse(m.stdout).applied).toContain('0001-foundation');
    const d = await cli('demo', '--json');
    expect(d.code).toBe(0);
    const summary = JSON.parse(d.stdout);
    expect(summary).toMatchObject({ persons: 2000, subscriptionTypes: 4, selections: 5, projects: 3 });
    expect(summary.companies).toBeGreaterThanOrEqual(280);
    expect(summary.invalidEmails).toBeGreaterThan(10);
    expect(summary.withoutMobile).toBeGreaterThan(100);
    expect(summary.withoutConsent).toBeGreaterThan(100);
    expect(summary.unsubscribed).toBeGreaterThan(50);
    const again = await cli('demo');
    expect(again.code).toBe(4);
    expect(again.stderr).toContain('DEMO_NOT_EMPTY');
  });

  it('apikey create prints the key as the last line', async () => {
    const r = await cli('apikey', 'create', '--name', 'crm-sync', '--role', 'marketer');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').pop()).toMatch(/^ph_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{32,}$/);
    const bad = await cli('apikey', 'create', '--name', 'x', '--role', 'nope', '--json');
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error.code).toBe('ROLE_UNKNOWN');
  });

  it('user create and list', async () => {
    const r = await cli(
      'user',
      'create',
      '--email',
      'kari@example.com',
      '--name',
      'Kari',
      '--password',
      'a long password',
      '--json',
    );
    expect(JSON.parse(r.stdout)).toMatchObject({ email: 'kari@example.com', role: 'marketer' });
    const list = await cli('user', 'list');
    expect(list.stdout).toContain('kari@example.com');
  });

  it('import persons --dry-run --json reports { created, updated, unchanged, invalid: [{ line, field, value, reason }] }', async () => {
    const file = join(dir, 'p.csv');
    writeFileSync(file, 'E-post;Fornavn;Etternavn;Notat\nny@example.no;Ny;Person;x\nfeil@;A;B;y\n');
    const r = await cli('import', 'persons', file, '--dry-run', '--json', '--map', 'Notat=-');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ dryRun: true, created: 1, updated: 0, unchanged: 0 });
    expect(report.invalid).toEqual([
      { line: 3, field: 'email', value: 'feil@', reason: 'nothing after the @', action: 'rowSkipped' },
    ]);
    const missing = await cli('import', 'persons', join(dir, 'nope.csv'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file');
  });

  it('config prints every setting, and an invalid value names its variable', async () => {
    const r = await cli('config');
    expect(r.stdout).toContain('POSTHORN_DATABASE_URL');
    expect(r.stdout).toContain('POSTHORN_SECRET');
    process.env.POSTHORN_DEFAULT_COUNTRY = 'norway';
    const bad = await cli('config');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('POSTHORN_DEFAULT_COUNTRY');
  });

  it('posthorn config hides passwords in URLs and secret settings', async () => {
    const secrets = {
      POSTHORN_SMTP_URL: 'smtp://u:secretpw@h:587',
      POSTHORN_BOUNCE_IMAP_URL: 'imaps://u:secretpw@h/INBOX',
      POSTHORN_DATABASE_URL: 'postgres://u:secretpw@h/db',
      POSTHORN_MAILGUN_SIGNING_KEY: 'key-secretpw-0123456789',
    };
    Object.assign(process.env, secrets);
    try {
      const text = await cli('config');
      expect(text.code).toBe(0);
      expect(text.stdout).toContain('set: smtp://u:***@h:587');
      const json = await cli('config', '--json');
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toContainEqual(
        expect.objectContaining({ name: 'POSTHORN_MAILGUN_SIGNING_KEY', value: '(set, hidden)' }),
      );
      // an invalid value is named by its variable, not printed
      process.env.POSTHORN_SECRET = 'secretpw-short';
      const bad = await cli('config', '--json');
      expect(bad.code).toBe(2);
      expect(JSON.parse(bad.stdout).error.details.variable).toBe('POSTHORN_SECRET');
      for (const r of [text, json, bad]) expect(r.stdout + r.stderr).not.toContain('secretpw');
    } finally {
      for (const name of [...Object.keys(secrets), 'POSTHORN_SECRET']) delete process.env[name];
    }
  });

  it('--help on each command explains it with an example', async () => {
    for (const args of [
      ['serve'],
      ['import', 'persons'],
      ['apikey', 'create'],
      ['user', 'create'],
      ['demo'],
      ['config'],
      ['migrate'],
      ['mailing', 'create'],
    ]) {
      const r = await cli(...args, '--help');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Example');
    }
  });

  it('mailing create --from FILE creates the mailing, prints its id and steps, and a bad file names the file and the field', async () => {
    const write = (name: string, body: unknown) => {
      const path = join(dir, name);
      writeFileSync(path, typeof body === 'string' ? body : JSON.stringify(body));
      return path;
    };
    const spring = {
      name: 'Spring news',
      channel: 'email',
      setup: { subject: 'Spring is here', from: { name: 'Fjord AS', address: 'news@fjord.no' } },
      recipientOptions: { onePerAddress: false },
      content: { format: 'html', source: '<p>Hello [[customer.firstname]]</p>' },
    };
    const r = await cli('mailing', 'create', '--from', write('spring.json', spring), '--json');
    expect(r.code).toBe(0);
    const { mailing, steps } = JSON.parse(r.stdout);
    expect(mailing).toMatchObject({
      name: 'Spring news',
      channel: 'email',
      state: 'draft',
      setup: { subject: 'Spring is here', from: { address: 'news@fjord.no' } },
      recipientOptions: { onePerAddress: false },
      content: { format: 'html' },
    });
    // the file's content stands for the Template step; recipients are still to come
    expect(steps.map((x: { step: string; complete: boolean }) => [x.step, x.complete])).toEqual([
      ['setup', true],
      ['template', true],
      ['content', true],
      ['recipients', false],
      ['confirm', false],
    ]);
    const human = await cli(
      'mailing',
      'create',
      '--from',
      write('sms.json', { name: 'SMS', channel: 'sms' }),
    );
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^created mailing \d+ "SMS" \(sms, draft\)\n/);
    expect(human.stdout).toMatch(/to do +recipients/);

    const { openApp } = await import('../app.js');
    const { loadConfig } = await import('../config.js');
    const app = await openApp(loadConfig());
    const count = async () => (await app.services.mailings.list({ limit: 500 })).total;
    try {
      const before = await count();
      for (const [name, body, code, field] of [
        ['channel.json', { name: 'X', channel: 'fax' }, 'MAILING_FILE_INVALID', 'channel'],
        ['unknown.json', { ...spring, subjekt: 'typo' }, 'MAILING_FILE_INVALID', 'subjekt'],
        [
          'nested.json',
          { ...spring, setup: { from: { address: 12 } } },
          'MAILING_FILE_INVALID',
          'setup.from.address',
        ],
        [
          'content.json',
          { ...spring, content: { format: 'docx' } },
          'MAILING_FILE_INVALID',
          'content.format',
        ],
        ['notjson.json', '{ "name": ', 'MAILING_FILE_INVALID', undefined],
        ['selection.json', { ...spring, selectionId: 999_999 }, 'SELECTION_NOT_FOUND', 'selectionId'],
      ] as const) {
        const path = write(name, body);
        const bad = await cli('mailing', 'create', '--from', path, '--json');
        expect(bad.code, name).toBe(code === 'SELECTION_NOT_FOUND' ? 3 : 2);
        const error = JSON.parse(bad.stdout).error;
        expect(error.code, name).toBe(code);
        expect(error.message.startsWith(`${path}: `), error.message).toBe(true);
        expect(error.details.file).toBe(path);
        if (field) {
          expect(error.details.field, name).toBe(field);
          expect(error.message).toContain(field);
        }
        const text = await cli('mailing', 'create', '--from', path);
        expect(text.stderr).toContain(path);
      }
      const missing = await cli('mailing', 'create', '--from', join(dir, 'nope.json'));
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('nope.json: no such file');
      // a refused file creates nothing, not even a draft it then leaves behind
      expect(await count()).toBe(before);
      // a linked selection fills the recipient list, as the same PATCH does
      const [selection] = (await app.services.selections.list({ limit: 1, offset: 0 })).items;
      const linked = await cli(
        'mailing',
        'create',
        '--from',
        write('linked.json', { ...spring, name: 'Linked', selectionId: selection?.id }),
        '--json',
      );
      expect(linked.code).toBe(0);
      const summary = await app.services.recipients.summary(JSON.parse(linked.stdout).mailing.id);
      expect(summary.total).toBeGreaterThan(0);
    } finally {
      await app.close();
    }
  });

  it('without a terminal, import progress is a plain line every few seconds', () => {
    let now = 0;
    const lines: string[] = [];
    const view = plainProgress((l) => lines.push(l), { verb: 'imported', intervalMs: 5000, now: () => now });
    const at = (t: number, rows: number) => {
      now = t;
      view.update({ rows, totalRows: 1_000_000, bytesRead: rows * 100, totalBytes: 100_000_000 });
    };
    at(1000, 20_000);
    at(4000, 60_000);
    at(5000, 120_000);
    at(6000, 140_000);
    at(10_500, 200_000);
    now = 11_000;
    view.update({ rows: 1_000_000, totalRows: 1_000_000, bytesRead: 100_000_000, totalBytes: 100_000_000 });
    expect(lines).toEqual([
      'imported 120,000 of ~1,000,000 rows (12%), 37 s left',
      'imported 200,000 of ~1,000,000 rows (20%), 42 s left',
    ]);
    expect(
      progressLine('checked', { rows: 10, totalRows: 10, bytesRead: 5, totalBytes: 5 }, 90_000_000),
    ).toBe('checked 10 of 10 rows (100%), 0 s left');
  });

  it('output piped into a reader that has gone (posthorn --help | head -0) ends quietly with exit code 0', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve('src/main.ts'), '--help'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    // like `head -0`: the reader is gone before anything is written
    child.stdout.destroy();
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(stderr).not.toMatch(/EPIPE|Error/);
    expect(code).toBe(0);
  });

  it('the command line loads no heavy module before a command runs (--help answers at once)', () => {
    // the static (non-type) imports reachable from the entry; actions import the rest with import()
    const reached = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string) => {
      if (reached.has(file)) return;
      reached.add(file);
      const source = readFileSync(file, 'utf8');
      for (const m of source.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'([^']+)'/gms)) {
        const spec = m[1] ?? '';
        if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
        else packages.add(spec);
      }
    };
    visit(resolve(import.meta.dirname, '..', 'main.ts'));
    expect([...packages].filter((p) => !p.startsWith('node:'))).toEqual(['commander']);
    expect([...reached].map((f) => f.slice(resolve(import.meta.dirname, '..').length + 1)).sort()).toEqual([
      'cli/commands.ts',
      'cli/output.ts',
      'cli/version.ts',
      'core/errors.ts',
      'main.ts',
    ]);
  });
});
