import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import { type Actor, type AuditSink, type Clock, conflict, notFound, patchSchemaOf } from '../core/index.js';
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
