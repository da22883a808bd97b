import { z } from 'zod';
import { rights } from '../../access/index.js';
import { Timestamp } from './common.js';

/**
 * Answers of the access routes (users, roles, API keys, login, audit log). The shapes follow
 * `User`, `Role` and `ApiKey` of src/access: nothing here holds a password hash, a session id or
 * a stored key digest; the plain API key appears once, in `ApiKeyCreated`.
 */

export const rightSchema = z.enum(rights).meta({ id: 'Right', description: 'A functional right' });

export const userSchema = z
  .object({
    id: z.number().int(),
    email: z.string(),
    name: z.string(),
    phone: z.string().nullable(),
    mobile: z.string().nullable(),
    /** The role's name. */
    role: z.string(),
    timeZone: z.string(),
    isActive: z.boolean(),
    createdAt: Timestamp,
  })
  .meta({ id: 'User', description: 'An employee who can log in (never with the password hash)' });

export const roleSchema = z
  .object({ id: z.number().int(), name: z.string(), rights: z.array(rightSchema) })
  .meta({ id: 'Role', description: 'A named set of rights' });

export const apiKeySchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    /** The visible part of the key (`ph_<prefix>_…`), to recognise it; not enough to use it. */
    prefix: z.string(),
    role: z.string(),
    createdAt: Timestamp,
    lastUsedAt: Timestamp.nullable(),
    revokedAt: Timestamp.nullable(),
  })
  .meta({ id: 'ApiKey', description: 'An API key, without the key itself' });

export const apiKeyCreatedSchema = apiKeySchema
  .extend({
    key: z.string().meta({ description: 'The plain key: shown in this answer only, never stored' }),
  })
  .meta({ id: 'ApiKeyCreated', description: 'A new API key with its plain key, which is never shown again' });

export const loginResultSchema = z
  .object({ user: userSchema, expiresAt: Timestamp })
  .meta({ id: 'LoginResult', description: 'The logged-in user; the session id is in the cookie only' });

export const meSchema = z
  .object({
    kind: z.enum(['user', 'apiKey', 'system']),
    /** As in the audit log: `user:kari@example.com`, `apiKey:crm-sync`. */
    label: z.string(),
    /** The user behind a session; null for an API key. */
    user: userSchema.nullable(),
    rights: z.array(rightSchema),
  })
  .meta({ id: 'Me', description: 'Who the credentials belong to, and their rights' });

export const auditEntrySchema = z
  .object({
    id: z.number().int(),
    at: Timestamp,
    actor: z.string(),
    action: z.string(),
    entity: z.string(),
    entityId: z.string().nullable(),
    /** What the action changed; its shape depends on the action (never a password). */
    details: z.unknown(),
  })
  .meta({ id: 'AuditEntry', description: 'Who changed what, when' });
