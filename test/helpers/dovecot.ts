import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export interface Dovecot {
  port: number;
  user: string;
  password: string;
  url: string;
  stop(): void;
}

const binary = ['/usr/sbin/dovecot', '/usr/local/sbin/dovecot'].find((b) => existsSync(b));

/** Why Dovecot cannot be started here, or null when it can (the tests report a visible skip). */
export const dovecotMissing: string | null = binary
  ? null
  : 'dovecot is not installed (Debian: apt-get install dovecot-imapd; .ci/run installs it)';

/**
 * A real Dovecot IMAP server on a free loopback port, with its own configuration, one user with a
 * plain password and maildir storage in a temporary directory. Runs as the unprivileged `dovecot`
 * (or `nobody`) user for mail access when started as root.
 */
export async function startDovecot(): Promise<Dovecot> {
  if (!binary) throw new Error(dovecotMissing ?? 'dovecot missing');
  const dir = mkdtempSync(join(tmpdir(), 'posthorn-dovecot-'));
  // the auth process (user dovecot) reads the passwd file
  chmodSync(dir, 0o755);
  const port = await freePort();
  const user = 'bounces';
  const password = 'bounce-password-1';
  const root = process.getuid?.() === 0;
  const ids = (name: string) => {
    const r = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const g = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    return r.status === 0 ? { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) } : null;
  };
  const owner = root
    ? (ids('dovecot') ?? ids('nobody') ?? { uid: 65534, gid: 65534 })
    : { uid: process.getuid?.() ?? 1000, gid: process.getgid?.() ?? 1000 };
  const home = join(dir, 'home');
  mkdirSync(join(home, user), { recursive: true });
  mkdirSync(join(dir, 'run'), { recursive: true });
  if (root) {
    chownSync(home, owner.uid, owner.gid);
    chownSync(join(home, user), owner.uid, owner.gid);
  }
  writeFileSync(
    join(dir, 'passwd'),
    `${user}:{PLAIN}${password}:${owner.uid}:${owner.gid}::${join(home, user)}\n`,
  );
  const conf = join(dir, 'dovecot.conf');
  writeFileSync(
    conf,
    `protocols = imap
listen = 127.0.0.1
base_dir = ${join(dir, 'run')}
state_dir = ${join(dir, 'run')}
log_path = ${join(dir, 'dovecot.log')}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:~/Maildir
${root ? '' : `default_internal_user = ${process.env.USER ?? 'nobody'}\ndefault_login_user = ${process.env.USER ?? 'nobody'}\n`}
passdb {
  driver = passwd-file
  args = ${join(dir, 'passwd')}
}
userdb {
  driver = passwd-file
  args = ${join(dir, 'passwd')}
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
`,
  );
  execFileSync(binary, ['-c', conf], { stdio: 'ignore' });
  // wait until it answers
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = new Socket();
      s.once('error', () => resolve(false));
      s.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
    });
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`dovecot did not start on port ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    user,
    password,
    url: `imap://${user}:${password}@127.0.0.1:${port}/INBOX`,
    stop: () => {
      spawnSync(binary, ['-c', conf, 'stop']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
