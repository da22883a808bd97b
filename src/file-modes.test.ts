import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliActor, openApp } from './app.js';
import { loadConfig } from './config.js';

/** The permission bits of a file or directory, as an octal string ("600"). */
function mode(path: string): string {
  return (statSync(path).mode & 0o777).toString(8);
}

const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.alloc(32, 1),
]);

// the files are SQLite's and the data directory's whatever engine the other tests use
describe('files of the data directory', () => {
  const root = mkdtempSync(join(tmpdir(), 'posthorn-modes-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('the data directory is 0700 and the database file 0600', async () => {
    const dataDir = join(root, 'data');
    const app = await openApp(loadConfig({ POSTHORN_DATA_DIR: dataDir }));
    try {
      const db = join(dataDir, 'posthorn.db');
      expect(mode(dataDir)).toBe('700');
      expect(mode(db)).toBe('600');
      for (const companion of [`${db}-wal`, `${db}-shm`]) {
        expect(existsSync(companion)).toBe(true);
        expect(mode(companion)).toBe('600');
      }
      expect(mode(join(dataDir, 'secret'))).toBe('600');

      // uploads: an image of the library and an attachment of a mailing
      await app.services.images.upload('logo.png', png, cliActor);
      const m = await app.services.mailings.create({ name: 'Modes', channel: 'email' }, cliActor);
      await app.services.mailings.addAttachment(
        m.id,
        'terms.pdf',
        'application/pdf',
        Buffer.from('%PDF'),
        cliActor,
      );
      for (const sub of ['media', 'attachments']) {
        const dir = join(dataDir, sub);
        expect(mode(dir)).toBe('700');
        const files = readdirSync(dir);
        expect(files).toHaveLength(1);
        for (const f of files) expect(mode(join(dir, f))).toBe('600');
      }
    } finally {
      await app.close();
    }

    // a database created world-readable by an earlier version is tightened when opened
    chmodSync(join(dataDir, 'posthorn.db'), 0o644);
    const again = await openApp(loadConfig({ POSTHORN_DATA_DIR: dataDir }));
    try {
      expect(mode(join(dataDir, 'posthorn.db'))).toBe('600');
    } finally {
      await again.close();
    }
  });

  it('with the secret and database set elsewhere, the data directory is still created 0700', async () => {
    const dataDir = join(root, 'files', 'data');
    const dbDir = join(root, 'db', 'nested');
    const app = await openApp(
      loadConfig({
        POSTHORN_DATA_DIR: dataDir,
        POSTHORN_DATABASE_URL: `sqlite:${join(dbDir, 'p.db')}`,
        POSTHORN_SECRET: 'a-secret-from-the-environment-0123456789',
      }),
    );
    try {
      expect(mode(dbDir)).toBe('700');
      expect(mode(join(dbDir, 'p.db'))).toBe('600');
      expect(existsSync(dataDir)).toBe(false);
      await app.services.images.upload('logo.png', png, cliActor);
      expect(mode(join(root, 'files'))).toBe('700');
      expect(mode(dataDir)).toBe('700');
      expect(mode(join(dataDir, 'media'))).toBe('700');
    } finally {
      await app.close();
    }
  });
});
