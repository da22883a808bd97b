import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import {
  type Actor,
  type AuditSink,
  type Clock,
  conflict,
  invalid,
  notFound,
  Sealer,
} from '../../core/index.js';
import type { Database } from '../../storage/index.js';
import {
  checkDomain,
  type DkimKey,
  type DnsRecord,
  type DomainCheck,
  dnsRecords,
  generateDkimKey,
  type TxtResolver,
} from './dkim.js';

export const sendingDomainInput = z.strictObject({
  domain: z
    .string()
    .trim()
    .toLowerCase()
    .max(253)
    .regex(
      /^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/,
      'a domain name such as example.com',
    ),
});

export interface SendingDomain {
  id: number;
  domain: string;
  selector: string;
  /** The records to publish in DNS (DKIM, and SPF and DMARC suggestions). */
  records: DnsRecord[];
  check: DomainCheck | null;
  checkedAt: number | null;
  createdAt: number;
}

/**
 * Sending domains (PRODUCT.md §5, §9): each gets a 2048-bit RSA DKIM key when added; messages
 * from an address of the domain are signed with it. The check reads SPF, DKIM and DMARC from DNS
 * through an injectable resolver. The private key stays in the database, sealed with the instance
 * secret like relay passwords (a copy of the database alone cannot sign as the domain), and is
 * never returned.
 *
 * Keys stored in the clear by earlier versions (anything not starting with "v1.": a PEM starts
 * with "-----") still sign; each is sealed in place the first time it is read for signing, so no
 * migration is needed and a database copied back from before the upgrade keeps working.
 */
