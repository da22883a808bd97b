import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { rights } from './access/index.js';
import { ImapPoller } from './bounces/imap.js';
import { InboundSmtp } from './bounces/inbound.js';
import { DevOutboxTransport, type EmailTransport, SmtpTransport } from './channels/email/transport.js';
import { DevOutboxSmsGateway } from './channels/sms/gateway.js';
import { type Config, resolveSecret } from './config.js';
import {
  type Actor,
  createLogger,
  type Logger,
  randomToken,
  systemActor,
  systemClock,
  TokenSigner,
} from './core/index.js';
import { buildServer } from './http/server.js';
import { Renderer } from './render/index.js';
import {
  DocumentRenderer,
  defaultWorkerOptions,
  EmailRouter,
  EmailSender,
  ReceiptBook,
  SendWorker,
  SmsSender,
  Throttle,
  type ThrottleLimits,
  type WorkerOptions,
} from './sending/index.js';
import { buildServices, type Services } from './services.js';
import { type DatabaseHandle, migrate, openDatabase } from './storage/index.js';
import { TrackingLinks } from './tracking/links.js';

/**
 * The composition root: config → database → services → HTTP server. Nothing else constructs
 * stateful things (connections, servers, timers).
 */
export interface App {
  config: Config & { secret: string };
  handle: DatabaseHandle;
  services: Services;
  /** The process's one logger (JSON on stderr at POSTHORN_LOG_LEVEL). */
  logger: Logger;
  close(): Promise<void>;
}

export const version: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
})();

/** The actor of work started from the command line. */
export const cliActor: Actor = systemActor('cli', rights);

/** Opens the database (applying pending migrations unless told not to) and builds the services. */
export async function openApp(config: Config, options: { migrate?: boolean } = {}): Promise<App> {
  const withSecret = resolveSecret(config);
  const handle = openDatabase(
    config.database.engine === 'sqlite'
      ? { engine: 'sqlite', file: config.database.file, busyTimeoutMs: config.sqliteBusyTimeoutMs }
      : { engine: 'postgres', url: config.database.url, poolSize: config.dbPoolSize },
  );
  try {
    if (options.migrate !== false) await migrate(handle);
    const services = buildServices(handle, {
      clock: systemClock,
      defaultCountry: config.defaultCountry,
      sessionTtlMs: config.sessionTtlMs,
      importBatchSize: config.importBatchSize,
      importMaxBytes: config.importMaxBytes,
      importBulkLoadMinBytes: config.importBulkLoadMinBytes,
      dataDir: config.dataDir,
      publicUrl: config.publicUrl,
      bounceDomain: config.bounceDomain,
      attachmentMaxBytes: config.attachmentMaxBytes,
      imageMaxBytes: config.imageMaxBytes,
      secret: withSecret.secret,
      mailgunSigningKey: config.mailgunSigningKey,
      allowPrivateUrls: config.allowPrivateUrls,
      testSendsPerHour: config.testSendsPerHour,
    });
    if (options.migrate !== false) {
      await services.access.ensureBuiltInRoles();
      await services.templates.ensureStarters();
      await services.sendingDomains.sealLegacyKeys();
    }
    return {
      config: withSecret,
      logger: createLogger(config.logLevel),
      handle,
      services,
      close: async () => {
        // queued tracking events are committed before the database closes
        await services.tracking.close().catch(() => undefined);
        await handle.close();
      },
    };
  } catch (e) {
    await handle.close();
    throw e;
  }
}

/** On a database without users: an admin user and an API key, returned so they can be printed once. */
export async function bootstrapAdmin(
  services: Services,
): Promise<{ email: string; password: string; apiKey: string } | null> {
  if ((await services.access.countUsers()) > 0) return null;
  const password = randomToken(15);
  const email = 'admin@posthorn.local';
  await services.access.createUser({ email, name: 'Administrator', password, role: 'admin' }, cliActor);
  const { key } = await services.access.createApiKey('bootstrap', 'admin', cliActor);
  return { email, password, apiKey: key };
}

/**
 * The demo's mailing: a draft e-mail from the Newsletter starter to the first demo selection, its
 * recipient list built, so a new user sees the wizard, the audit and the filter reasons at once.
 */
export async function loadDemoMailing(
  services: Services,
): Promise<{ mailingId: number; ready: number; blocked: number }> {
  const [starter] = (
    await services.templates.list({ limit: 1, offset: 0, q: 'Newsletter', channel: 'email' })
  ).items;
  const [selection] = (await services.selections.list({ limit: 1, offset: 0 })).items;
  const types = await services.preferences.listSubscriptionTypes();
  const m = await services.mailings.create(
    { name: 'Spring newsletter (demo)', channel: 'email', ...(starter ? { templateId: starter.id } : {}) },
    cliActor,
  );
  await services.mailings.update(
    m.id,
    {
      ...(selection ? { selectionId: selection.id } : {}),
      subscriptionTypeId: types.find((t) => t.name === 'Newsletter')?.id ?? types[0]?.id ?? null,
      setup: { from: { rule: 'ourContact', name: 'Posthorn demo', address: 'news@posthorn.example' } },
    },
    cliActor,
  );
  const summary = await services.recipients.build(m.id, cliActor);
  return { mailingId: m.id, ready: summary.byStatus.ready ?? 0, blocked: summary.byStatus.blocked ?? 0 };
}

export interface Workers {
  worker: SendWorker;
  transport: EmailTransport;
  sms: SmsSender;
  receipts: ReceiptBook;
  stop(): Promise<void>;
}

