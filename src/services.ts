import { createHmac } from 'node:crypto';
import { promises as dns } from 'node:dns';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { AccessService } from './access/index.js';
import { BouncesService } from './bounces/bounces.service.js';
import { EmailAccountsService } from './channels/email/accounts.service.js';
import type { TxtResolver } from './channels/email/dkim.js';
import { SendingDomainsService } from './channels/email/domains.service.js';
import { DevOutboxTransport } from './channels/email/transport.js';
import { OutboxService } from './channels/outbox/index.js';
import { SmsGatewaysService } from './channels/sms/gateways.service.js';
import type { Clock } from './core/index.js';
import { randomToken, TokenSigner } from './core/index.js';
import { ImportService } from './crm/import/index.js';
import {
  CompaniesService,
  CustomFieldsService,
  PersonsService,
  PreferencesService,
  ProjectsService,
  SelectionsService,
} from './crm/index.js';
import { FollowupService } from './followup/followup.service.js';
import {
  FoldersService,
  ImagesService,
  MailingsService,
  TemplatesService,
  TrackedLinksService,
} from './mailings/index.js';
import { RecipientsService } from './recipients/index.js';
import { Renderer } from './render/index.js';
import { SendingService } from './sending/sending.service.js';
import { SettingsService } from './settings/index.js';
import type { BulkWriter, Capabilities, Database, DatabaseHandle } from './storage/index.js';
import { EventIngest } from './tracking/ingest.js';
import { TrackingLinks } from './tracking/links.js';
import { TrackingService } from './tracking/tracking.service.js';

export interface ServiceOptions {
  clock: Clock;
  defaultCountry: string;
  sessionTtlMs: number;
  importBatchSize: number;
  importMaxBytes: number;
  importBulkLoadMinBytes?: number | undefined;
  /** Files: images (`media/`) and attachments (`attachments/`) live below it (default `./data`). */
  dataDir?: string | undefined;
  /** The base of public links (tracking, images). */
  publicUrl?: string | undefined;
  /** Domain of the VERP return path and the unsubscribe mailto (default: the public URL's host). */
  bounceDomain?: string | undefined;
  attachmentMaxBytes?: number | undefined;
  imageMaxBytes?: number | undefined;
  /** The instance secret: seals stored relay and gateway passwords. */
  secret?: string | undefined;
  /** Mailgun's webhook signing key (default: the generic webhook secret). */
  mailgunSigningKey?: string | undefined;
  /** Test-send requests one user or API key may make per hour (default 60). */
  testSendsPerHour?: number | undefined;
  /** Hosts, addresses and CIDRs that outbound calls (HTTP SMS gateway) may reach although private. */
  allowPrivateUrls?: string[] | undefined;
  /** DNS look-ups of the sending-domain check (default: the system resolver). */
  txtResolver?: TxtResolver | undefined;
}

/** Every domain service, built over one database. Constructed only by `app.ts` (and tests). */
export interface Services {
  db: Kysely<Database>;
  capabilities: Capabilities;
  bulk: BulkWriter;
  clock: Clock;
  access: AccessService;
  customFields: CustomFieldsService;
  companies: CompaniesService;
  persons: PersonsService;
  preferences: PreferencesService;
  selections: SelectionsService;
  projects: ProjectsService;
  imports: ImportService;
  settings: SettingsService;
  folders: FoldersService;
  templates: TemplatesService;
  trackedLinks: TrackedLinksService;
  images: ImagesService;
  mailings: MailingsService;
  recipients: RecipientsService;
  /** The renderer of previews and view online (the workers build their own: app.ts). */
  render: Renderer;
  sending: SendingService;
  sendingDomains: SendingDomainsService;
  smsGateways: SmsGatewaysService;
  emailAccounts: EmailAccountsService;
  tracking: TrackingService;
  bounces: BouncesService;
  followup: FollowupService;
  /** The dev outbox: what was "sent" while no relay or gateway is set. */
  outbox: OutboxService;
  /** Keys of the bounce webhooks (the generic signature and SES token; Mailgun's signing key). */
  webhookKeys: { secret: string; mailgunSigningKey: string };
}

