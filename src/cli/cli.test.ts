import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '../main.js';

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
      { line: 3, field: 'email', value: 'feil@', reason: 'nothing after the @' },
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
    ]) {
      const r = await cli(...args, '--help');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Example');
    }
  });
});
