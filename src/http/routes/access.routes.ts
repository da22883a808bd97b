import { z } from 'zod';
import { isRight, roleInput, userInput, userPatch } from '../../access/index.js';
import { AppError } from '../../core/index.js';
import { idParams, pageQuery, route } from '../route.js';
import {
  apiKeyCreatedSchema,
  apiKeySchema,
  auditEntrySchema,
  loginResultSchema,
  meSchema,
  roleSchema,
  userSchema,
} from '../schemas/access.js';
import { pageOf } from '../schemas/common.js';

export const SESSION_COOKIE = 'posthorn_session';

export const accessRoutes = [
  route({
    method: 'POST',
    url: '/api/v1/auth/login',
    access: 'public',
    tag: 'auth',
    summary: 'Log in with e-mail and password; sets the session cookie',
    body: z.strictObject({ email: z.string().min(1).max(254), password: z.string().min(1).max(200) }),
    rateLimitPerMinute: -1, // replaced by the configured POSTHORN_LOGIN_RATE_PER_MINUTE
    response: loginResultSchema,
    handler: async ({ services, body, reply, request }) => {
      const { sessionId, user, expiresAt } = await services.access.login(body.email, body.password);
      reply.setCookie(SESSION_COOKIE, sessionId, {
        path: '/',
        httpOnly: true,
        // never sent on a request another site starts, not even a top-level navigation
        sameSite: 'strict',
        // https as the client sees it: the public URL, or X-Forwarded-Proto from a trusted proxy
        secure: request.protocol === 'https' || request.server.posthorn.publicUrl.startsWith('https:'),
        expires: new Date(expiresAt),
      });
      return { user, expiresAt };
    },
  }),
  route({
    method: 'POST',
    url: '/api/v1/auth/logout',
    access: 'authenticated',
    tag: 'auth',
    summary: 'End the session',
    status: 204,
    handler: async ({ services, request, reply }) => {
      const sid = request.cookies[SESSION_COOKIE];
      if (sid) await services.access.logout(sid);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
    },
  }),
  route({
    method: 'GET',
    url: '/api/v1/auth/me',
    access: 'authenticated',
    tag: 'auth',
    summary: 'Who the credentials belong to, and their rights',
    response: meSchema,
    handler: async ({ services, actor }) => ({
      kind: actor.kind,
      label: actor.label,
      user: actor.userId === null ? null : await services.access.getUser(actor.userId),
      // an actor's rights are read through isRight already; the filter tells the type so
      rights: [...actor.rights].filter(isRight).sort(),
    }),
  }),
  route({
    method: 'GET',
    url: '/api/v1/users',
    access: 'manageUsers',
    tag: 'users',
    summary: 'List users',
    query: pageQuery,
    response: pageOf(userSchema),
    handler: ({ services, query }) => services.access.listUsers(query.limit, query.offset),
  }),
  route({
    method: 'POST',
    url: '/api/v1/users',
    access: 'manageUsers',
    tag: 'users',
    summary: 'Create a user (an employee: can log in with a password, and be "our contact")',
    body: userInput,
    status: 201,
    response: userSchema,
    handler: ({ services, body, actor }) => services.access.createUser(body, actor),
  }),
  route({
    method: 'GET',
    url: '/api/v1/users/:id',
    access: 'manageUsers',
    tag: 'users',
    summary: 'Get a user',
    params: idParams,
    response: userSchema,
    handler: ({ services, params }) => services.access.getUser(params.id),
  }),
  route({
    method: 'PATCH',
    url: '/api/v1/users/:id',
    access: 'manageUsers',
    tag: 'users',
    summary:
      'Change a user (isActive: false ends their sessions; a new password ends their other sessions). Only a holder of every right a user has may change that user.',
    params: idParams,
    body: userPatch,
    response: userSchema,
    handler: ({ services, params, body, actor, request }) =>
      services.access.updateUser(params.id, body, actor, { keepSessionId: request.cookies[SESSION_COOKIE] }),
  }),
  route({
    method: 'GET',
    url: '/api/v1/roles',
    access: 'manageUsers',
    tag: 'users',
    summary: 'Roles and the rights they grant',
    response: pageOf(roleSchema),
    handler: async ({ services }) => {
      const items = await services.access.listRoles();
      return { items, total: items.length };
    },
  }),
  route({
    method: 'POST',
    url: '/api/v1/roles',
    access: 'manageUsers',
    tag: 'users',
    summary: 'Create a role',
    body: roleInput,
    status: 201,
    response: roleSchema,
    handler: ({ services, body, actor }) => services.access.createRole(body, actor),
  }),
  route({
    method: 'GET',
    url: '/api/v1/api-keys',
    access: 'manageUsers',
    tag: 'users',
    summary: 'List API keys (never the keys themselves)',
    response: pageOf(apiKeySchema),
    handler: async ({ services }) => {
      const items = await services.access.listApiKeys();
      return { items, total: items.length };
    },
  }),
  route({
    method: 'POST',
    url: '/api/v1/api-keys',
    access: 'manageUsers',
    tag: 'users',
    summary: 'Create an API key; the key is in this response only',
    body: z.strictObject({ name: z.string().trim().min(1).max(100), role: z.string().min(1) }),
    status: 201,
    response: apiKeyCreatedSchema,
    handler: async ({ services, body, actor }) => {
      const { apiKey, key } = await services.access.createApiKey(body.name, body.role, actor);
      return { ...apiKey, key };
    },
  }),
  route({
    method: 'DELETE',
    url: '/api/v1/api-keys/:id',
    access: 'manageUsers',
    tag: 'users',
    summary: 'Revoke an API key',
    params: idParams,
    status: 204,
    handler: ({ services, params, actor }) => services.access.revokeApiKey(params.id, actor),
  }),
  route({
    method: 'GET',
    url: '/api/v1/audit-log',
    access: 'manageSettings',
    tag: 'settings',
    summary: 'Who changed what, newest first',
    query: pageQuery.extend({
      entity: z.string().max(50).optional(),
      entityId: z.string().max(50).optional(),
    }),
    response: pageOf(auditEntrySchema),
    handler: ({ services, query }) =>
      services.access.listAudit(
        { entity: query.entity, entityId: query.entityId },
        query.limit,
        query.offset,
      ),
  }),
];

/** Thrown by the auth hook; mapped to 401 by the error handler. */
export const unauthenticated = (): AppError =>
  new AppError('unauthenticated', 'UNAUTHENTICATED', 'log in or send "Authorization: Bearer <API key>"');
