import type { Generated } from 'kysely';
import type { Channel, MailingState } from '../mailings/index.js';

/**
 * The table types. One representation per kind of value on both engines:
 * timestamps are epoch milliseconds (bigint, read back as number), booleans are 0/1 integers,
 * structured values (criteria trees, rights lists, audit details) are JSON text.
 */
export type Flag = 0 | 1;

export interface RolesTable {
  id: Generated<number>;
  name: string;
  rights: string;
  created_at: number;
}
export interface UsersTable {
  id: Generated<number>;
  email: string;
  name: string;
  phone: string | null;
  mobile: string | null;
  password_hash: string | null;
  role_id: number;
  time_zone: string;
  is_active: Flag;
  created_at: number;
  updated_at: number;
}
export interface ApiKeysTable {
  id: Generated<number>;
  name: string;
  prefix: string;
  key_hash: string;
  role_id: number;
  created_by: number | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}
export interface SessionsTable {
  id_hash: string;
  user_id: number;
  created_at: number;
  expires_at: number;
}
export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  actor: string;
  user_id: number | null;
  api_key_id: number | null;
  action: string;
  entity: string;
  entity_id: string | null;
  details: string;
}
export interface CompaniesTable {
  id: Generated<number>;
  name: string;
  name_key: string;
  street: string | null;
  postcode: string | null;
  city: string | null;
  country: string | null;
  phone: string | null;
  email: string | null;
  domain: string | null;
  our_contact_id: number | null;
  created_at: number;
  updated_at: number;
}
export interface PersonsTable {
  id: Generated<number>;
  company_id: number | null;
  first_name: string;
  middle_name: string | null;
  last_name: string;
  /** lower-cased "first middle last" for type-ahead prefix search. */
  name_key: string;
  /** lower-cased "last first" so a search by last name is a prefix search too. */
  last_name_key: string;
  title: string | null;
  salutation: string | null;
  /** The primary e-mail address, also a row of person_emails (kept in step by the persons store). */
  email: string | null;
  email_key: string | null;
  mobile: string | null;
  street: string | null;
  postcode: string | null;
  city: string | null;
  country: string | null;
  language: string | null;
  our_contact_id: number | null;
  no_mailings: Flag;
  former_employee: Flag;
  created_at: number;
  updated_at: number;
}
export interface PersonEmailsTable {
  id: Generated<number>;
  person_id: number;
  email: string;
  email_key: string;
  is_primary: Flag;
}
export interface CustomFieldsTable {
  id: Generated<number>;
  entity: 'person' | 'company';
  key: string;
  label: string;
  type: 'text' | 'number' | 'date' | 'boolean';
  created_at: number;
}
export interface CustomValuesTable {
  field_id: number;
  owner_id: number;
  value_text: string | null;
  value_number: number | null;
}
export interface SelectionsTable {
  id: Generated<number>;
  name: string;
  description: string | null;
  kind: 'static' | 'dynamic';
  member_type: 'persons' | 'companies';
  criteria: string | null;
  created_by: number | null;
  created_at: number;
  updated_at: number;
}
export interface SelectionMembersTable {
  selection_id: number;
  member_id: number;
  added_at: number;
}
export interface ProjectsTable {
  id: Generated<number>;
  name: string;
  status: string;
  description: string | null;
  created_at: number;
  updated_at: number;
}
export interface ProjectMembersTable {
  project_id: number;
  person_id: number;
  role: string | null;
  added_at: number;
}
export interface SubscriptionTypesTable {
  id: Generated<number>;
  name: string;
  description: string | null;
  created_at: number;
}
export interface SubscriptionsTable {
  person_id: number;
  subscription_type_id: number;
  status: 'active' | 'cancelled';
  source: string;
  changed_at: number;
  /** The mailing whose unsubscribe link cancelled it. */
  mailing_id: Generated<number | null>;
}
export interface ConsentsTable {
  id: Generated<number>;
  person_id: number;
  purpose: string;
  legal_basis: string;
  source: string;
  recorded_at: number;
  recorded_by: number | null;
  note: string | null;
}
/** The latest consent record per person and purpose; written in the same transaction as the history. */
export interface ConsentsCurrentTable {
  person_id: number;
  purpose: string;
  legal_basis: string;
  source: string;
  recorded_at: number;
}
export interface InterestsTable {
  id: Generated<number>;
  name: string;
  created_at: number;
}
export interface PersonInterestsTable {
  person_id: number;
  interest_id: number;
  added_at: number;
}
export interface ImportsTable {
  id: Generated<number>;
  kind: string;
  file_name: string;
  dry_run: Flag;
  status: 'running' | 'finished' | 'failed';
  created: number;
  updated: number;
  unchanged: number;
  invalid: number;
  report: string;
  created_by: string;
  started_at: number;
  finished_at: number | null;
}

