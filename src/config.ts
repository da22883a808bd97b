import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { AppError, redactUrl } from './core/index.js';

/**
 * Every setting Posthorn reads, from `POSTHORN_*` environment variables. This module is the only
 * reader of `process.env`; everything else receives a `Config`. Each field documents its meaning,
 * unit and default; `posthorn config` prints the same table.
 */
const settings = {
  POSTHORN_DATA_DIR: {
    schema: z.string().min(1).default('./data'),
    help: 'Directory for files: the SQLite database (by default), uploads, generated PDFs, the secret.',
  },
  POSTHORN_DATABASE_URL: {
    schema: z.string().min(1).optional(),
    help: 'Database: a file path or sqlite:PATH for SQLite, postgres://… for PostgreSQL. Default: <data dir>/posthorn.db.',
  },
  POSTHORN_HOST: {
    schema: z.string().min(1).default('127.0.0.1'),
    help: 'Interface the web server listens on (0.0.0.0 for all).',
  },
  POSTHORN_PORT: {
    schema: z.coerce.number().int().min(0).max(65535).default(3000),
    help: 'TCP port of the web server (API, tracking, hosted pages).',
  },
  POSTHORN_PUBLIC_URL: {
    schema: z.url().optional(),
    help: 'Public base URL of tracking links and hosted pages. Default: http://localhost:<port>.',
  },
  POSTHORN_ADMIN_URL: {
    schema: z.url().optional(),
    help: 'Base URL where staff use Posthorn (web UI, API), when it differs from POSTHORN_PUBLIC_URL (public pages on their own host name: docs/security.md). Cookie-authenticated writes are accepted only from this origin. Default: the public URL.',
  },
  POSTHORN_SECRET: {
    schema: z.string().min(32).optional(),
    help: 'HMAC secret for signed tokens (≥ 32 characters). Default: generated on first start and kept in <data dir>/secret.',
  },
  POSTHORN_LOG_LEVEL: {
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    help: 'Log level of the JSON logs on stderr.',
  },
  POSTHORN_DEFAULT_COUNTRY: {
    schema: z
      .string()
      .regex(/^[A-Z]{2}$/, 'an ISO 3166 two-letter country code such as NO')
      .default('NO'),
    help: 'Country assumed for mobile numbers written without a country code (ISO 3166 alpha-2).',
  },
  POSTHORN_BODY_LIMIT_BYTES: {
    schema: z.coerce.number().int().positive().default(1_048_576),
    help: 'Largest JSON request body, in bytes.',
  },
  POSTHORN_IMPORT_MAX_BYTES: {
    schema: z.coerce.number().int().positive().default(1_073_741_824),
    help: 'Largest import file (CSV/XLSX), in bytes; larger files are refused before reading.',
  },
  POSTHORN_SMTP_URL: {
    schema: z.string().url().optional(),
    help: 'The outbound SMTP relay, e.g. smtp://user:pass@relay.example.com:587 (smtps:// for TLS on connect; ?tls=none to skip STARTTLS). Unset: every message goes to the dev outbox (GET /api/v1/outbox).',
  },
  POSTHORN_SMTP_POOL_SIZE: {
    schema: z.coerce.number().int().min(1).max(100).default(5),
    help: 'SMTP connections kept open to the relay (messages in flight at once).',
  },
  POSTHORN_BOUNCE_DOMAIN: {
    schema: z.string().trim().min(1).max(253).optional(),
    help: 'Domain of the VERP return path bounces+<token>@<domain> and of the unsubscribe mailto (default: the host of POSTHORN_PUBLIC_URL).',
  },
  POSTHORN_SMTP_RATE_PER_SECOND: {
    schema: z.coerce.number().positive().optional(),
    help: 'Messages per second through the relay, per worker process (unset: as fast as the relay accepts).',
  },
  POSTHORN_DESTINATION_RATES: {
    schema: z
      .string()
      .regex(
        /^\s*([\w.*-]+=\d+(\.\d+)?)(\s*,\s*[\w.*-]+=\d+(\.\d+)?)*\s*$/,
        'domain=perSecond pairs, e.g. gmail.com=50,*=20',
      )
      .optional(),
    help: 'Messages per second per destination domain, per worker process: "gmail.com=50,outlook.com=30,*=20".',
  },
  POSTHORN_SEND_BATCH_SIZE: {
    schema: z.coerce.number().int().min(1).max(10_000).default(200),
    help: 'Ledger rows a send worker claims at once.',
  },
  POSTHORN_SEND_LEASE_SECONDS: {
    schema: z.coerce.number().int().min(1).max(86_400).default(300),
    help: 'How long a claim holds, in seconds; the rows of a worker that died are sent again (same Message-ID) after this.',
  },
  POSTHORN_ATTACHMENT_MAX_BYTES: {
    schema: z.coerce.number().int().positive().default(26_214_400),
    help: 'Total size of the attachments of one e-mail mailing, in bytes (25 MiB).',
  },
  POSTHORN_IMAGE_MAX_BYTES: {
    schema: z.coerce.number().int().positive().default(5_242_880),
    help: 'Largest image in the image library, in bytes (5 MiB); PNG, JPEG, GIF and WebP only.',
  },
  POSTHORN_IMPORT_BATCH_SIZE: {
    schema: z.coerce.number().int().min(1).max(50_000).default(5000),
    help: 'Rows written per transaction during an import (larger is faster on SQLite, holds the write lock longer).',
  },
  POSTHORN_IMPORT_BULK_LOAD_MIN_BYTES: {
    schema: z.coerce
      .number()
      .int()
      .min(0)
      .default(8 * 1024 * 1024),
    help: 'Import files at least this large (bytes) load in bulk mode on SQLite: search indexes are rebuilt once at the end.',
  },
  POSTHORN_LOGIN_RATE_PER_MINUTE: {
    schema: z.coerce.number().int().positive().default(10),
    help: 'Login attempts allowed per client IP per minute.',
  },
  POSTHORN_SESSION_TTL_HOURS: {
    schema: z.coerce.number().positive().default(12),
    help: 'How long a login session stays valid, in hours.',
  },
  POSTHORN_DB_POOL_SIZE: {
    schema: z.coerce.number().int().min(2).max(200).default(10),
    help: 'PostgreSQL connections per process (at least 2: the scheduler holds one while it starts due mailings).',
  },
  POSTHORN_INBOUND_SMTP_PORT: {
    schema: z.coerce.number().int().min(0).max(65535).optional(),
    help: 'Port of the inbound SMTP bounce receiver (point the MX of the bounce domain at it; 25 in production). Unset: no receiver.',
  },
  POSTHORN_INBOUND_SMTP_HOST: {
    schema: z.string().min(1).default('0.0.0.0'),
    help: 'Interface of the inbound SMTP bounce receiver. It accepts only our own VERP and unsubscribe addresses, so it is never a relay.',
  },
  POSTHORN_INBOUND_MAX_BYTES: {
    schema: z.coerce.number().int().positive().default(10_485_760),
    help: 'Largest message the bounce receiver (and the IMAP poller) accepts, in bytes (10 MiB).',
  },
  POSTHORN_BOUNCE_IMAP_URL: {
    schema: z
      .string()
      .regex(/^imaps?:\/\//, 'imap://user:pass@host:143/INBOX or imaps://…:993/INBOX')
      .optional(),
    help: 'A bounce mailbox polled over IMAP (imaps://user:password@host:993/INBOX); read bounces are moved to the folder "Processed". Unset: no poller.',
  },
  POSTHORN_BOUNCE_IMAP_POLL_SECONDS: {
    schema: z.coerce.number().int().min(5).max(86_400).default(60),
    help: 'How often the bounce mailbox is read, in seconds.',
  },
  POSTHORN_MAILGUN_SIGNING_KEY: {
    schema: z.string().min(8).optional(),
    help: "Mailgun's HTTP webhook signing key, for POST /api/v1/webhooks/bounces?provider=mailgun.",
  },
  POSTHORN_TRUST_PROXY: {
    schema: z
      .string()
      .trim()
      .regex(
        /^(\d{1,2}|true|false|[0-9a-fA-F.:/]+(\s*,\s*[0-9a-fA-F.:/]+)*)$/,
        'a number of proxy hops (e.g. 1), or addresses/CIDRs of the proxies (e.g. 10.0.0.1,172.16.0.0/12)',
      )
      .optional(),
    help: "Set when Posthorn runs behind a reverse proxy: the number of proxy hops (1), or the proxies' addresses/CIDRs. The client address (login rate limit) and https (Secure cookies) are then read from X-Forwarded-For / X-Forwarded-Proto. Unset: the socket peer is the client.",
  },
  POSTHORN_ALLOW_PRIVATE_URLS: {
    schema: z.string().trim().optional(),
    help: 'Hosts, addresses or CIDRs that the HTTP SMS gateway may call although they are loopback or private (e.g. 127.0.0.1,10.0.0.0/8,sms.internal). Unset: such addresses are refused.',
  },
  POSTHORN_TEST_SENDS_PER_HOUR: {
    schema: z.coerce.number().int().min(1).max(100_000).default(60),
    help: 'Test-send requests one user (or API key) may make per hour; each request mails at most 20 addresses.',
  },
  POSTHORN_SQLITE_BUSY_TIMEOUT_MS: {
    schema: z.coerce.number().int().min(0).default(5000),
    help: 'How long SQLite waits for a lock held by another process, in milliseconds.',
  },
} as const;

type Settings = typeof settings;
type RawConfig = { [K in keyof Settings]: z.output<Settings[K]['schema']> };

export interface Config {
  dataDir: string;
  database: { engine: 'sqlite'; file: string } | { engine: 'postgres'; url: string };
  host: string;
  port: number;
  publicUrl: string;
  /** Where staff use the UI and API (default: the public URL); its origin passes the CSRF check. */
  adminUrl: string;
  /** Undefined until `resolveSecret` has read or created it. */
  secret: string | undefined;
  logLevel: RawConfig['POSTHORN_LOG_LEVEL'];
  defaultCountry: string;
  bodyLimitBytes: number;
  importMaxBytes: number;
  attachmentMaxBytes: number;
  imageMaxBytes: number;
  smtpUrl: string | undefined;
  sendBatchSize: number;
  smtpRatePerSecond: number | undefined;
  destinationRates: Record<string, number> | undefined;
  sendLeaseMs: number;
  smtpPoolSize: number;
  bounceDomain: string;
  importBatchSize: number;
  importBulkLoadMinBytes: number;
  loginRatePerMinute: number;
  sessionTtlMs: number;
  dbPoolSize: number;
  sqliteBusyTimeoutMs: number;
  inboundSmtpPort: number | undefined;
  inboundSmtpHost: string;
  inboundMaxBytes: number;
  bounceImapUrl: string | undefined;
  bounceImapPollMs: number;
  mailgunSigningKey: string | undefined;
  /** Fastify's trustProxy: false, a hop count, or a list of addresses/CIDRs. */
  trustProxy: boolean | number | string[];
  /** Hosts, addresses and CIDRs that outbound calls may reach although private (empty: none). */
  allowPrivateUrls: string[];
  testSendsPerHour: number;
}

const schema = z.object(
  Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, v.schema])) as {
    [K in keyof Settings]: Settings[K]['schema'];
  },
);

