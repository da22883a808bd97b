import argon2 from 'argon2';
import type { Kysely, Selectable, Updateable } from 'kysely';
import { z } from 'zod';
import {
  type Actor,
  AppError,
  type AuditSink,
  type Clock,
  conflict,
  fromFlag,
  invalid,
  notFound,
  type Page,
  patchSchemaOf,
  randomToken,
  sha256Hex,
} from '../core/index.js';
import type { Database } from '../storage/index.js';
import { builtInRoles, isRight, type Right, rights } from './rights.js';

export const roleInput = z.strictObject({
  name: z.string().trim().min(1).max(100),
  rights: z.array(z.enum(rights)),
});

export const userInput = z.strictObject({
  email: z.email().max(254),
  name: z.string().trim().min(1).max(200),
  phone: z.string().max(50).nullish(),
  mobile: z.string().max(50).nullish(),
  password: z.string().min(10).max(200).optional(),
  role: z.string().min(1),
  timeZone: z.string().min(1).max(64).optional(),
});
export type UserInput = z.infer<typeof userInput>;

/**
 * A merge patch of a user: only the fields named change; phone and mobile take `null` (cleared);
 * the others do not.
 */
export const userPatch = patchSchemaOf(userInput).extend({ isActive: z.boolean().optional() });

export interface Role {
  id: number;
  name: string;
  rights: Right[];
}

export interface User {
  id: number;
  email: string;
  name: string;
  phone: string | null;
  mobile: string | null;
  role: string;
  timeZone: string;
  isActive: boolean;
  createdAt: number;
}

export interface ApiKey {
  id: number;
  name: string;
  prefix: string;
  role: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** API keys look like `ph_<prefix>_<secret>`; only the SHA-256 of the whole key is stored. */
const API_KEY_PATTERN = /^ph_([A-Za-z0-9]{8})_[A-Za-z0-9_-]{32,}$/;

/**
 * Users, roles, API keys, sessions and the audit log. Passwords are argon2id hashes; session ids
 * and API keys are random and stored only as SHA-256 digests, so a database leak reveals no
 * credential.
 */
export class AccessService implements AuditSink {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly sessionTtlMs: number,
  ) {}

  /** Creates the built-in roles that are missing. Idempotent. */
  async ensureBuiltInRoles(): Promise<void> {
    for (const [name, roleRights] of Object.entries(builtInRoles)) {
      const existing = await this.db
        .selectFrom('roles')
        .select('id')
        .where('name', '=', name)
        .executeTakeFirst();
      if (!existing) {
        await this.db
          .insertInto('roles')
          .values({ name, rights: JSON.stringify(roleRights), created_at: this.clock.now() })
          .onConflict((oc) => oc.column('name').doNothing())
          .execute();
      }
    }
  }

  async listRoles(): Promise<Role[]> {
    const rows = await this.db.selectFrom('roles').selectAll().orderBy('id').execute();
    return rows.map(toRole);
  }

  async createRole(input: z.infer<typeof roleInput>, actor: Actor): Promise<Role> {
    requireHeld(actor, input.rights, 'rights');
    const exists = await this.db
      .selectFrom('roles')
      .select('id')
      .where('name', '=', input.name)
      .executeTakeFirst();
    if (exists) throw conflict('ROLE_EXISTS', `a role named "${input.name}" exists`, { field: 'name' });
    const row = await this.db
      .insertInto('roles')
      .values({ name: input.name, rights: JSON.stringify(input.rights), created_at: this.clock.now() })
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.record(actor, 'role.create', 'role', row.id, { name: input.name, rights: input.rights });
    return toRole(row);
  }

  private async roleByName(name: string): Promise<{ id: number; rights: Set<string> }> {
    const row = await this.db
      .selectFrom('roles')
      .select(['id', 'rights'])
      .where('name', '=', name)
      .executeTakeFirst();
    if (!row) throw invalid('ROLE_UNKNOWN', `no role named "${name}"`, { field: 'role', value: name });
    return { id: row.id, rights: parseRights(row.rights) };
  }

