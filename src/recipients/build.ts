import { type RawBuilder, sql } from 'kysely';
import type { RecipientOptions } from '../mailings/index.js';
import { type Channel, capabilityMatrix } from '../mailings/index.js';

/**
 * The recipient list of a mailing as ONE set-based `INSERT … SELECT` (PRODUCT.md §8): the sources
 * in order give candidate rows; a candidate that is the same person, company or imported row as
 * an earlier one is dropped; the filter pipeline decides each row's status and reason in SQL:
 *
 *  1. channel address missing or invalid          → `invalidAddress` (missing here; a stored
 *     address that is not valid today is found after the statement, by the code rules of
 *     src/addresses: RecipientsService's address check over the new rows)
 *  2. address blocked (complaint → `complained`)   → `blockedAddress`
 *  3. *no mailings*, or e-marketing basis withdrawn → `noConsent` (never overridden)
 *  4. privacy filter: no active e-marketing consent → `noConsent`; no active subscription to the
 *     mailing's type (Any: to none) → `noSubscription`; unregistered rows → `noConsent`
 *     (overridden by *override consent*: status ready, `overridden` 1, reason kept)
 *  5. one message per address: later rows with an address already sendable → `duplicate`
 *     ({@link markDuplicatesSql}, a second statement over the sendable rows only)
 *
 * "The first source added wins" is decided by source position (window functions), so the rows
 * need no particular insertion order (no extra sort of the list).
 */
export interface CandidateSource {
  position: number;
  sourceId: number | null;
  kind: 'persons' | 'companies' | 'import';
  /** A subquery selecting person ids (persons) or company ids (companies); the import source id otherwise. */
  ids: RawBuilder<unknown> | null;
}

export interface BuildPlan {
  mailingId: number;
  channel: Channel;
  options: RecipientOptions;
  privacyFilter: boolean;
  /** The mailing's subscription type; null is Any. */
  subscriptionTypeId: number | null;
  sources: CandidateSource[];
  now: number;
  /** Reload: only candidates not in the list yet are added (the list keeps its history). */
  newOnly?: boolean;
  /**
   * Companies whose stored e-mail is not a valid address today (checked in code before the
   * statement): for *include companies* and *prefer company* they have no address, like a
   * company without one.
   */
  invalidCompanyIds?: readonly number[];
}

/**
 * What the company options mean for a plan's channel (PRODUCT.md §3, §8): neither applies where
 * the channel cannot have them (SMS: companies have no mobile; form responses). *Prefer company*
 * needs *include companies*; set alone it implies it rather than silently doing nothing.
 */
export function companyRules(plan: Pick<BuildPlan, 'channel' | 'options'>): {
  include: boolean;
  prefer: boolean;
} {
  if (!capabilityMatrix[plan.channel].includeCompanies) return { include: false, prefer: false };
  const prefer = plan.options.preferCompany;
  return { include: plan.options.includeCompanies || prefer, prefer };
}

const personAddress: Record<Channel, { address: RawBuilder<unknown>; key: RawBuilder<unknown> }> = {
  email: { address: sql`p.email`, key: sql`p.email_key` },
  formResponse: { address: sql`p.email`, key: sql`p.email_key` },
  sms: { address: sql`p.mobile`, key: sql`p.mobile` },
  document: {
    address: sql`case when p.city is not null or p.postcode is not null
      then trim(coalesce(p.street || ', ', '') || coalesce(p.postcode || ' ', '') || coalesce(p.city, ''))
      when pc.city is not null or pc.postcode is not null
      then trim(coalesce(pc.street || ', ', '') || coalesce(pc.postcode || ' ', '') || coalesce(pc.city, '')) end`,
    key: sql`case when p.city is not null or p.postcode is not null or pc.city is not null or pc.postcode is not null then 'postal' end`,
  },
};

/** A company's own address for the channel (alias `c`); SMS has none. */
const companyAddress: Record<Channel, { address: RawBuilder<unknown>; key: RawBuilder<unknown> }> = {
  email: { address: sql`c.email`, key: sql`lower(c.email)` },
  formResponse: { address: sql`c.email`, key: sql`lower(c.email)` },
  sms: { address: sql`cast(null as text)`, key: sql`cast(null as text)` },
  document: {
    address: sql`trim(coalesce(c.street || ', ', '') || coalesce(c.postcode || ' ', '') || coalesce(c.city, ''))`,
    key: sql`case when c.city is not null or c.postcode is not null then 'postal' end`,
  },
};