export class SendingDomainsService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly audit: AuditSink,
    private readonly resolver: TxtResolver,
    /**
     * The instance secret that seals the keys. Without it (tools and tests that build the service
     * bare) keys are written in the clear, the legacy form a service with the secret reads and
     * seals; the app always passes it.
     */
    private readonly secret?: string | undefined,
  ) {}

  async add(input: z.input<typeof sendingDomainInput>, actor: Actor): Promise<SendingDomain> {
    const v = sendingDomainInput.parse(input);
    const exists = await this.db
      .selectFrom('sending_domains')
      .select('id')
      .where('domain', '=', v.domain)
      .executeTakeFirst();
    if (exists)
      throw conflict('SENDING_DOMAIN_EXISTS', `${v.domain} is already a sending domain`, { field: 'domain' });
    const key = generateDkimKey();
    const now = this.clock.now();
    const selector = `ph${new Date(now).toISOString().slice(0, 7).replace('-', '')}`;
    const r = await this.db
      .insertInto('sending_domains')
      .values({
        domain: v.domain,
        selector,
        private_key: this.secret ? new Sealer(this.secret).seal(key.privateKey) : key.privateKey,
        public_key: key.publicKey,
        check_result: null,
        checked_at: null,
        created_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await this.audit.record(actor, 'sendingDomain.add', 'sendingDomain', r.id, { domain: v.domain });
    return this.get(r.id);
  }

  async list(): Promise<SendingDomain[]> {
    const rows = await this.db.selectFrom('sending_domains').selectAll().orderBy('domain').execute();
    return rows.map(toSendingDomain);
  }

  async get(id: number): Promise<SendingDomain> {
    const r = await this.db.selectFrom('sending_domains').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw notFound('SENDING_DOMAIN_NOT_FOUND', `sending domain ${id} does not exist`);
    return toSendingDomain(r);
  }

  async byName(domain: string): Promise<SendingDomain> {
    const r = await this.db
      .selectFrom('sending_domains')
      .selectAll()
      .where('domain', '=', domain.toLowerCase())
      .executeTakeFirst();
    if (!r) throw notFound('SENDING_DOMAIN_NOT_FOUND', `${domain} is not a sending domain`);
    return toSendingDomain(r);
  }

  async check(id: number, actor: Actor): Promise<SendingDomain> {
    const r = await this.db.selectFrom('sending_domains').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw notFound('SENDING_DOMAIN_NOT_FOUND', `sending domain ${id} does not exist`);
    const result = await checkDomain(this.resolver, r.domain, r.selector, r.public_key);
    await this.db
      .updateTable('sending_domains')
      .set({ check_result: JSON.stringify(result), checked_at: this.clock.now() })
      .where('id', '=', id)
      .execute();
    await this.audit.record(actor, 'sendingDomain.check', 'sendingDomain', id, { missing: result.missing });
    return this.get(id);
  }

  async delete(id: number, actor: Actor): Promise<void> {
    await this.get(id);
    await this.db.deleteFrom('sending_domains').where('id', '=', id).execute();
    await this.audit.record(actor, 'sendingDomain.delete', 'sendingDomain', id);
  }

  /**
   * Whether an address is on a validated sending domain (its last check found the DKIM record
   * with the domain's key): only then may "our contact" be the sender. Also its DKIM key.
   */
  async validatedSender(address: string): Promise<{ validated: boolean; key: DkimKey | null }> {
    const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
    const r = await this.db
      .selectFrom('sending_domains')
      .selectAll()
      .where('domain', '=', domain)
      .executeTakeFirst();
    if (!r) return { validated: false, key: null };
    const check = r.check_result ? (JSON.parse(r.check_result) as DomainCheck) : null;
    return {
      validated: check?.dkim.found === true && check.dkim.matches === true,
      key: { domain: r.domain, selector: r.selector, privateKey: await this.openKey(r) },
    };
  }

  /** The signing key for an address's domain, or null when the domain has none. */
  async keyFor(address: string): Promise<DkimKey | null> {
    const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
    if (domain === '') throw invalid('INVALID_EMAIL', `"${address}" has no domain`);
    const r = await this.db
      .selectFrom('sending_domains')
      .selectAll()
      .where('domain', '=', domain)
      .executeTakeFirst();
    return r ? { domain: r.domain, selector: r.selector, privateKey: await this.openKey(r) } : null;
  }

  /**
   * Seals every DKIM key still stored in the clear (databases from before keys were sealed), so
   * a copy of the database alone reveals none; `openApp` runs it at start. Answers how many.
   */
  async sealLegacyKeys(): Promise<number> {
    if (!this.secret) return 0;
    const rows = await this.db
      .selectFrom('sending_domains')
      .select(['id', 'domain', 'private_key'])
      .where('private_key', 'not like', 'v1.%')
      .execute();
    for (const r of rows) await this.openKey(r);
    return rows.length;
  }

  /**
   * The PEM private key of a domain row. A sealed key is opened; a legacy clear key is returned
   * as it is and sealed in place (only if the row still holds that clear key, so two processes
   * sealing at once cannot overwrite each other's result with a different ciphertext). A sealed
   * key that does not open (the instance secret changed) is an error naming the domain.
   */
  private async openKey(r: Pick<Selectable<Database['sending_domains']>, 'id' | 'domain' | 'private_key'>) {
    if (r.private_key.startsWith('v1.')) {
      if (!this.secret)
        throw new Error(
          `the DKIM key of ${r.domain} is sealed and needs the instance secret (POSTHORN_SECRET)`,
        );
      try {
        return new Sealer(this.secret).open(r.private_key);
      } catch {
        throw new Error(
          `the DKIM key of ${r.domain} does not open with this instance secret (was POSTHORN_SECRET or <data dir>/secret changed?)`,
        );
      }
    }
    if (this.secret)
      await this.db
        .updateTable('sending_domains')
        .set({ private_key: new Sealer(this.secret).seal(r.private_key) })
        .where('id', '=', r.id)
        .where('private_key', '=', r.private_key)
        .execute();
    return r.private_key;
  }
}

function toSendingDomain(r: Selectable<Database['sending_domains']>): SendingDomain {
  return {
    id: r.id,
    domain: r.domain,
    selector: r.selector,
    records: dnsRecords(r.domain, r.selector, r.public_key),
    check: r.check_result ? (JSON.parse(r.check_result) as DomainCheck) : null,
    checkedAt: r.checked_at,
    createdAt: r.created_at,
  };
}