export interface SuspendedIndexesTable {
  name: string;
  table_name: string;
  definition: string;
}

export interface StagedPersonEmailsTable {
  person_id: number;
  email: string;
  email_key: string;
  is_primary: Flag;
}

export interface FoldersTable {
  id: Generated<number>;
  kind: 'mailing' | 'template' | 'link' | 'form';
  name: string;
  parent_id: number | null;
  created_at: number;
}
export interface SettingsTable {
  key: string;
  value: string;
  updated_at: number;
}
export interface BlockedAddressesTable {
  address_key: string;
  address: string;
  channel: string;
  reason: string;
  code: string | null;
  diagnostic: string | null;
  blocked_at: number;
}
export interface TemplatesTable {
  id: Generated<number>;
  name: string;
  channel: Channel;
  folder_id: number | null;
  description: string | null;
  setup: string;
  content: string;
  starter_key: string | null;
  created_at: number;
  updated_at: number;
}
export interface TrackedLinksTable {
  id: Generated<number>;
  name: string;
  url: string;
  folder_id: number | null;
  actions: string;
  created_at: number;
  updated_at: number;
}
export interface ImagesTable {
  id: Generated<number>;
  file_name: string;
  content_type: string;
  size_bytes: number;
  storage_name: string;
  created_at: number;
}
export interface MailingsTable {
  id: Generated<number>;
  name: string;
  channel: Channel;
  state: MailingState;
  folder_id: number | null;
  selection_id: number | null;
  project_id: number | null;
  subscription_type_id: number | null;
  template_id: number | null;
  template_chosen: Flag;
  setup: string;
  content: string;
  content_version: Generated<number>;
  /** Raised by every change that shapes a message (docs/decisions/0008): the renderer's cache key. */
  revision: Generated<number>;
  rendered: string | null;
  recipients_built_at: number | null;
  recipients_stale: Generated<Flag>;
  scheduled_at: number | null;
  sent_anything: Generated<Flag>;
  created_by: number | null;
  created_at: number;
  updated_at: number;
}
export interface MailingAttachmentsTable {
  id: Generated<number>;
  mailing_id: number;
  file_name: string;
  content_type: string;
  size_bytes: number;
  storage_name: string;
  created_at: number;
}
export interface MailingLinksTable {
  mailing_id: number;
  link_no: number;
  url: string;
  target_url: string;
  name: string | null;
  tracked_link_id: number | null;
  in_content: Flag;
  clicks: Generated<number>;
  unique_clicks: Generated<number>;
  machine_clicks: Generated<number>;
}
export interface MailingSourcesTable {
  id: Generated<number>;
  mailing_id: number;
  kind: 'selection' | 'project' | 'persons' | 'import';
  origin: 'setup' | 'added';
  ref_id: number | null;
  label: string;
  item_count: number;
  invalid_count: number;
  position: number;
  created_at: number;
}
export interface MailingSourcePersonsTable {
  source_id: number;
  person_id: number;
}
export interface MailingImportRowsTable {
  id: Generated<number>;
  source_id: number;
  line: number;
  name: string | null;
  email: string | null;
  email_key: string | null;
  mobile: string | null;
  person_id: number | null;
}
export interface RecipientsTable {
  id: Generated<number>;
  mailing_id: number;
  source_id: number | null;
  kind: 'person' | 'company' | 'unregistered';
  person_id: number | null;
  company_id: number | null;
  import_row_id: number | null;
  address: string | null;
  status: string;
  reason: string | null;
  overridden: Flag;
  status_at: number;
  /** Human opens and clicks (counted by the tracking flusher), and machine events of any kind. */
  opens: Generated<number>;
  clicks: Generated<number>;
  machine_events: Generated<number>;
  sent_at: number | null;
  /** The first human open or click: the recipient has "read" the mailing. */
  first_read_at: number | null;
  first_click_at: number | null;
  unsubscribed_at: number | null;
  bounced_at: number | null;
  /** The e-mail client family of the first human read. */
  client: string | null;
  bounce_code: string | null;
  bounce_diagnostic: string | null;
}
export interface RecipientCountsTable {
  mailing_id: number;
  status: string;
  reason: string;
  n: number;
}

