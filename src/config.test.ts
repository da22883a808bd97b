import { describe, expect, it } from 'vitest';
import { describeConfig, loadConfig } from './config.js';
import { redactUrl } from './core/index.js';

const secrets = {
  POSTHORN_SMTP_URL: 'smtp://u:secretpw@h:587',
  POSTHORN_BOUNCE_IMAP_URL: 'imaps://u:secretpw@h/INBOX',
  POSTHORN_DATABASE_URL: 'postgres://u:secretpw@h/db',
  POSTHORN_MAILGUN_SIGNING_KEY: 'key-secretpw-0123456789',
  POSTHORN_SECRET: 'secretpw-secretpw-secretpw-secretpw-0123',
};

describe('config', () => {
  it('posthorn config hides passwords in URLs and secret settings', () => {
    const rows = describeConfig(secrets);
    expect(JSON.stringify(rows)).not.toContain('secretpw');
    const value = (name: string) => rows.find((r) => r.name === name)?.value;
    // what is left still tells which relay, mailbox and database are configured
    expect(value('POSTHORN_SMTP_URL')).toBe('smtp://u:***@h:587');
    expect(value('POSTHORN_BOUNCE_IMAP_URL')).toBe('imaps://u:***@h/INBOX');
    expect(value('POSTHORN_DATABASE_URL')).toBe('postgres://u:***@h/db');
    expect(value('POSTHORN_MAILGUN_SIGNING_KEY')).toBe('(set, hidden)');
    expect(value('POSTHORN_SECRET')).toBe('(set, hidden)');
    expect(value('POSTHORN_PORT')).toBeNull();
  });

  it('an invalid secret setting is reported without its value', () => {
    for (const env of [
      { POSTHORN_SECRET: 'secretpw-too-short' },
      { POSTHORN_SMTP_URL: 'smtp://u:secretpw@ho st:587' },
    ]) {
      let error: unknown;
      try {
        loadConfig(env);
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ code: 'CONFIG_INVALID' });
      expect(JSON.stringify(error)).not.toContain('secretpw');
      expect(String((error as Error).message)).not.toContain('secretpw');
    }
  });

  it('redactUrl masks only the password and keeps the rest as written', () => {
    expect(redactUrl('smtp://user:pass@relay.example.com:587/?tls=required')).toBe(
      'smtp://user:***@relay.example.com:587/?tls=required',
    );
    expect(redactUrl('smtps://us%40er:p%2Fa%3Ass@relay')).toBe('smtps://us%40er:***@relay');
    // an unencoded "@" in the password: the host follows the last one
    expect(redactUrl('imaps://u:p@ss@imap.example.com/INBOX')).toBe('imaps://u:***@imap.example.com/INBOX');
    expect(redactUrl('smtp://user@relay:25')).toBe('smtp://user@relay:25');
    expect(redactUrl('smtp://relay:25/?from=a@b')).toBe('smtp://relay:25/?from=a@b');
    expect(redactUrl('/var/lib/posthorn/posthorn.db')).toBe('/var/lib/posthorn/posthorn.db');
    expect(redactUrl('sqlite:./data/p.db')).toBe('sqlite:./data/p.db');
  });
});
