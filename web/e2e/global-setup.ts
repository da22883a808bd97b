import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'posthorn.js');

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** The built server and UI, rebuilt when a source is newer than the build. */
function ensureBuilt(): void {
  const main = join(root, 'dist', 'main.js');
  if (!existsSync(main) || statSync(main).mtimeMs < newestMtime(join(root, 'src'))) {
    console.log('[e2e] building the server (npm run build)');
    try {
      execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
    } catch (e) {
      // tsc still writes JavaScript when it finds type errors; those fail `npm run typecheck`
      if (!existsSync(main)) throw e;
      console.warn('[e2e] the server build reported errors; testing what it wrote');
    }
  }
  const index = join(root, 'dist', 'web', 'index.html');
  if (!existsSync(index) || statSync(index).mtimeMs < newestMtime(join(root, 'web', 'src'))) {
    console.log('[e2e] building the web UI (npm run build:web)');
    execFileSync('npm', ['run', '--silent', 'build:web'], { cwd: root, stdio: 'inherit' });
  }
}

function cli(args: string[], env: NodeJS.ProcessEnv): string {
  return execFileSync(process.execPath, [bin, ...args], { cwd: root, env, encoding: 'utf8' });
}

/** Waits for the first JSON document `serve --json` prints: the URL and, on a new database, the admin. */
async function started(
  child: ChildProcess,
): Promise<{ url: string; firstStart: { email: string; password: string } | null }> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(
      () => reject(new Error(`posthorn serve did not start in 60 s:\n${err}`)),
      60_000,
    );
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      try {
        const doc = JSON.parse(out) as {
          url: string;
          firstStart: { email: string; password: string } | null;
        };
        clearTimeout(timer);
        resolve(doc);
      } catch {
        // not the whole document yet
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`posthorn serve exited (${code}) before it started:\n${err}`));
    });
  });
}

/**
 * A fresh Posthorn for the browser tests: a temporary data directory and SQLite file, the demo
 * CRM and mailing, the administrator printed once on first start, and a marketer (no
 * manageSettings) created with the CLI. The tests read the address and credentials from the
 * environment. Returns the teardown.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  ensureBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), 'posthorn-e2e-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    POSTHORN_DATA_DIR: dataDir,
    POSTHORN_DATABASE_URL: join(dataDir, 'posthorn.db'),
    POSTHORN_HOST: '127.0.0.1',
    POSTHORN_PORT: String(port),
    POSTHORN_PUBLIC_URL: base,
    POSTHORN_LOG_LEVEL: 'warn',
    POSTHORN_LOGIN_RATE_PER_MINUTE: '1000',
    // strict answers (docs/decisions/0010): an answer that does not fit its declared schema is a
    // 500 here, so the browser tests also check every answer the screens read
    NODE_ENV: 'test',
  };
  for (const key of [
    'POSTHORN_ADMIN_URL',
    'POSTHORN_SMTP_URL',
    'POSTHORN_INBOUND_SMTP_PORT',
    'POSTHORN_BOUNCE_IMAP_URL',
  ])
    delete env[key];

  const server = spawn(process.execPath, [bin, 'serve', '--json'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = async () => {
    if (server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (server.exitCode === null) server.kill('SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const { firstStart } = await started(server);
    if (!firstStart) throw new Error('posthorn serve printed no administrator: the database was not new');
    cli(['demo', '--json'], env);
    const marketer = { email: 'marketer@posthorn.test', password: 'marketer password 1' };
    cli(
      [
        'user',
        'create',
        '--email',
        marketer.email,
        '--name',
        'Mari Marketer',
        '--password',
        marketer.password,
        '--role',
        'marketer',
        '--json',
      ],
      env,
    );
    process.env.POSTHORN_E2E_BASE_URL = base;
    process.env.POSTHORN_E2E_ADMIN_EMAIL = firstStart.email;
    process.env.POSTHORN_E2E_ADMIN_PASSWORD = firstStart.password;
    process.env.POSTHORN_E2E_MARKETER_EMAIL = marketer.email;
    process.env.POSTHORN_E2E_MARKETER_PASSWORD = marketer.password;
  } catch (e) {
    await stop();
    throw e;
  }
  return stop;
}