  /** The id of a role the actor may hand out: one whose every right the actor holds. */
  private async grantableRoleId(name: string, actor: Actor): Promise<number> {
    const role = await this.roleByName(name);
    requireHeld(actor, role.rights, 'role');
    return role.id;
  }

  async countUsers(): Promise<number> {
    const r = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  async createUser(input: UserInput, actor: Actor): Promise<User> {
    const email = input.email.toLowerCase();
    const exists = await this.db
      .selectFrom('users')
      .select('id')
      .where('email', '=', email)
      .executeTakeFirst();
    if (exists) throw conflict('USER_EXISTS', `a user with e-mail ${email} exists`, { field: 'email' });
    const now = this.clock.now();
    const row = await this.db
      .insertInto('users')
      .values({
        email,
        name: input.name,
        phone: input.phone ?? null,
        mobile: input.mobile ?? null,
        password_hash: input.password === undefined ? null : await argon2.hash(input.password),
        role_id: await this.grantableRoleId(input.role, actor),
        time_zone: input.timeZone ?? 'Europe/Oslo',
        is_active: 1,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await this.record(actor, 'user.create', 'user', row.id, { email, role: input.role });
    return this.getUser(row.id);
  }

  /**
   * Changes a user. Nobody changes a user who holds a right they do not hold themselves (so only a
   * holder of every right changes an administrator, their password included), nor gives a role
   * with such a right. A new password ends the user's other sessions (`keepSessionId`: the
   * session of the request, when users change their own password).
   */
  async updateUser(
    id: number,
    patch: z.infer<typeof userPatch>,
    actor: Actor,
    options: { keepSessionId?: string | undefined } = {},
  ): Promise<User> {
    const target = await this.getUser(id);
    if (actor.userId !== id) requireHeld(actor, (await this.roleByName(target.role)).rights, 'user');
    const values: Updateable<Database['users']> = { updated_at: this.clock.now() };
    if (patch.email !== undefined) values.email = patch.email.toLowerCase();
    if (patch.name !== undefined) values.name = patch.name;
    if (patch.phone !== undefined) values.phone = patch.phone;
    if (patch.mobile !== undefined) values.mobile = patch.mobile;
    if (patch.timeZone !== undefined) values.time_zone = patch.timeZone;
    if (patch.isActive !== undefined) values.is_active = patch.isActive ? 1 : 0;
    if (patch.role !== undefined) values.role_id = await this.grantableRoleId(patch.role, actor);
    if (patch.password !== undefined) values.password_hash = await argon2.hash(patch.password);
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('users').set(values).where('id', '=', id).execute();
      if (patch.isActive === false) await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
      else if (patch.password !== undefined) {
        // whoever knew the old password is logged out everywhere (but the one changing it here)
        let q = trx.deleteFrom('sessions').where('user_id', '=', id);
        if (options.keepSessionId !== undefined && actor.userId === id)
          q = q.where('id_hash', '!=', sha256Hex(options.keepSessionId));
        await q.execute();
      }
    });
    const { password: _omit, ...logged } = patch;
    await this.record(actor, 'user.update', 'user', id, {
      ...logged,
      passwordChanged: patch.password !== undefined,
    });
    return this.getUser(id);
  }

  async getUser(id: number): Promise<User> {
    const row = await this.userQuery().where('users.id', '=', id).executeTakeFirst();
    if (!row) throw notFound('USER_NOT_FOUND', `user ${id} does not exist`);
    return toUser(row);
  }

  async listUsers(limit: number, offset: number): Promise<Page<User>> {
    const rows = await this.userQuery().orderBy('users.id').limit(limit).offset(offset).execute();
    const total = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    return { items: rows.map(toUser), total: Number(total?.n ?? 0) };
  }

  private userQuery() {
    return this.db
      .selectFrom('users')
      .innerJoin('roles', 'roles.id', 'users.role_id')
      .select([
        'users.id',
        'users.email',
        'users.name',
        'users.phone',
        'users.mobile',
        'users.time_zone',
        'users.is_active',
        'users.created_at',
        'roles.name as role',
      ]);
  }

  /** Creates an API key; the plain key is returned once and never stored. */
  async createApiKey(name: string, role: string, actor: Actor): Promise<{ apiKey: ApiKey; key: string }> {
    const prefix = randomToken(12)
      .replace(/[^A-Za-z0-9]/g, '')
      .slice(0, 8)
      .padEnd(8, '0');
    const key = `ph_${prefix}_${randomToken(32)}`;
    const row = await this.db
      .insertInto('api_keys')
      .values({
        name,
        prefix,
        key_hash: sha256Hex(key),
        role_id: await this.grantableRoleId(role, actor),
        created_by: actor.userId,
        created_at: this.clock.now(),
        last_used_at: null,
        revoked_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await this.record(actor, 'apiKey.create', 'apiKey', row.id, { name, role });
    return { apiKey: await this.getApiKey(row.id), key };
  }

  async getApiKey(id: number): Promise<ApiKey> {
    const row = await this.apiKeyQuery().where('api_keys.id', '=', id).executeTakeFirst();
    if (!row) throw notFound('API_KEY_NOT_FOUND', `API key ${id} does not exist`);
    return toApiKey(row);
  }

  async listApiKeys(): Promise<ApiKey[]> {
    return (await this.apiKeyQuery().orderBy('api_keys.id').execute()).map(toApiKey);
  }

  async revokeApiKey(id: number, actor: Actor): Promise<void> {
    await this.getApiKey(id);
    await this.db
      .updateTable('api_keys')
      .set({ revoked_at: this.clock.now() })
      .where('id', '=', id)
      .execute();
    await this.record(actor, 'apiKey.revoke', 'apiKey', id);
  }

  private apiKeyQuery() {
    return this.db
      .selectFrom('api_keys')
      .innerJoin('roles', 'roles.id', 'api_keys.role_id')
      .select([
        'api_keys.id',
        'api_keys.name',
        'api_keys.prefix',
        'api_keys.created_at',
        'api_keys.last_used_at',
        'api_keys.revoked_at',
        'roles.name as role',
      ]);
  }

  /** The actor behind an API key, or null when the key is unknown, malformed or revoked. */
  async authenticateApiKey(key: string): Promise<Actor | null> {
    if (!API_KEY_PATTERN.test(key)) return null;
    const row = await this.db
      .selectFrom('api_keys')
      .innerJoin('roles', 'roles.id', 'api_keys.role_id')
      .select([
        'api_keys.id',
        'api_keys.name',
        'api_keys.revoked_at',
        'api_keys.last_used_at',
        'roles.rights',
      ])
      .where('api_keys.key_hash', '=', sha256Hex(key))
      .executeTakeFirst();
    if (!row || row.revoked_at !== null) return null;
    const now = this.clock.now();
    // last-used is informational; writing it at most once a minute keeps reads cheap
    if (row.last_used_at === null || now - row.last_used_at > 60_000) {
      await this.db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', row.id).execute();
    }
    return {
      kind: 'apiKey',
      label: `apiKey:${row.name}`,
      userId: null,
      apiKeyId: row.id,
      rights: parseRights(row.rights),
    };
  }

  /** Checks a password; on success creates a session and returns its id (to put in a cookie). */
  async login(
    email: string,
    password: string,
  ): Promise<{ sessionId: string; user: User; expiresAt: number }> {
    const row = await this.db
      .selectFrom('users')
      .select(['id', 'password_hash', 'is_active'])
      .where('email', '=', email.toLowerCase())
      .executeTakeFirst();
    // verify against a dummy hash when the user is unknown so timing does not reveal which e-mails exist
    const hash = row?.password_hash ?? DUMMY_HASH;
    const ok = await argon2.verify(hash, password).catch(() => false);
    if (!row || !ok || !fromFlag(row.is_active) || row.password_hash === null) {
      throw new AppError('unauthenticated', 'LOGIN_FAILED', 'wrong e-mail or password');
    }
    const sessionId = randomToken(32);
    const now = this.clock.now();
    const expiresAt = now + this.sessionTtlMs;
    await this.db
      .insertInto('sessions')
      .values({ id_hash: sha256Hex(sessionId), user_id: row.id, created_at: now, expires_at: expiresAt })
      .execute();
    await this.db.deleteFrom('sessions').where('expires_at', '<', now).execute();
    const user = await this.getUser(row.id);
    await this.record(userActor(user, new Set()), 'auth.login', 'user', row.id);
    return { sessionId, user, expiresAt };
  }

  async logout(sessionId: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id_hash', '=', sha256Hex(sessionId)).execute();
  }

  /** The actor behind a session cookie, or null when unknown or expired. */
  async authenticateSession(sessionId: string): Promise<Actor | null> {
    if (sessionId.length < 20 || sessionId.length > 100) return null;
    const row = await this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .innerJoin('roles', 'roles.id', 'users.role_id')
      .select(['users.id', 'users.email', 'users.is_active', 'sessions.expires_at', 'roles.rights'])
      .where('sessions.id_hash', '=', sha256Hex(sessionId))
      .executeTakeFirst();
    if (!row || row.expires_at < this.clock.now() || !fromFlag(row.is_active)) return null;
    return {
      kind: 'user',
      label: `user:${row.email}`,
      userId: row.id,
      apiKeyId: null,
      rights: parseRights(row.rights),
    };
  }

  async record(
    actor: Actor,
    action: string,
    entity: string,
    entityId: string | number | null,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({
        at: this.clock.now(),
        actor: actor.label,
        user_id: actor.userId,
        api_key_id: actor.apiKeyId,
        action,
        entity,
        entity_id: entityId === null ? null : String(entityId),
        details: JSON.stringify(details),
      })
      .execute();
  }

  async listAudit(
    filter: { entity?: string | undefined; entityId?: string | undefined },
    limit: number,
    offset: number,
  ): Promise<
    Page<{
      id: number;
      at: number;
      actor: string;
      action: string;
      entity: string;
      entityId: string | null;
      details: unknown;
    }>
  > {
    let q = this.db.selectFrom('audit_log');
    if (filter.entity !== undefined) q = q.where('entity', '=', filter.entity);
    if (filter.entityId !== undefined) q = q.where('entity_id', '=', filter.entityId);
    const rows = await q.selectAll().orderBy('id', 'desc').limit(limit).offset(offset).execute();
    const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    return {
      items: rows.map((r) => ({
        id: r.id,
        at: r.at,
        actor: r.actor,
        action: r.action,
        entity: r.entity,
        entityId: r.entity_id,
        details: JSON.parse(r.details) as unknown,
      })),
      total: Number(total?.n ?? 0),
    };
  }
}

/** Refuses (403 RIGHT_NOT_HELD) when `wanted` holds a right the actor does not hold. */
function requireHeld(actor: Actor, wanted: Iterable<string>, field: string): void {
  const missing = [...wanted].filter((r) => !actor.rights.has(r));
  if (missing.length > 0)
    throw new AppError(
      'forbidden',
      'RIGHT_NOT_HELD',
      `you cannot grant or change what holds rights you do not have yourself: ${missing.join(', ')}`,
      { field, missing },
    );
}

const DUMMY_HASH =
  '$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$0YBqkc2V4q9SLnBeMXHbdG4PYLXSu5Dq0r6c0mIYJ7s';

function parseRights(json: string): Set<string> {
  const parsed: unknown = JSON.parse(json);
  return new Set(
    Array.isArray(parsed) ? parsed.filter((r): r is string => typeof r === 'string' && isRight(r)) : [],
  );
}

function userActor(user: User, rightsSet: Set<string>): Actor {
  return { kind: 'user', label: `user:${user.email}`, userId: user.id, apiKeyId: null, rights: rightsSet };
}

function toRole(row: Selectable<Database['roles']>): Role {
  return { id: row.id, name: row.name, rights: [...parseRights(row.rights)] as Right[] };
}

function toUser(row: {
  id: number;
  email: string;
  name: string;
  phone: string | null;
  mobile: string | null;
  time_zone: string;
  is_active: number;
  created_at: number;
  role: string;
}): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    phone: row.phone,
    mobile: row.mobile,
    role: row.role,
    timeZone: row.time_zone,
    isActive: fromFlag(row.is_active),
    createdAt: row.created_at,
  };
}

function toApiKey(row: {
  id: number;
  name: string;
  prefix: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
  role: string;
}): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    role: row.role,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}
