import type { Generated } from 'kysely';

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
}