export function buildServices(
  handle: Pick<DatabaseHandle, 'db' | 'capabilities' | 'bulk'>,
  options: ServiceOptions,
): Services {
  const { db, capabilities, bulk } = handle;
  const { clock } = options;
  const access = new AccessService(db, clock, options.sessionTtlMs);
  const customFields = new CustomFieldsService(db, clock, access);
  const selections = new SelectionsService(db, clock, access);
  const settings = new SettingsService(db, clock, access);
  const folders = new FoldersService(db, clock, access);
  const templates = new TemplatesService(db, clock, access, folders);
  const trackedLinks = new TrackedLinksService(db, clock, access, folders);
  const mailings = new MailingsService(db, clock, access, folders, templates, trackedLinks, customFields, {
    attachmentsDir: join(options.dataDir ?? 'data', 'attachments'),
    attachmentMaxBytes: options.attachmentMaxBytes ?? 26_214_400,
    publicUrl: options.publicUrl ?? 'http://localhost:3000',
  });
  const recipients = new RecipientsService(db, clock, access, selections, settings, options.defaultCountry);
  const persons = new PersonsService(db, clock, access, customFields, options.defaultCountry);
  const projects = new ProjectsService(db, clock, access);
  const publicUrl = (options.publicUrl ?? 'http://localhost:3000').replace(/\/$/, '');
  // without an instance secret (tools that never serve links) tokens are signed with a random key
  const instanceSecret = options.secret ?? randomToken(32);
  const signer = new TokenSigner(instanceSecret);
  const webhookSecret = createHmac('sha256', instanceSecret)
    .update('posthorn bounce webhook')
    .digest('hex')
    .slice(0, 40);
  const sendingDomains = new SendingDomainsService(
    db,
    clock,
    access,
    options.txtResolver ?? new dns.Resolver(),
    options.secret,
  );
  const links = new TrackingLinks(signer, publicUrl, options.bounceDomain ?? new URL(publicUrl).hostname);
  const render = new Renderer(db, { mailings, recipients, domains: sendingDomains }, links, clock);
  // the one writer of subscriptions, consent and blocked addresses; tracking and bounces call it
  const preferences = new PreferencesService(db, clock, access);
  const tracking = new TrackingService(
    db,
    clock,
    signer,
    new EventIngest(db),
    { mailings, recipients, settings, persons, selections, projects, render },
    links,
    preferences,
  );
  const sending = new SendingService(db, clock, access, mailings, recipients, settings, {
    documentsDir: join(options.dataDir ?? 'data', 'documents'),
    defaultCountry: options.defaultCountry,
    engine: capabilities.engine,
    testSendsPerHour: options.testSendsPerHour,
  });
  const followup = new FollowupService(db, access, selections, projects, sending, capabilities.engine);
  // "send me a fresh link" mails: the dev outbox until the app wires its relay
  const outbox = new OutboxService(db, clock);
  tracking.setMailer(new DevOutboxTransport(outbox), 'noreply@localhost');
  return {
    db,
    capabilities,
    bulk,
    clock,
    access,
    customFields,
    companies: new CompaniesService(db, clock, access, customFields),
    persons,
    preferences,
    selections,
    projects,
    imports: new ImportService(db, bulk, clock, access, {
      defaultCountry: options.defaultCountry,
      batchSize: options.importBatchSize,
      maxBytes: options.importMaxBytes,
      bulkLoadMinBytes: options.importBulkLoadMinBytes ?? 8 * 1024 * 1024,
    }),
    settings,
    folders,
    templates,
    trackedLinks,
    images: new ImagesService(
      db,
      clock,
      access,
      join(options.dataDir ?? 'data', 'media'),
      options.imageMaxBytes ?? 5_242_880,
    ),
    mailings,
    recipients,
    render,
    sending,
    sendingDomains,
    smsGateways: new SmsGatewaysService(db, clock, access, options.secret, options.allowPrivateUrls),
    emailAccounts: new EmailAccountsService(db, clock, access, options.secret),
    tracking,
    bounces: new BouncesService(db, clock, access, settings, signer, preferences),
    followup,
    outbox,
    webhookKeys: { secret: webhookSecret, mailgunSigningKey: options.mailgunSigningKey ?? webhookSecret },
  };
}