/** "The company (alias) has an address for the channel": a valid e-mail, or a postal address. */
function companyHasAddress(plan: BuildPlan, alias: 'c' | 'pc'): RawBuilder<unknown> {
  const a = sql.raw(alias);
  if (plan.channel === 'document') return sql`(${a}.city is not null or ${a}.postcode is not null)`;
  if (plan.channel === 'sms') return sql`(1 = 0)`;
  const invalid = plan.invalidCompanyIds ?? [];
  return invalid.length === 0
    ? sql`(${a}.email is not null)`
    : sql`(${a}.email is not null and ${a}.id not in (${sql.join(invalid.map((id) => sql.lit(id)))}))`;
}

function personCandidates(
  plan: BuildPlan,
  s: CandidateSource,
  where: RawBuilder<unknown>,
): RawBuilder<unknown> {
  const a = personAddress[plan.channel];
  const pos = sql.lit(s.position);
  const sid = s.sourceId === null ? sql`cast(null as integer)` : sql.lit(s.sourceId);
  const { prefer } = companyRules(plan);
  const join =
    plan.channel === 'document' || prefer ? sql`left join companies pc on pc.id = p.company_id` : sql``;
  // prefer company: a person whose company has an address is reached through the company's row
  const filter = prefer ? sql`${where} and not ${companyHasAddress(plan, 'pc')}` : where;
  return sql`select ${pos} as src_pos, ${sid} as source_id, 'person' as kind, p.id as person_id,
      p.company_id as company_id, cast(null as integer) as import_row_id, ${a.address} as address, ${a.key} as addr_key, p.id as ord,
      p.no_mailings as no_mailings
    from persons p ${join} where ${filter}`;
}

/** One row per company of `companyIds` (a subquery) that has an address for the channel. */
function companyCandidates(
  plan: BuildPlan,
  s: CandidateSource,
  companyIds: RawBuilder<unknown>,
): RawBuilder<unknown> {
  const pos = sql.lit(s.position);
  const sid = s.sourceId === null ? sql`cast(null as integer)` : sql.lit(s.sourceId);
  const ca = companyAddress[plan.channel];
  return sql`select ${pos} as src_pos, ${sid} as source_id, 'company' as kind, cast(null as integer) as person_id, c.id as company_id,
      cast(null as integer) as import_row_id, ${ca.address} as address, ${ca.key} as addr_key, -c.id as ord,
      0 as no_mailings
    from companies c where c.id in (${companyIds}) and ${companyHasAddress(plan, 'c')}`;
}

/**
 * The candidate rows of one source (PRODUCT.md §8 "Companies"):
 * - persons (a selection of persons, a project, picked persons): the persons; with *include
 *   companies* also each of their companies that has an address, once however many of its
 *   persons are listed; with *prefer company* those companies instead of their persons (persons
 *   without a company, or whose company has no address, still receive theirs);
 * - companies (a selection of companies): their persons; with *include companies* also each
 *   company with an address; with *prefer company* only those companies, and the persons of the
 *   companies without one;
 * - an imported file: its rows.
 */
function candidatesOf(plan: BuildPlan, s: CandidateSource): RawBuilder<unknown>[] {
  const pos = sql.lit(s.position);
  const sid = s.sourceId === null ? sql`cast(null as integer)` : sql.lit(s.sourceId);
  const { include } = companyRules(plan);
  if (s.kind === 'persons') {
    const persons = personCandidates(plan, s, sql`p.id in (${s.ids})`);
    if (!include) return [persons];
    return [
      persons,
      companyCandidates(
        plan,
        s,
        sql`select p.company_id from persons p where p.id in (${s.ids}) and p.company_id is not null`,
      ),
    ];
  }
  if (s.kind === 'companies') {
    const persons = personCandidates(plan, s, sql`p.company_id in (${s.ids})`);
    if (!include) return [persons];
    return [persons, companyCandidates(plan, s, sql`${s.ids}`)];
  }
  // an imported file: rows matched to a person are that person (at the row's address); the rest unregistered
  const address = plan.channel === 'sms' ? sql`r.mobile` : sql`r.email`;
  const key = plan.channel === 'sms' ? sql`r.mobile` : sql`r.email_key`;
  return [
    sql`select ${pos} as src_pos, ${sid} as source_id,
        case when r.person_id is null then 'unregistered' else 'person' end as kind,
        r.person_id as person_id, p.company_id as company_id, r.id as import_row_id,
        ${address} as address, ${key} as addr_key, r.id as ord, coalesce(p.no_mailings, 0) as no_mailings
      from mailing_import_rows r left join persons p on p.id = r.person_id where r.source_id = ${s.ids}`,
  ];
}

