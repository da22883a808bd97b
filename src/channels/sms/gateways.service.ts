import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import {
  type Actor,
  type AuditSink,
  type Clock,
  conflict,
  invalid,
  notFound,
  OutboundGuard,
  redactUrl,
  Sealer,
  TokenSigner,
} from '../../core/index.js';
import type { Database, SmsGatewaysTable } from '../../storage/index.js';
import { OutboxService } from '../outbox/index.js';
import { checkSmsSender } from './encoding.js';
import { type DeliveryReceipt, DevOutboxSmsGateway, type SmsGateway } from './gateway.js';

const common = {
  name: z.string().trim().min(1).max(100),
  /** The default sender of this gateway's SMS when a mailing names none. */
  sender: z
    .string()
    .trim()
    .max(20)
    .optional()
    .refine(
      (s) => s === undefined || s === '' || checkSmsSender(s).ok,
      'an 11-character name or a phone number',
    ),
  /** Country for numbers written without a country code (ISO 3166 alpha-2). */
  defaultCountry: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .optional(),
  perSecond: z.number().int().positive().max(100_000).optional(),
  weight: z.number().int().min(1).max(1000).default(1),
};

/** A merge patch of a gateway: only `active` can change (omitted: nothing changes). */
export const smsGatewayPatch = z.strictObject({ active: z.boolean().optional() });

export const smsGatewayInput = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('smpp'),
    ...common,
    host: z.string().trim().min(1).max(253),
    port: z.number().int().min(1).max(65535).default(2775),
    tls: z.boolean().default(false),
    systemId: z.string().min(1).max(16),
    password: z.string().max(9),
    systemType: z.string().max(13).optional(),
    window: z.number().int().min(1).max(1000).default(10),
    enquireLinkSeconds: z.number().int().min(5).max(3600).default(30),
    responseTimeoutSeconds: z.number().int().min(1).max(300).default(10),
  }),
  z.strictObject({
    kind: z.literal('http'),
    ...common,
    url: z.url({ protocol: /^https?$/ }),
    method: z.enum(['POST', 'GET']).default('POST'),
    format: z.enum(['json', 'form']).default('json'),
    fields: z.record(z.string().max(100), z.string().max(2000)),
    headers: z
      .record(z.string().regex(/^[A-Za-z0-9-]{1,100}$/), z.string().regex(/^[^\r\n]{0,2000}$/))
      .default({}),
    idPath: z.string().max(200).optional(),
    timeoutSeconds: z.number().int().min(1).max(300).default(10),
    /**
     * How the gateway's delivery reports (posted to this gateway's `receiptPath`) read: dot paths
     * to the message id and the status, and which status values mean delivered or failed.
     */
    receipts: z
      .strictObject({
        idPath: z.string().min(1).max(200),
        statusPath: z.string().min(1).max(200),
        delivered: z.array(z.string().max(100)).min(1).max(20),
        failed: z.array(z.string().max(100)).min(1).max(20),
        errorPath: z.string().max(200).optional(),
      })
      .optional(),
  }),
  z.strictObject({ kind: z.literal('outbox'), ...common }),
]);
export type SmsGatewayInput = z.output<typeof smsGatewayInput>;

export interface SmsGatewayView {
  id: number;
  name: string;
  kind: 'smpp' | 'http' | 'outbox';
  /** The settings with passwords and header values left out. */
  settings: Record<string, unknown>;
  sender: string | null;
  defaultCountry: string | null;
  perSecond: number | null;
  weight: number;
  active: boolean;
  /** HTTP gateways: where the gateway posts its delivery reports (signed; no login). */
  receiptPath: string | null;
  createdAt: number;
}

export interface ActiveSmsGateway {
  gateway: SmsGateway;
  sender: string | null;
  defaultCountry: string | null;
  perSecond: number | null;
  weight: number;
}

/**
 * SMS gateway accounts (PRODUCT.md §9, §14): SMPP 3.4, a generic HTTP gateway, or the dev outbox,
 * each with a default sender and country. Settings are stored sealed with the instance secret
 * (they hold passwords and auth headers) and never returned. An HTTP gateway's URL may not point
 * at loopback or private addresses unless `allowPrivateUrls` (POSTHORN_ALLOW_PRIVATE_URLS) lists
 * them: refused in the settings when plainly so, and checked again on every request.
 */
