import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import { emailKey } from '../addresses/index.js';
import {
  type Actor,
  type AuditSink,
  type Clock,
  conflict,
  forbidden,
  notFound,
  patchSchemaOf,
} from '../core/index.js';
import type { Database } from '../storage/index.js';

export const consentPurposes = ['emarketing', 'salesService'] as const;
export const legalBases = ['consent', 'legitimateInterest', 'contract', 'withdrawn'] as const;
export type ConsentPurpose = (typeof consentPurposes)[number];
export type LegalBasis = (typeof legalBases)[number];

export const subscriptionTypeInput = z.strictObject({
  name: z.string().trim().min(1).max(100),
  description: z.string().trim().max(1000).nullish(),
});

/** A merge patch of a subscription type: description takes `null` (cleared); name does not. */
export const subscriptionTypePatch = patchSchemaOf(subscriptionTypeInput);

export const subscriptionInput = z.strictObject({
  status: z.enum(['active', 'cancelled']),
  source: z.string().trim().min(1).max(50).default('manual'),
});

export const consentInput = z.strictObject({
  purpose: z.enum(consentPurposes),
  legalBasis: z.enum(legalBases),
  source: z.string().trim().min(1).max(50).default('manual'),
  note: z.string().max(1000).nullish(),
});

export interface SubscriptionType {
  id: number;
  name: string;
  description: string | null;
  activeCount: number;
}

export interface Subscription {
  subscriptionTypeId: number;
  subscriptionTypeName: string;
  status: 'active' | 'cancelled';
  source: string;
  changedAt: number;
}

export interface ConsentRecord {
  id: number;
  purpose: string;
  legalBasis: string;
  source: string;
  recordedAt: number;
  recordedBy: number | null;
  note: string | null;
}

type Db = Kysely<Database> | Transaction<Database>;

/**
 * Subscription types, per-person subscriptions, consent records and interests. Every change keeps
 * its source and time; consent keeps its whole history, with the latest record per purpose
 * mirrored in `consents_current` in the same transaction (what criteria and the filter read).
 */
