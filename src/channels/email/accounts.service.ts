import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import { type Actor, type AuditSink, type Clock, conflict, notFound, Sealer } from '../../core/index.js';
import type { Database, EmailAccountsTable } from '../../storage/index.js';

export const emailAccountInput = z.strictObject({
  name: z.string().trim().min(1).max(100),
  host: z
    .string()
    .trim()
    .min(1)
    .max(253)
    .regex(/^[A-Za-z0-9.:[\]-]+$/, 'a host name or address'),
  port: z.number().int().min(1).max(65535).default(587),
  /** `none`: plain; `starttls`: upgrade when offered; `required`: refuse without STARTTLS; `implicit`: TLS from the start (465). */
  tls: z.enum(['none', 'starttls', 'required', 'implicit']).default('starttls'),
  username: z.string().max(200).optional(),
  password: z.string().max(500).optional(),
  poolSize: z.number().int().min(1).max(100).default(5),
  /** Share of the messages when there are several accounts. */
  weight: z.number().int().min(1).max(1000).default(1),
  perSecond: z.number().int().positive().max(100_000).optional(),
  perMinute: z.number().int().positive().max(6_000_000).optional(),
  perHour: z.number().int().positive().max(360_000_000).optional(),
});

/** A merge patch of an account: only `active` can change (omitted: nothing changes). */
export const emailAccountPatch = z.strictObject({ active: z.boolean().optional() });

export interface EmailAccountView {
  id: number;
  name: string;
  host: string;
  port: number;
  tls: 'none' | 'starttls' | 'required' | 'implicit';
  username: string | null;
  /** Whether a password is stored (it is never returned). */
  hasPassword: boolean;
  poolSize: number;
  weight: number;
  perSecond: number | null;
  perMinute: number | null;
  perHour: number | null;
  active: boolean;
  createdAt: number;
}

export interface OpenEmailAccount {
  name: string;
  /** The relay as an SMTP URL (`smtp://user:pass@host:587/?tls=required`). */
  url: string;
  poolSize: number;
  weight: number;
  perSecond: number | null;
  perMinute: number | null;
  perHour: number | null;
}

/**
 * Outbound e-mail accounts (PRODUCT.md §9, §14): SMTP relays with TLS mode, login, pool size,
 * weight and rate limits. Passwords are sealed with the instance secret and never returned.
 * With no active account, the relay of `POSTHORN_SMTP_URL` (or the dev outbox) is used.
 */
export class EmailAccountsService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly audit: AuditSink,
    private readonly secret: string | undefined,
  ) {}

  private sealer(): Sealer {
    if (!this.secret) throw new Error('e-mail account passwords need the instance secret (POSTHORN_SECRET)');
    return new Sealer(this.secret);
  }

  async list(): Promise<EmailAccountView[]> {
    return (await this.db.selectFrom('email_accounts').selectAll().orderBy('id').execute()).map(view);
  }

  async create(input: z.input<typeof emailAccountInput>, actor: Actor): Promise<EmailAccountView> {
    const v = emailAccountInput.parse(input);
    const exists = await this.db
      .selectFrom('email_accounts')
      .select('id')
      .where('name', '=', v.name)
      .executeTakeFirst();
    if (exists)
      throw conflict('EMAIL_ACCOUNT_EXISTS', `an account named "${v.name}" exists`, { field: 'name' });
    const now = this.clock.now();
    const row = await this.db
      .insertInto('email_accounts')
      .values({
        name: v.name,
        host: v.host,
        port: v.port,
        tls: v.tls,
        username: v.username ?? null,
        password_sealed: v.password ? this.sealer().seal(v.password) : null,
        pool_size: v.poolSize,
        weight: v.weight,
        per_second: v.perSecond ?? null,
        per_minute: v.perMinute ?? null,
        per_hour: v.perHour ?? null,
        active: 1,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.audit.record(actor, 'emailAccount.create', 'emailAccount', row.id, {
      name: v.name,
      host: v.host,
    });
    return view(row);
  }

  /** Applies a patch: `{}` changes nothing and answers the account as it is. */
  async update(
    id: number,
    patch: z.input<typeof emailAccountPatch>,
    actor: Actor,
  ): Promise<EmailAccountView> {
    const v = emailAccountPatch.parse(patch);
    if (v.active !== undefined) return this.setActive(id, v.active, actor);
    const r = await this.db.selectFrom('email_accounts').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw notFound('EMAIL_ACCOUNT_NOT_FOUND', `no e-mail account ${id}`);
    return view(r);
  }

  async setActive(id: number, active: boolean, actor: Actor): Promise<EmailAccountView> {
    const r = await this.db
      .updateTable('email_accounts')
      .set({ active: active ? 1 : 0, updated_at: this.clock.now() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!r) throw notFound('EMAIL_ACCOUNT_NOT_FOUND', `no e-mail account ${id}`);
    await this.audit.record(
      actor,
      active ? 'emailAccount.activate' : 'emailAccount.deactivate',
      'emailAccount',
      id,
    );
    return view(r);
  }

  async remove(id: number, actor: Actor): Promise<void> {
    const r = await this.db.deleteFrom('email_accounts').where('id', '=', id).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw notFound('EMAIL_ACCOUNT_NOT_FOUND', `no e-mail account ${id}`);
    await this.audit.record(actor, 'emailAccount.delete', 'emailAccount', id);
  }

  /** The active accounts with their passwords opened (for the send workers only). */
  async open(): Promise<OpenEmailAccount[]> {
    const rows = await this.db
      .selectFrom('email_accounts')
      .selectAll()
      .where('active', '=', 1)
      .orderBy('id')
      .execute();
    return rows.map((r) => {
      const auth = r.username
        ? `${encodeURIComponent(r.username)}:${encodeURIComponent(r.password_sealed ? this.sealer().open(r.password_sealed) : '')}@`
        : '';
      const scheme = r.tls === 'implicit' ? 'smtps' : 'smtp';
      const tls = r.tls === 'none' ? '?tls=none' : r.tls === 'required' ? '?tls=required' : '';
      const host = r.host.includes(':') && !r.host.startsWith('[') ? `[${r.host}]` : r.host;
      return {
        name: r.name,
        url: `${scheme}://${auth}${host}:${r.port}/${tls}`,
        poolSize: r.pool_size,
        weight: r.weight,
        perSecond: r.per_second,
        perMinute: r.per_minute,
        perHour: r.per_hour,
      };
    });
  }
}

function view(r: Selectable<EmailAccountsTable>): EmailAccountView {
  return {
    id: r.id,
    name: r.name,
    host: r.host,
    port: r.port,
    tls: r.tls,
    username: r.username,
    hasPassword: r.password_sealed !== null,
    poolSize: r.pool_size,
    weight: r.weight,
    perSecond: r.per_second,
    perMinute: r.per_minute,
    perHour: r.per_hour,
    active: r.active === 1,
    createdAt: Number(r.created_at),
  };
}