export class SmsGatewaysService {
  private readonly guard: OutboundGuard;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly audit: AuditSink,
    private readonly secret: string | undefined,
    allowPrivateUrls: readonly string[] = [],
  ) {
    this.guard = new OutboundGuard(allowPrivateUrls);
  }

  private sealer(): Sealer {
    if (!this.secret) throw new Error('SMS gateway settings need the instance secret (POSTHORN_SECRET)');
    return new Sealer(this.secret);
  }

  async list(): Promise<SmsGatewayView[]> {
    const rows = await this.db.selectFrom('sms_gateways').selectAll().orderBy('id').execute();
    return rows.map((r) => this.view(r));
  }

  async create(input: z.input<typeof smsGatewayInput>, actor: Actor): Promise<SmsGatewayView> {
    const v = smsGatewayInput.parse(input);
    if (v.kind === 'http') this.guard.checkUrl(v.url, 'url');
    const exists = await this.db
      .selectFrom('sms_gateways')
      .select('id')
      .where('name', '=', v.name)
      .executeTakeFirst();
    if (exists) throw conflict('SMS_GATEWAY_EXISTS', `a gateway named "${v.name}" exists`, { field: 'name' });
    const now = this.clock.now();
    const row = await this.db
      .insertInto('sms_gateways')
      .values({
        name: v.name,
        kind: v.kind,
        config_sealed: this.sealer().seal(JSON.stringify(v)),
        sender: v.sender || null,
        default_country: v.defaultCountry ?? null,
        per_second: v.perSecond ?? null,
        weight: v.weight,
        active: 1,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.audit.record(actor, 'smsGateway.create', 'smsGateway', row.id, { name: v.name, kind: v.kind });
    return this.view(row);
  }

  /** Applies a patch: `{}` changes nothing and answers the gateway as it is. */
  async update(id: number, patch: z.input<typeof smsGatewayPatch>, actor: Actor): Promise<SmsGatewayView> {
    const v = smsGatewayPatch.parse(patch);
    if (v.active !== undefined) return this.setActive(id, v.active, actor);
    const r = await this.db.selectFrom('sms_gateways').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw notFound('SMS_GATEWAY_NOT_FOUND', `no SMS gateway ${id}`);
    return this.view(r);
  }

  async setActive(id: number, active: boolean, actor: Actor): Promise<SmsGatewayView> {
    const r = await this.db
      .updateTable('sms_gateways')
      .set({ active: active ? 1 : 0, updated_at: this.clock.now() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!r) throw notFound('SMS_GATEWAY_NOT_FOUND', `no SMS gateway ${id}`);
    await this.audit.record(
      actor,
      active ? 'smsGateway.activate' : 'smsGateway.deactivate',
      'smsGateway',
      id,
    );
    return this.view(r);
  }

  async remove(id: number, actor: Actor): Promise<void> {
    const r = await this.db.deleteFrom('sms_gateways').where('id', '=', id).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw notFound('SMS_GATEWAY_NOT_FOUND', `no SMS gateway ${id}`);
    await this.audit.record(actor, 'smsGateway.delete', 'smsGateway', id);
  }

  /** What identifies the active gateways' settings: it changes when one is added, changed, turned off or removed. */
  async signature(): Promise<string> {
    const rows = await this.db
      .selectFrom('sms_gateways')
      .select(['id', 'updated_at'])
      .where('active', '=', 1)
      .orderBy('id')
      .execute();
    return rows.map((r) => `${r.id}@${r.updated_at}`).join(',');
  }

  /** The active gateways, connected lazily (an SMPP gateway binds on its first message). */
  async open(): Promise<ActiveSmsGateway[]> {
    // the protocol modules load when a gateway is used, not in every process
    const { SmppGateway } = await import('./smpp.js');
    const { HttpSmsGateway } = await import('./http.js');
    const rows = await this.db
      .selectFrom('sms_gateways')
      .selectAll()
      .where('active', '=', 1)
      .orderBy('id')
      .execute();
    return rows.map((r) => {
      let v: SmsGatewayInput;
      try {
        v = smsGatewayInput.parse(JSON.parse(this.sealer().open(r.config_sealed)));
      } catch (e) {
        throw invalid(
          'SMS_GATEWAY_UNREADABLE',
          `the settings of SMS gateway "${r.name}" cannot be read: ${String(e)}`,
        );
      }
      const gateway: SmsGateway =
        v.kind === 'smpp'
          ? new SmppGateway({
              name: v.name,
              host: v.host,
              port: v.port,
              tls: v.tls,
              systemId: v.systemId,
              password: v.password,
              systemType: v.systemType,
              window: v.window,
              enquireLinkMs: v.enquireLinkSeconds * 1000,
              responseTimeoutMs: v.responseTimeoutSeconds * 1000,
            })
          : v.kind === 'http'
            ? new HttpSmsGateway({
                name: v.name,
                url: v.url,
                method: v.method,
                format: v.format,
                fields: v.fields,
                headers: v.headers,
                idPath: v.idPath,
                timeoutMs: v.timeoutSeconds * 1000,
                guard: this.guard,
              })
            : new DevOutboxSmsGateway(new OutboxService(this.db, this.clock));
      return {
        gateway,
        sender: r.sender,
        defaultCountry: r.default_country,
        perSecond: r.per_second,
        weight: r.weight,
      };
    });
  }

  /**
   * Reads delivery reports an HTTP gateway posted to its receipt path: one report or an array of
   * them, mapped with the gateway's `receipts` paths. A forged or unknown path is not found.
   */
  async receiptsFrom(token: string, body: unknown): Promise<DeliveryReceipt[]> {
    const id = Number(new TokenSigner(this.secretOrThrow()).verify('smsReceipts', token));
    const row =
      Number.isInteger(id) && id > 0
        ? await this.db.selectFrom('sms_gateways').selectAll().where('id', '=', id).executeTakeFirst()
        : undefined;
    if (!row) throw notFound('SMS_GATEWAY_NOT_FOUND', 'no such receipt address');
    const v = smsGatewayInput.parse(JSON.parse(this.sealer().open(row.config_sealed)));
    if (v.kind !== 'http' || !v.receipts)
      throw invalid('SMS_RECEIPTS_NOT_MAPPED', `gateway "${row.name}" has no receipt mapping`);
    const map = v.receipts;
    const reports = Array.isArray(body) ? body : [body];
    const out: DeliveryReceipt[] = [];
    for (const report of reports.slice(0, 10_000)) {
      const providerId = at(report, map.idPath);
      const status = at(report, map.statusPath);
      if (providerId === null || status === null) continue;
      const state = map.delivered.includes(status)
        ? 'delivered'
        : map.failed.includes(status)
          ? 'failed'
          : null;
      if (!state) continue;
      const error = map.errorPath ? at(report, map.errorPath) : null;
      out.push({
        gateway: v.name,
        providerId,
        state,
        error: state === 'failed' ? `${status}${error ? ` ${error}` : ''}` : null,
      });
    }
    return out;
  }

  private secretOrThrow(): string {
    this.sealer();
    return this.secret as string;
  }

  private view(r: Selectable<SmsGatewaysTable>): SmsGatewayView {
    let settings: Record<string, unknown> = {};
    try {
      const {
        password: _p,
        headers,
        url,
        fields,
        ...rest
      } = JSON.parse(this.sealer().open(r.config_sealed)) as Record<string, unknown>;
      settings = {
        ...rest,
        ...(headers ? { headers: Object.keys(headers as object) } : {}),
        ...(typeof url === 'string' ? { url: shownGatewayUrl(url) } : {}),
        // a fixed field value is often the API key or login; one with placeholders is a template
        ...(fields
          ? {
              fields: Object.fromEntries(
                Object.entries(fields as Record<string, string>).map(([k, v]) => [
                  k,
                  /\{\{\w+\}\}/.test(v) ? v : '(set, hidden)',
                ]),
              ),
            }
          : {}),
      };
    } catch {
      settings = { unreadable: true };
    }
    return {
      id: r.id,
      name: r.name,
      kind: r.kind,
      settings,
      sender: r.sender,
      defaultCountry: r.default_country,
      perSecond: r.per_second,
      weight: r.weight,
      active: r.active === 1,
      receiptPath:
        r.kind === 'http'
          ? `/hooks/sms/${new TokenSigner(this.secretOrThrow()).sign('smsReceipts', String(r.id))}`
          : null,
      createdAt: Number(r.created_at),
    };
  }
}

/**
 * A gateway URL as the API shows it: without the password of its user info, and with the values
 * of its query (where gateways take API keys) hidden; the names stay so the setup can be told.
 */
function shownGatewayUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return redactUrl(url);
  const hash = url.indexOf('#', q);
  const query = url.slice(q + 1, hash < 0 ? undefined : hash);
  const names = query
    .split('&')
    .filter((p) => p !== '')
    .map((p) => `${p.split('=')[0]}=***`)
    .join('&');
  return `${redactUrl(url.slice(0, q))}?${names}`;
}

/** A string or number at a dot path of a JSON value, else null. */
function at(value: unknown, path: string): string | null {
  const found = path
    .split('.')
    .reduce<unknown>(
      (v, key) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined),
      value,
    );
  return typeof found === 'string' || typeof found === 'number' ? String(found) : null;
}