export class PreferencesService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly audit: AuditSink,
  ) {}

  async listSubscriptionTypes(): Promise<SubscriptionType[]> {
    const rows = await this.db
      .selectFrom('subscription_types as t')
      .select(['t.id', 't.name', 't.description'])
      .select((eb) =>
        eb
          .selectFrom('subscriptions as s')
          .select(eb.fn.countAll<number>().as('n'))
          .whereRef('s.subscription_type_id', '=', 't.id')
          .where('s.status', '=', 'active')
          .as('active_count'),
      )
      .orderBy('t.name')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      description: r.description,
      activeCount: Number(r.active_count ?? 0),
    }));
  }

  async getSubscriptionType(id: number): Promise<SubscriptionType> {
    const t = (await this.listSubscriptionTypes()).find((x) => x.id === id);
    if (!t) throw notFound('SUBSCRIPTION_TYPE_NOT_FOUND', `subscription type ${id} does not exist`);
    return t;
  }

  async createSubscriptionType(
    input: z.infer<typeof subscriptionTypeInput>,
    actor: Actor,
  ): Promise<SubscriptionType> {
    const exists = await this.db
      .selectFrom('subscription_types')
      .select('id')
      .where('name', '=', input.name)
      .executeTakeFirst();
    if (exists)
      throw conflict('SUBSCRIPTION_TYPE_EXISTS', `a subscription type "${input.name}" exists`, {
        field: 'name',
      });
    const row = await this.db
      .insertInto('subscription_types')
      .values({ name: input.name, description: input.description ?? null, created_at: this.clock.now() })
      .returning('id')
      .executeTakeFirstOrThrow();
    await this.audit.record(actor, 'subscriptionType.create', 'subscriptionType', row.id, input);
    return this.getSubscriptionType(row.id);
  }

  async updateSubscriptionType(
    id: number,
    input: z.input<typeof subscriptionTypePatch>,
    actor: Actor,
  ): Promise<SubscriptionType> {
    await this.getSubscriptionType(id);
    const set: { name?: string; description?: string | null } = {};
    if (input.name !== undefined) set.name = input.name;
    if (input.description !== undefined) set.description = input.description;
    if (Object.keys(set).length > 0)
      await this.db.updateTable('subscription_types').set(set).where('id', '=', id).execute();
    await this.audit.record(actor, 'subscriptionType.update', 'subscriptionType', id, input);
    return this.getSubscriptionType(id);
  }

  async deleteSubscriptionType(id: number, actor: Actor): Promise<void> {
    await this.getSubscriptionType(id);
    await this.db.deleteFrom('subscription_types').where('id', '=', id).execute();
    await this.audit.record(actor, 'subscriptionType.delete', 'subscriptionType', id);
  }

  async subscriptionsOf(personId: number): Promise<Subscription[]> {
    await this.requirePerson(personId);
    const rows = await this.db
      .selectFrom('subscriptions as s')
      .innerJoin('subscription_types as t', 't.id', 's.subscription_type_id')
      .select(['s.subscription_type_id', 't.name', 's.status', 's.source', 's.changed_at'])
      .where('s.person_id', '=', personId)
      .orderBy('t.name')
      .execute();
    return rows.map((r) => ({
      subscriptionTypeId: r.subscription_type_id,
      subscriptionTypeName: r.name,
      status: r.status,
      source: r.source,
      changedAt: r.changed_at,
    }));
  }

  async setSubscription(
    personId: number,
    typeId: number,
    input: { status: 'active' | 'cancelled'; source: string },
    actor: Actor,
    trx: Db = this.db,
  ): Promise<void> {
    await this.requirePerson(personId, trx);
    await this.getSubscriptionType(typeId);
    await writeSubscription(trx, personId, typeId, input.status, input.source, this.clock.now());
    await this.audit.record(actor, 'subscription.set', 'person', personId, {
      subscriptionTypeId: typeId,
      ...input,
    });
  }

  async consentsOf(personId: number): Promise<{ current: ConsentRecord[]; history: ConsentRecord[] }> {
    await this.requirePerson(personId);
    const history = await this.db
      .selectFrom('consents')
      .selectAll()
      .where('person_id', '=', personId)
      .orderBy('recorded_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    const records = history.map((r) => ({
      id: r.id,
      purpose: r.purpose,
      legalBasis: r.legal_basis,
      source: r.source,
      recordedAt: r.recorded_at,
      recordedBy: r.recorded_by,
      note: r.note,
    }));
    const current = new Map<string, ConsentRecord>();
    for (const r of records) if (!current.has(r.purpose)) current.set(r.purpose, r);
    return { current: [...current.values()], history: records };
  }

  async recordConsent(
    personId: number,
    input: z.infer<typeof consentInput>,
    actor: Actor,
  ): Promise<ConsentRecord> {
    await this.requirePerson(personId);
    const now = this.clock.now();
    const id = await this.db
      .transaction()
      .execute((trx) =>
        writeConsent(
          trx,
          personId,
          input.purpose,
          input.legalBasis,
          input.source,
          now,
          actor.userId,
          input.note ?? null,
        ),
      );
    await this.audit.record(actor, 'consent.record', 'person', personId, input);
    return {
      id,
      purpose: input.purpose,
      legalBasis: input.legalBasis,
      source: input.source,
      recordedAt: now,
      recordedBy: actor.userId,
      note: input.note ?? null,
    };
  }

  async listInterests(): Promise<Array<{ id: number; name: string; personCount: number }>> {
    const rows = await this.db
      .selectFrom('interests as i')
      .select(['i.id', 'i.name'])
      .select((eb) =>
        eb
          .selectFrom('person_interests as pi')
          .select(eb.fn.countAll<number>().as('n'))
          .whereRef('pi.interest_id', '=', 'i.id')
          .as('n'),
      )
      .orderBy('i.name')
      .execute();
    return rows.map((r) => ({ id: r.id, name: r.name, personCount: Number(r.n ?? 0) }));
  }

  // ——— the person's own wishes and the blocked list: the one writer of `subscriptions`,
  // `consents`, `blocked_addresses` and `address_bounces` (tracking and bounces call these) ———

  /**
   * Unsubscribes from a subscription type (`typeId` null: from every type the person has active)
   * with the source, time and mailing; an address without a person becomes a blocked address
   * (`unsubscribed`; an address blocked already keeps its reason). Idempotent: a cancelled
   * subscription is not written again.
   */
  async unsubscribe(
    who: { personId: number } | { address: string; channel: string },
    typeId: number | null,
    source: string,
    mailingId: number,
    trx: Db = this.db,
  ): Promise<void> {
    const now = this.clock.now();
    if ('personId' in who) {
      const types =
        typeId !== null
          ? [typeId]
          : (
              await trx
                .selectFrom('subscriptions')
                .select('subscription_type_id')
                .where('person_id', '=', who.personId)
                .where('status', '=', 'active')
                .execute()
            ).map((s) => s.subscription_type_id);
      for (const id of types) {
        const current = await trx
          .selectFrom('subscriptions')
          .select('status')
          .where('person_id', '=', who.personId)
          .where('subscription_type_id', '=', id)
          .executeTakeFirst();
        if (current?.status !== 'cancelled')
          await writeSubscription(trx, who.personId, id, 'cancelled', source, now, mailingId);
      }
      return;
    }
    await trx
      .insertInto('blocked_addresses')
      .values({
        address_key: emailKey(who.address) ?? who.address.toLowerCase(),
        address: who.address,
        channel: who.channel,
        reason: 'unsubscribed',
        code: null,
        diagnostic: `unsubscribed from mailing ${mailingId}`,
        blocked_at: now,
      })
      .onConflict((oc) => oc.column('address_key').doNothing())
      .execute();
  }

  /**
   * The manage-subscriptions page saved: the wanted types are active, the others cancelled; a
   * type the person never had and does not want stays absent; an unchanged one is not written.
   */
  async saveSubscriptions(
    personId: number,
    wanted: ReadonlySet<number>,
    source: string,
    mailingId: number | null,
    trx: Db = this.db,
  ): Promise<void> {
    const now = this.clock.now();
    const types = await trx.selectFrom('subscription_types').select('id').execute();
    const current = new Map(
      (
        await trx
          .selectFrom('subscriptions')
          .select(['subscription_type_id', 'status'])
          .where('person_id', '=', personId)
          .execute()
      ).map((s) => [s.subscription_type_id, s.status]),
    );
    for (const { id } of types) {
      const status = wanted.has(id) ? 'active' : 'cancelled';
      const before = current.get(id);
      if (before === status || (before === undefined && status === 'cancelled')) continue;
      await writeSubscription(trx, personId, id, status, source, now, mailingId);
    }
  }

  /** Records the legal basis `withdrawn` for a purpose (a spam complaint); call inside a transaction. */
  async withdrawConsent(
    personId: number,
    purpose: ConsentPurpose,
    source: string,
    note: string | null,
    trx: Db,
  ): Promise<void> {
    await writeConsent(trx, personId, purpose, 'withdrawn', source, this.clock.now(), null, note);
  }

  /**
   * Blocks an e-mail address for every future mailing (a hard bounce, too many soft bounces, a
   * complaint); an address blocked already takes the new reason. An address with no key is ignored.
   */
  async blockAddress(
    block: {
      address: string;
      channel: string;
      reason: string;
      code: string | null;
      diagnostic: string | null;
    },
    trx: Db = this.db,
  ): Promise<void> {
    const key = emailKey(block.address);
    if (!key) return;
    const now = this.clock.now();
    const { reason, code, diagnostic } = block;
    await trx
      .insertInto('blocked_addresses')
      .values({
        address_key: key,
        address: block.address,
        channel: block.channel,
        reason,
        code,
        diagnostic,
        blocked_at: now,
      })
      .onConflict((oc) => oc.column('address_key').doUpdateSet({ reason, code, diagnostic, blocked_at: now }))
      .execute();
  }

  /**
   * Counts a soft bounce of the address in this mailing: consecutive bounced mailings, so a
   * second soft bounce of the same mailing is not another one. Answers the count.
   */
  async countSoftBounce(address: string, mailingId: number, trx: Db = this.db): Promise<number | null> {
    const key = emailKey(address);
    if (!key) return null;
    const now = this.clock.now();
    const before = await trx
      .selectFrom('address_bounces')
      .selectAll()
      .where('address_key', '=', key)
      .executeTakeFirst();
    const count =
      before && before.last_mailing_id === mailingId ? before.soft_count : (before?.soft_count ?? 0) + 1;
    await trx
      .insertInto('address_bounces')
      .values({ address_key: key, soft_count: count, last_mailing_id: mailingId, updated_at: now })
      .onConflict((oc) =>
        oc
          .column('address_key')
          .doUpdateSet({ soft_count: count, last_mailing_id: mailingId, updated_at: now }),
      )
      .execute();
    return count;
  }

  /** A delivery report or a read: the address's consecutive soft bounces start over. */
  async resetSoftBounces(address: string, trx: Db = this.db): Promise<void> {
    const key = emailKey(address);
    if (key) await resetSoftBounces(trx, [key]);
  }

  /**
   * Clears a blocked address: sendable again, its soft-bounce count starts over. An unsubscribe
   * or a complaint is the person's own wish (for an unregistered address the only record of it):
   * clearing one needs the right to override consent, and the audit log keeps what was cleared.
   */
  async clearBlockedAddress(address: string, key: string, actor: Actor): Promise<void> {
    const row = await this.db
      .selectFrom('blocked_addresses')
      .select(['reason', 'code', 'blocked_at'])
      .where('address_key', '=', key)
      .executeTakeFirstOrThrow();
    if ((row.reason === 'unsubscribed' || row.reason === 'complaint') && !actor.rights.has('overrideConsent'))
      throw forbidden(
        'OVERRIDE_CONSENT_NOT_ALLOWED',
        `${address} is blocked because of ${row.reason === 'complaint' ? 'a spam complaint' : 'an unsubscribe'}: only a user with the right to override consent may clear it`,
        { reason: row.reason, right: 'overrideConsent' },
      );
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('blocked_addresses').where('address_key', '=', key).execute();
      await resetSoftBounces(trx, [key]);
    });
    await this.audit.record(actor, 'blockedAddress.clear', 'blockedAddress', key, {
      reason: row.reason,
      code: row.code,
      blockedAt: row.blocked_at,
    });
  }

  private async requirePerson(personId: number, db: Db = this.db): Promise<void> {
    const p = await db.selectFrom('persons').select('id').where('id', '=', personId).executeTakeFirst();
    if (!p) throw notFound('PERSON_NOT_FOUND', `person ${personId} does not exist`);
  }
}