/** Reads and validates the settings; an invalid value is an AppError naming the variable. */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  cwd = process.cwd(),
): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(settings)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? 'POSTHORN_*');
    const given = input[variable];
    throw new AppError('invalid', 'CONFIG_INVALID', `${variable}: ${issue?.message ?? 'invalid value'}`, {
      variable,
      // `posthorn config --json` and startup errors print the details: a short secret or a
      // malformed relay URL must not appear there either
      value: given === undefined ? undefined : shownValue(variable, given),
    });
  }
  const raw = parsed.data as RawConfig;
  const dataDir = isAbsolute(raw.POSTHORN_DATA_DIR)
    ? raw.POSTHORN_DATA_DIR
    : resolve(cwd, raw.POSTHORN_DATA_DIR);
  return {
    dataDir,
    database: parseDatabaseUrl(raw.POSTHORN_DATABASE_URL, dataDir, cwd),
    host: raw.POSTHORN_HOST,
    port: raw.POSTHORN_PORT,
    publicUrl: (raw.POSTHORN_PUBLIC_URL ?? `http://localhost:${raw.POSTHORN_PORT}`).replace(/\/+$/, ''),
    adminUrl: (
      raw.POSTHORN_ADMIN_URL ??
      raw.POSTHORN_PUBLIC_URL ??
      `http://localhost:${raw.POSTHORN_PORT}`
    ).replace(/\/+$/, ''),
    secret: raw.POSTHORN_SECRET,
    logLevel: raw.POSTHORN_LOG_LEVEL,
    defaultCountry: raw.POSTHORN_DEFAULT_COUNTRY,
    bodyLimitBytes: raw.POSTHORN_BODY_LIMIT_BYTES,
    importMaxBytes: raw.POSTHORN_IMPORT_MAX_BYTES,
    attachmentMaxBytes: raw.POSTHORN_ATTACHMENT_MAX_BYTES,
    smtpUrl: raw.POSTHORN_SMTP_URL,
    sendBatchSize: raw.POSTHORN_SEND_BATCH_SIZE,
    smtpRatePerSecond: raw.POSTHORN_SMTP_RATE_PER_SECOND,
    destinationRates: raw.POSTHORN_DESTINATION_RATES
      ? Object.fromEntries(
          raw.POSTHORN_DESTINATION_RATES.split(',').map((pair) => {
            const [domain = '', rate = '0'] = pair.trim().split('=');
            return [domain.toLowerCase(), Number(rate)];
          }),
        )
      : undefined,
    sendLeaseMs: raw.POSTHORN_SEND_LEASE_SECONDS * 1000,
    smtpPoolSize: raw.POSTHORN_SMTP_POOL_SIZE,
    bounceDomain:
      raw.POSTHORN_BOUNCE_DOMAIN ??
      new URL(raw.POSTHORN_PUBLIC_URL ?? `http://localhost:${raw.POSTHORN_PORT}`).hostname,
    imageMaxBytes: raw.POSTHORN_IMAGE_MAX_BYTES,
    importBatchSize: raw.POSTHORN_IMPORT_BATCH_SIZE,
    importBulkLoadMinBytes: raw.POSTHORN_IMPORT_BULK_LOAD_MIN_BYTES,
    loginRatePerMinute: raw.POSTHORN_LOGIN_RATE_PER_MINUTE,
    sessionTtlMs: raw.POSTHORN_SESSION_TTL_HOURS * 3_600_000,
    dbPoolSize: raw.POSTHORN_DB_POOL_SIZE,
    sqliteBusyTimeoutMs: raw.POSTHORN_SQLITE_BUSY_TIMEOUT_MS,
    inboundSmtpPort: raw.POSTHORN_INBOUND_SMTP_PORT,
    inboundSmtpHost: raw.POSTHORN_INBOUND_SMTP_HOST,
    inboundMaxBytes: raw.POSTHORN_INBOUND_MAX_BYTES,
    bounceImapUrl: raw.POSTHORN_BOUNCE_IMAP_URL,
    bounceImapPollMs: raw.POSTHORN_BOUNCE_IMAP_POLL_SECONDS * 1000,
    mailgunSigningKey: raw.POSTHORN_MAILGUN_SIGNING_KEY,
    trustProxy: parseTrustProxy(raw.POSTHORN_TRUST_PROXY),
    allowPrivateUrls: (raw.POSTHORN_ALLOW_PRIVATE_URLS ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter((s) => s !== ''),
    testSendsPerHour: raw.POSTHORN_TEST_SENDS_PER_HOUR,
  };
}