/**
 * The send worker and the scheduler tick (a due scheduled mailing starts; the state guard makes
 * sure only one process starts it). E-mail goes to the SMTP relay of `smtpUrl`, else to the dev
 * outbox.
 */
export function startWorkers(
  services: Services,
  options: {
    secret: string;
    publicUrl: string;
    bounceDomain: string;
    smtpUrl?: string | undefined;
    smtpPoolSize: number;
    /** SMS in flight at once (default 20). */
    smsConcurrency?: number | undefined;
    workerOptions?: Partial<WorkerOptions> | undefined;
    limits?: ThrottleLimits | undefined;
    idleMs?: number | undefined;
    /** false: build the worker without starting its loop (tests drive `tick`). */
    run?: boolean | undefined;
    /** Where failing ticks are reported (default: nowhere, for tests that drive `tick`). */
    logger?: Logger | undefined;
  },
): Workers {
  const log = options.logger ?? createLogger('silent');
  // the accounts of the settings; without any, the POSTHORN_SMTP_URL relay or the dev outbox
  const transport: EmailTransport = new EmailRouter(
    services.emailAccounts,
    options.smtpUrl
      ? new SmtpTransport(options.smtpUrl, { poolSize: options.smtpPoolSize })
      : new DevOutboxTransport(services.outbox),
    services.clock,
  );
  // "send me a fresh link" mails of the public pages go out the same way
  services.tracking.setMailer(transport, `noreply@${options.bounceDomain}`);
  const throttle = new Throttle(services.clock, options.limits);
  // the workers' renderer: their secret, public URL and bounce domain (the same as the API's in
  // an app; a prepared mailing is cached per revision key, read from the database per batch)
  const render = new Renderer(
    services.db,
    { mailings: services.mailings, recipients: services.recipients, domains: services.sendingDomains },
    new TrackingLinks(new TokenSigner(options.secret), options.publicUrl, options.bounceDomain),
    services.clock,
  );
  const sender = new EmailSender(
    render,
    transport,
    { concurrency: options.smtpUrl ? options.smtpPoolSize : 1 },
    throttle,
    services.clock,
  );
  const receipts = new ReceiptBook(services.db, services.clock);
  const sms = new SmsSender(
    render,
    services.smsGateways,
    new DevOutboxSmsGateway(services.outbox),
    receipts,
    throttle,
    services.clock,
    { concurrency: options.smsConcurrency ?? 20 },
  );
  const documents = new DocumentRenderer(render, services.sending.documentsDir, services.clock);
  const worker = new SendWorker(
    services.db,
    services.capabilities,
    services.clock,
    { email: sender, sms, document: documents },
    {
      ...defaultWorkerOptions,
      ...options.workerOptions,
    },
  );
  const schedulerActor = systemActor('scheduler', rights);
  let timer: NodeJS.Timeout | null = null;
  if (options.run !== false) {
    worker.start(options.idleMs ?? 500, (e) => {
      // the database or the relay is away: say so once per failing tick, and keep trying
      log.error({ worker: worker.id, err: e }, 'send worker tick failed');
    });
    timer = setInterval(() => {
      void services.sending.startDue(schedulerActor).catch(() => undefined);
      // delivery receipts that arrived between batches
      void receipts.flush().catch(() => undefined);
    }, 1000);
    timer.unref();
  }
  return {
    worker,
    transport,
    sms,
    receipts,
    stop: async () => {
      if (timer) clearInterval(timer);
      await worker.stop();
      await receipts.flush().catch(() => undefined);
      await Promise.all([transport.close(), sms.close()]);
    },
  };
}

/**
 * Bounce intake that runs beside the web server: the inbound SMTP receiver (when
 * POSTHORN_INBOUND_SMTP_PORT is set) and the IMAP poller (when POSTHORN_BOUNCE_IMAP_URL is set).
 */
export async function startBounceIntake(
  app: App,
): Promise<{ smtpPort: number | null; imap: boolean; stop(): Promise<void> }> {
  const c = app.config;
  let inbound: InboundSmtp | null = null;
  let smtpPort: number | null = null;
  if (c.inboundSmtpPort !== undefined) {
    inbound = new InboundSmtp(app.services.bounces, app.services.tracking, {
      host: c.inboundSmtpHost,
      port: c.inboundSmtpPort,
      bounceDomain: c.bounceDomain,
      maxBytes: c.inboundMaxBytes,
      connectionsPerMinute: 120,
    });
    smtpPort = await inbound.start();
  }
  let poller: ImapPoller | null = null;
  if (c.bounceImapUrl) {
    poller = new ImapPoller(app.services.bounces, c.bounceImapUrl, { maxBytes: c.inboundMaxBytes });
    poller.start(c.bounceImapPollMs, (e) => {
      app.logger.error({ err: e }, 'bounce mailbox poll failed');
    });
  }
  return {
    smtpPort,
    imap: poller !== null,
    stop: async () => {
      await inbound?.close();
      await poller?.stop();
    },
  };
}

export async function startServer(app: App): Promise<FastifyInstance> {
  const server = await buildServer(app.services, {
    dataDir: app.config.dataDir,
    bodyLimitBytes: app.config.bodyLimitBytes,
    importMaxBytes: app.config.importMaxBytes,
    attachmentMaxBytes: app.config.attachmentMaxBytes,
    imageMaxBytes: app.config.imageMaxBytes,
    loginRatePerMinute: app.config.loginRatePerMinute,
    logLevel: app.config.logLevel,
    publicUrl: app.config.publicUrl,
    adminUrl: app.config.adminUrl,
    trustProxy: app.config.trustProxy,
    version,
    logger: app.logger,
  });
  await server.listen({ host: app.config.host, port: app.config.port });
  return server;
}