export interface SendRoundsTable {
  id: Generated<number>;
  mailing_id: number;
  number: number;
  kind: 'bulk' | 'test';
  state: 'running' | 'stopped' | 'finished' | 'cancelled' | 'scheduled';
  priority: number;
  total: number;
  paused_reason: string | null;
  created_by: string;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}
export interface LedgerTable {
  id: Generated<number>;
  round_id: number;
  mailing_id: number;
  recipient_id: number | null;
  address: string;
  priority: number;
  state: 'ready' | 'sending' | 'sent' | 'failed' | 'held' | 'cancelled';
  message_id: string;
  claim: string | null;
  lease_until: number | null;
  attempts: number;
  next_attempt_at: number;
  last_code: string | null;
  last_error: string | null;
  sent_at: number | null;
  /** A test send: excluded from statistics; its recipient row only lends sample merge data. */
  test: Generated<Flag>;
  channel: Generated<Channel>;
}
export interface OutboxTable {
  id: Generated<number>;
  ledger_id: number | null;
  mailing_id: number | null;
  /** The dev outbox captures e-mail and SMS. */
  channel: 'email' | 'sms';
  address: string;
  subject: string | null;
  test: Flag;
  message: string;
  /** The SMTP envelope sender (e-mail's VERP return path); null for SMS. */
  envelope_from: string | null;
  created_at: number;
}

/**
 * One row (id 1): a counter the database raises on every change of sending domains, tracked
 * links, custom fields and subscription types (triggers of migration 0007).
 */
export interface RenderEpochTable {
  id: number;
  n: number;
}

export interface SendingDomainsTable {
  id: Generated<number>;
  domain: string;
  selector: string;
  private_key: string;
  public_key: string;
  check_result: string | null;
  checked_at: number | null;
  created_at: number;
}

export interface SmsPartsTable {
  id: Generated<number>;
  ledger_id: number;
  gateway: string;
  /** The gateway's message id (SMPP `submit_sm_resp.message_id`), matched by delivery receipts. */
  provider_id: string;
  part: number;
  state: 'submitted' | 'delivered' | 'failed';
  error: string | null;
  updated_at: number;
}
export interface DocumentsTable {
  id: Generated<number>;
  mailing_id: number;
  round_id: number;
  file: string;
  letters: number;
  pages: number;
  bytes: number;
  created_at: number;
}
export interface EmailAccountsTable {
  id: Generated<number>;
  name: string;
  host: string;
  port: number;
  tls: 'none' | 'starttls' | 'required' | 'implicit';
  username: string | null;
  /** The password sealed with the instance secret (AES-256-GCM); never returned by the API. */
  password_sealed: string | null;
  pool_size: number;
  weight: number;
  per_second: number | null;
  per_minute: number | null;
  per_hour: number | null;
  active: Flag;
  created_at: number;
  updated_at: number;
}
export interface SmsGatewaysTable {
  id: Generated<number>;
  name: string;
  kind: 'smpp' | 'http' | 'outbox';
  /** The gateway's settings as JSON, sealed with the instance secret (they hold passwords). */
  config_sealed: string;
  sender: string | null;
  default_country: string | null;
  per_second: number | null;
  weight: number;
  active: Flag;
  created_at: number;
  updated_at: number;
}