function parseTrustProxy(value: string | undefined): boolean | number | string[] {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d{1,2}$/.test(value)) return Number(value);
  return value.split(',').map((s) => s.trim());
}

function parseDatabaseUrl(url: string | undefined, dataDir: string, cwd: string): Config['database'] {
  if (url === undefined) return { engine: 'sqlite', file: join(dataDir, 'posthorn.db') };
  if (/^postgres(ql)?:\/\//.test(url)) return { engine: 'postgres', url };
  const path = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : url;
  if (path === ':memory:') return { engine: 'sqlite', file: path };
  return { engine: 'sqlite', file: isAbsolute(path) ? path : resolve(cwd, path) };
}

/**
 * Returns the config with its HMAC secret: POSTHORN_SECRET when set, else the one kept in
 * `<data dir>/secret`, created (random, 48 bytes, mode 0600) on first start.
 */
export function resolveSecret(config: Config): Config & { secret: string } {
  if (config.secret !== undefined) return { ...config, secret: config.secret };
  const file = join(config.dataDir, 'secret');
  let secret: string;
  try {
    secret = readFileSync(file, 'utf8').trim();
  } catch {
    // the data directory holds the database, uploads and this secret: only our user may enter it
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    secret = randomBytes(48).toString('base64url');
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  }
  return { ...config, secret };
}

/** The settings table for `posthorn config`: name, meaning, default and the value in force. */
export function describeConfig(env: Record<string, string | undefined> = process.env): Array<{
  name: string;
  help: string;
  default: string | null;
  value: string | null;
}> {
  return Object.entries(settings).map(([name, s]) => {
    const parsedDefault = s.schema.safeParse(undefined);
    const def = parsedDefault.success && parsedDefault.data !== undefined ? String(parsedDefault.data) : null;
    const raw = env[name];
    const value = raw === undefined || raw === '' ? null : shownValue(name, raw);
    return { name, help: s.help, default: def, value };
  });
}

/**
 * Settings that are secrets as a whole. Besides these, any name ending in _SECRET, _KEY, _TOKEN
 * or _PASSWORD counts, so a setting added later is hidden without remembering this list.
 */
const secretSettings = new Set(['POSTHORN_SECRET', 'POSTHORN_MAILGUN_SIGNING_KEY']);

/**
 * A setting's value as it may be printed or logged: secrets as "(set, hidden)", and every other
 * value with the password of a URL in it masked (the relay, IMAP and PostgreSQL URLs carry them).
 */
function shownValue(name: string, value: string): string {
  if (secretSettings.has(name) || /_(SECRET|KEY|TOKEN|PASSWORD)$/.test(name)) return '(set, hidden)';
  return redactUrl(value);
}
