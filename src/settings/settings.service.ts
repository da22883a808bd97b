import type { Kysely } from 'kysely';
import { z } from 'zod';
import {
  type Actor,
  type AuditSink,
  type Clock,
  isTimeZone,
  mergePatch,
  parseMerged,
  patchSchemaOf,
} from '../core/index.js';
import type { Database } from '../storage/index.js';

/** Settings kept in the database and changed at run time (PRODUCT.md §14); each with its default. */
export const settingsSchema = z.strictObject({
  /** Privacy filter: block recipients without active e-marketing consent or subscription (§8 step 4). */
  privacyFilter: z.boolean().default(true),
  /** Consecutive bounced mailings after which a soft-bouncing address is blocked. */
  bounceThreshold: z.number().int().min(1).max(100).default(5),
  /** Days a manage-subscriptions link stays valid. */
  linkExpiryDays: z.number().int().min(1).max(365).default(21),
  /** From and Reply-to addresses must use an approved sending domain. */
  onlyApprovedDomains: z.boolean().default(false),
  /**
   * Rows whose worker died while sending them (their relay acknowledgement may be lost):
   * `resend` them with the same Message-ID, or `hold` them for review (`POST /mailings/{id}/release-held`).
   */
  expiredLeases: z.enum(['resend', 'hold']).default('resend'),
  /**
   * The instance's time zone (IANA name): wall-clock times from an actor without a user of its
   * own (an API key, the CLI, the scheduler) are read in it. Default: the server's.
   */
  timeZone: z
    .string()
    .refine(isTimeZone, 'an IANA time zone such as Europe/Oslo')
    .default(() => Intl.DateTimeFormat().resolvedOptions().timeZone),
});
/**
 * A merge patch of the settings: only the settings named change; `null` puts one back to its
 * default (its stored value is removed, so it follows the default from then on).
 */
export const settingsPatch = patchSchemaOf(settingsSchema, { nullResets: true });
export type Settings = z.infer<typeof settingsSchema>;

export class SettingsService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly audit: AuditSink,
  ) {}

  async get(): Promise<Settings> {
    return settingsSchema.parse(await this.stored());
  }

  /** The stored values (a setting never changed has no row: its default applies). */
  private async stored(): Promise<Record<string, unknown>> {
    const rows = await this.db.selectFrom('settings').select(['key', 'value']).execute();
    const raw: Record<string, unknown> = {};
    for (const r of rows) if (r.key in settingsSchema.shape) raw[r.key] = JSON.parse(r.value);
    return raw;
  }

  async update(patch: z.input<typeof settingsPatch>, actor: Actor): Promise<Settings> {
    const v = settingsPatch.parse(patch);
    // the merged whole is what must be valid (each setting is independent today, but this is
    // where a rule between two of them would be checked)
    parseMerged(settingsSchema, mergePatch(await this.stored(), v), '', 'SETTINGS_INVALID');
    const now = this.clock.now();
    const named = Object.entries(v).filter(([, value]) => value !== undefined);
    await this.db.transaction().execute(async (trx) => {
      for (const [key, value] of named) {
        if (value === null) {
          await trx.deleteFrom('settings').where('key', '=', key).execute();
          continue;
        }
        await trx
          .insertInto('settings')
          .values({ key, value: JSON.stringify(value), updated_at: now })
          .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(value), updated_at: now }))
          .execute();
      }
    });
    await this.audit.record(actor, 'settings.update', 'settings', null, Object.fromEntries(named));
    return this.get();
  }
}
