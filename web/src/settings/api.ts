import { queryOptions } from '@tanstack/react-query';
import { api, call } from '../api/client';
import type { Page } from '../api/types';
import type { EmailAccountBody, SettingsPatch, SmsGatewayBody, UserBody } from './forms';
import type {
  ApiKey,
  CreatedApiKey,
  EmailAccount,
  GeneralSettings,
  Role,
  SendingDomain,
  SmsGateway,
  SubscriptionType,
  UserRow,
} from './types';

const byId = (id: number) => ({ params: { path: { id } } });

export const settingsQuery = queryOptions({
  queryKey: ['settings'] as const,
  queryFn: ({ signal }) => call<GeneralSettings>(() => api.GET('/api/v1/settings', { signal })),
});
export const patchSettings = (body: SettingsPatch) =>
  call<GeneralSettings>(() => api.PATCH('/api/v1/settings', { body }));

export const emailAccountsQuery = queryOptions({
  queryKey: ['email-accounts'] as const,
  queryFn: ({ signal }) => call<Page<EmailAccount>>(() => api.GET('/api/v1/email-accounts', { signal })),
});
export const createEmailAccount = (body: EmailAccountBody) =>
  call<EmailAccount>(() => api.POST('/api/v1/email-accounts', { body }));
export const setEmailAccountActive = (id: number, active: boolean) =>
  call<EmailAccount>(() => api.PATCH('/api/v1/email-accounts/{id}', { ...byId(id), body: { active } }));
export const deleteEmailAccount = (id: number) =>
  call<undefined>(() => api.DELETE('/api/v1/email-accounts/{id}', byId(id)));

export const smsGatewaysQuery = queryOptions({
  queryKey: ['sms-gateways'] as const,
  queryFn: ({ signal }) => call<Page<SmsGateway>>(() => api.GET('/api/v1/sms-gateways', { signal })),
});
export const createSmsGateway = (body: SmsGatewayBody) =>
  call<SmsGateway>(() => api.POST('/api/v1/sms-gateways', { body }));
export const setSmsGatewayActive = (id: number, active: boolean) =>
  call<SmsGateway>(() => api.PATCH('/api/v1/sms-gateways/{id}', { ...byId(id), body: { active } }));
export const deleteSmsGateway = (id: number) =>
  call<undefined>(() => api.DELETE('/api/v1/sms-gateways/{id}', byId(id)));

export const sendingDomainsQuery = queryOptions({
  queryKey: ['sending-domains'] as const,
  queryFn: ({ signal }) => call<Page<SendingDomain>>(() => api.GET('/api/v1/sending-domains', { signal })),
});
export const addSendingDomain = (domain: string) =>
  call<SendingDomain>(() => api.POST('/api/v1/sending-domains', { body: { domain } }));
export const checkSendingDomain = (id: number) =>
  call<SendingDomain>(() => api.POST('/api/v1/sending-domains/{id}/check', byId(id)));
export const deleteSendingDomain = (id: number) =>
  call<undefined>(() => api.DELETE('/api/v1/sending-domains/{id}', byId(id)));

export const subscriptionTypesQuery = queryOptions({
  queryKey: ['subscription-types', 'settings'] as const,
  queryFn: ({ signal }) =>
    call<Page<SubscriptionType>>(() => api.GET('/api/v1/subscription-types', { signal })),
});
export const createSubscriptionType = (body: { name: string; description: string | null }) =>
  call<SubscriptionType>(() => api.POST('/api/v1/subscription-types', { body }));
export const updateSubscriptionType = (id: number, body: { name?: string; description?: string | null }) =>
  call<SubscriptionType>(() => api.PATCH('/api/v1/subscription-types/{id}', { ...byId(id), body }));
export const deleteSubscriptionType = (id: number) =>
  call<undefined>(() => api.DELETE('/api/v1/subscription-types/{id}', byId(id)));

/** Users a page at a time (the API pages them; 500 is its largest page). */
export const usersQuery = queryOptions({
  queryKey: ['users'] as const,
  queryFn: ({ signal }) =>
    call<Page<UserRow>>(() => api.GET('/api/v1/users', { params: { query: { limit: 500 } }, signal })),
});
export const createUser = (body: Required<Pick<UserBody, 'name' | 'email' | 'role'>> & UserBody) =>
  call<UserRow>(() => api.POST('/api/v1/users', { body }));
export const updateUser = (id: number, body: UserBody) =>
  call<UserRow>(() => api.PATCH('/api/v1/users/{id}', { ...byId(id), body }));

export const rolesQuery = queryOptions({
  queryKey: ['roles'] as const,
  queryFn: ({ signal }) => call<Page<Role>>(() => api.GET('/api/v1/roles', { signal })),
});
export const createRole = (body: Pick<Role, 'name' | 'rights'>) =>
  call<Role>(() => api.POST('/api/v1/roles', { body }));

export const apiKeysQuery = queryOptions({
  queryKey: ['api-keys'] as const,
  queryFn: ({ signal }) => call<Page<ApiKey>>(() => api.GET('/api/v1/api-keys', { signal })),
});
export const createApiKey = (body: { name: string; role: string }) =>
  call<CreatedApiKey>(() => api.POST('/api/v1/api-keys', { body }));
export const revokeApiKey = (id: number) =>
  call<undefined>(() => api.DELETE('/api/v1/api-keys/{id}', byId(id)));