/** Upserts one subscription row. */
export async function writeSubscription(
  db: Db,
  personId: number,
  typeId: number,
  status: 'active' | 'cancelled',
  source: string,
  now: number,
  /** The mailing whose link changed it (unsubscribe, manage subscriptions). */
  mailingId: number | null = null,
): Promise<void> {
  await db
    .insertInto('subscriptions')
    .values({
      person_id: personId,
      subscription_type_id: typeId,
      status,
      source,
      changed_at: now,
      mailing_id: mailingId,
    })
    .onConflict((oc) =>
      oc
        .columns(['person_id', 'subscription_type_id'])
        .doUpdateSet({ status, source, changed_at: now, mailing_id: mailingId }),
    )
    .execute();
}

/** Appends a consent record and updates the current one; call inside a transaction. */
export async function writeConsent(
  db: Db,
  personId: number,
  purpose: string,
  legalBasis: string,
  source: string,
  now: number,
  recordedBy: number | null,
  note: string | null,
): Promise<number> {
  const row = await db
    .insertInto('consents')
    .values({
      person_id: personId,
      purpose,
      legal_basis: legalBasis,
      source,
      recorded_at: now,
      recorded_by: recordedBy,
      note,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('consents_current')
    .values({ person_id: personId, purpose, legal_basis: legalBasis, source, recorded_at: now })
    .onConflict((oc) =>
      oc.columns(['person_id', 'purpose']).doUpdateSet({ legal_basis: legalBasis, source, recorded_at: now }),
    )
    .execute();
  return row.id;
}

/**
 * The consecutive soft bounces of these address keys start over (a delivery or a read). A free
 * function so that the tracking flush can call it inside its own transaction.
 */
export async function resetSoftBounces(db: Db, addressKeys: readonly string[]): Promise<void> {
  if (addressKeys.length > 0)
    await db
      .deleteFrom('address_bounces')
      .where('address_key', 'in', [...addressKeys])
      .execute();
}
