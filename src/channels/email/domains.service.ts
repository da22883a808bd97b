import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import { type Actor, type AuditSink, type Clock, conflict, invalid, notFound } from '../../core/index.js';
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
 * through an injectable resolver. The private key stays in the database and is never returned.
 */
export class SendingDomainsService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly audit: AuditSink,
    private readonly resolver: TxtResolver,
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
        private_key: key.privateKey,
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

  /** The signing key for an address's domain, or null when the domain has none. Throws on an unparseable key. */
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
      key: { domain: r.domain, selector: r.selector, privateKey: r.private_key },
    };
  }

  async keyFor(address: string): Promise<DkimKey | null> {
    const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
    if (domain === '') throw invalid('INVALID_EMAIL', `"${address}" has no domain`);
    const r = await this.db
      .selectFrom('sending_domains')
      .selectAll()
      .where('domain', '=', domain)
      .executeTakeFirst();
    return r ? { domain: r.domain, selector: r.selector, privateKey: r.private_key } : null;
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