/** Counters of one mailing's events, kept by the tracking flusher (PRODUCT.md §12). */
export interface MailingStatsTable {
  mailing_id: number;
  opens: Generated<number>;
  machine_opens: Generated<number>;
  readers: Generated<number>;
  clicks: Generated<number>;
  machine_clicks: Generated<number>;
  clickers: Generated<number>;
  unsubscribed: Generated<number>;
}
export interface TrackingEventsTable {
  id: Generated<number>;
  mailing_id: number;
  recipient_id: number;
  kind: 'open' | 'click';
  link_no: number | null;
  machine: Flag;
  reason: string | null;
  client: string | null;
  at: number;
}
export interface LinkClickersTable {
  mailing_id: number;
  link_no: number;
  recipient_id: number;
  clicks: number;
  first_at: number;
  last_at: number;
}
export interface BouncesTable {
  id: Generated<number>;
  mailing_id: number | null;
  recipient_id: number | null;
  address: string | null;
  /** `unreadable`: a message to a bounce address that is no bounce (kept as unmatched, with the reason). */
  kind: 'hard' | 'soft' | 'complaint' | 'delivered' | 'unreadable';
  status: string | null;
  code: string | null;
  diagnostic: string | null;
  source: 'smtp' | 'imap' | 'webhook';
  matched: Flag;
  unmatched_reason: string | null;
  received_at: number;
}
export interface AddressBouncesTable {
  address_key: string;
  soft_count: number;
  last_mailing_id: number | null;
  updated_at: number;
}
export interface TasksTable {
  id: Generated<number>;
  person_id: number | null;
  user_id: number | null;
  mailing_id: number | null;
  title: string;
  done: Generated<Flag>;
  created_at: number;
}

export interface Database {
  suspended_indexes: SuspendedIndexesTable;
  staged_person_emails: StagedPersonEmailsTable;
  roles: RolesTable;
  users: UsersTable;
  api_keys: ApiKeysTable;
  sessions: SessionsTable;
  audit_log: AuditLogTable;
  companies: CompaniesTable;
  persons: PersonsTable;
  person_emails: PersonEmailsTable;
  custom_fields: CustomFieldsTable;
  custom_values: CustomValuesTable;
  selections: SelectionsTable;
  selection_members: SelectionMembersTable;
  projects: ProjectsTable;
  project_members: ProjectMembersTable;
  subscription_types: SubscriptionTypesTable;
  subscriptions: SubscriptionsTable;
  consents: ConsentsTable;
  consents_current: ConsentsCurrentTable;
  interests: InterestsTable;
  person_interests: PersonInterestsTable;
  imports: ImportsTable;
  folders: FoldersTable;
  settings: SettingsTable;
  blocked_addresses: BlockedAddressesTable;
  mailing_stats: MailingStatsTable;
  tracking_events: TrackingEventsTable;
  link_clickers: LinkClickersTable;
  bounces: BouncesTable;
  address_bounces: AddressBouncesTable;
  tasks: TasksTable;
  templates: TemplatesTable;
  tracked_links: TrackedLinksTable;
  images: ImagesTable;
  mailings: MailingsTable;
  mailing_attachments: MailingAttachmentsTable;
  mailing_links: MailingLinksTable;
  mailing_sources: MailingSourcesTable;
  mailing_source_persons: MailingSourcePersonsTable;
  mailing_import_rows: MailingImportRowsTable;
  recipients: RecipientsTable;
  recipient_counts: RecipientCountsTable;
  send_rounds: SendRoundsTable;
  ledger: LedgerTable;
  outbox: OutboxTable;
  render_epoch: RenderEpochTable;
  sending_domains: SendingDomainsTable;
  sms_parts: SmsPartsTable;
  documents: DocumentsTable;
  email_accounts: EmailAccountsTable;
  sms_gateways: SmsGatewaysTable;
}