/** The statement that fills `recipients` for a plan (the caller deletes the old list first). */
export function buildRecipientsSql(plan: BuildPlan): RawBuilder<unknown> {
  const parts = plan.sources.flatMap((s) => candidatesOf(plan, s));
  if (parts.length === 0) return sql`select 1 where 1 = 0`;
  const union = sql.join(parts, sql` union all `);
  // the same person / company / imported row from a later source is dropped; within one source
  // each entity appears once (persons and companies are distinct kinds), so only with several
  // sources is the window computed
  const canRepeat = plan.sources.length > 1;
  const candidates = canRepeat
    ? sql`select * from (select u.*, row_number() over (
          partition by u.kind, coalesce(u.person_id, u.company_id, u.import_row_id) order by u.src_pos, u.ord) as entity_rank
        from (${union}) u) d where d.entity_rank = 1`
    : union;

  const o = plan.options;
  const email = plan.channel !== 'document';
  const blockedJoin = email ? sql`left join blocked_addresses b on b.address_key = c.addr_key` : sql``;
  const blockedReason = email
    ? sql`when b.reason = 'complaint' then 'complained' when b.reason is not null then 'blockedAddress'`
    : sql``;
  // plain LEFT JOINs, so the reason expressions below hold only column comparisons: the engine
  // may repeat them per reference without repeating a look-up
  const subscriptionJoin =
    plan.subscriptionTypeId === null
      ? sql`left join (select distinct person_id from subscriptions where status = 'active') s on s.person_id = c.person_id`
      : sql`left join subscriptions s on s.person_id = c.person_id
          and s.subscription_type_id = ${sql.lit(plan.subscriptionTypeId)} and s.status = 'active'`;
  const finalReason = sql`case when c.addr_key is null then 'invalidAddress'
      ${blockedReason}
      when c.kind = 'person' and (c.no_mailings = 1 or cc.legal_basis = 'withdrawn') then 'noConsent' end`;
  const softReason = plan.privacyFilter
    ? sql`case when c.kind = 'unregistered' then 'noConsent'
        when c.kind = 'person' and cc.legal_basis is null then 'noConsent'
        when c.kind = 'person' and s.person_id is null then 'noSubscription' end`
    : sql`cast(null as text)`;
  return sql`insert into recipients
      (mailing_id, source_id, kind, person_id, company_id, import_row_id, address, status, reason, overridden, status_at)
    select ${sql.lit(plan.mailingId)}, c.source_id, c.kind, c.person_id, c.company_id, c.import_row_id, c.address,
      ${
        o.overrideConsent
          ? sql`case when (${finalReason}) is null then 'ready' else 'blocked' end,
              coalesce(${finalReason}, ${softReason}),
              case when (${finalReason}) is null and (${softReason}) is not null then 1 else 0 end,`
          : // each expression as few times as possible: the engine evaluates every reference
            sql`case when coalesce(${finalReason}, ${softReason}) is null then 'ready' else 'blocked' end,
              coalesce(${finalReason}, ${softReason}), 0,`
      }
      ${sql.lit(plan.now)}
    from (${candidates}) c
    left join consents_current cc on cc.person_id = c.person_id and cc.purpose = 'emarketing'
    ${plan.privacyFilter ? subscriptionJoin : sql``}
    ${blockedJoin}
    ${
      plan.newOnly
        ? sql`where not exists (select 1 from recipients x where x.mailing_id = ${sql.lit(plan.mailingId)}
            and x.kind = c.kind and coalesce(x.person_id, x.company_id, x.import_row_id) = coalesce(c.person_id, c.company_id, c.import_row_id))`
        : sql``
    }`;
}

/**
 * Step 5, one message per address, after the list is in: of the sendable rows sharing an address
 * (e-mail case-insensitive; mobiles are E.164 already), all but the first are `duplicate` — the
 * first by source position, then by insertion. Only sendable rows are sorted.
 */
export function markDuplicatesSql(mailingId: number): RawBuilder<unknown> {
  return sql`update recipients set status = 'blocked', reason = 'duplicate', overridden = 0
    where id in (select x.id from (
      select r.id, row_number() over (
        partition by posthorn_lower(r.address) order by coalesce(ms.position, 0), r.id) as rn
      from recipients r left join mailing_sources ms on ms.id = r.source_id
      where r.mailing_id = ${mailingId} and r.status = 'ready') x
    where x.rn > 1)`;
}
