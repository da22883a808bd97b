import type { Kysely } from 'kysely';
import { AccessService } from './access/index.js';
import type { Clock } from './core/index.js';
import { ImportService } from './crm/import/index.js';
import {
  CompaniesService,
  CustomFieldsService,
  PersonsService,
  PreferencesService,
  ProjectsService,
  SelectionsService,
} from './crm/index.js';
import type { BulkWriter, Capabilities, Database, DatabaseHandle } from './storage/index.js';

export interface ServiceOptions {
  clock: Clock;
  defaultCountry: string;
  sessionTtlMs: number;
  importBatchSize: number;
  importMaxBytes: number;
  importBulkLoadMinBytes?: number | undefined;
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
}

export function buildServices(
  handle: Pick<DatabaseHandle, 'db' | 'capabilities' | 'bulk'>,
  options: ServiceOptions,
): Services {
  const { db, capabilities, bulk } = handle;
  const { clock } = options;
  const access = new AccessService(db, clock, options.sessionTtlMs);
  const customFields = new CustomFieldsService(db, clock, access);
  return {
    db,
    capabilities,
    bulk,
    clock,
    access,
    customFields,
    companies: new CompaniesService(db, clock, access, customFields),
    persons: new PersonsService(db, clock, access, customFields, options.defaultCountry),
    preferences: new PreferencesService(db, clock, access),
    selections: new SelectionsService(db, clock, access),
    projects: new ProjectsService(db, clock, access),
    imports: new ImportService(db, bulk, clock, access, {
      defaultCountry: options.defaultCountry,
      batchSize: options.importBatchSize,
      maxBytes: options.importMaxBytes,
      bulkLoadMinBytes: options.importBulkLoadMinBytes ?? 8 * 1024 * 1024,
    }),
  };
}
