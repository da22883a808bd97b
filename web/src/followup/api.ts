import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { api, call } from '../api/client';
import type { Items, Page } from '../api/types';
import {
  type recipientsFilter,
  recipientsPageSize,
  recipientsQueryParams,
  type ViewMailingSearch,
} from './search';
import { isLive, sentStatuses } from './summary';
import type {
  AddToAnswer,
  Clicker,
  FollowupRecipient,
  LinkStat,
  PersonsChanged,
  Reports,
  ResendAnswer,
  SendProgress,
  Summary,
} from './types';

const path = (id: number) => ({ path: { id } });

/** Every query of one mailing's follow-up starts with this key (invalidated by Refresh and actions). */
export const followupKey = (id: number) => ['mailings', id, 'followup'] as const;

/** The counters: polled every 2 s while the mailing sends (UI.md). */
export const summaryQuery = (id: number) =>
  queryOptions({
    queryKey: [...followupKey(id), 'summary'] as const,
    queryFn: ({ signal }) =>
      call<Summary>(() => api.GET('/api/v1/mailings/{id}/summary', { params: path(id), signal })),
    refetchInterval: (q) => (isLive(q.state.data?.progress?.state) ? 2000 : false),
  });

/** Progress of the latest round (also after it ended: when it finished). */
export const progressQuery = (id: number) =>
  queryOptions({
    queryKey: [...followupKey(id), 'progress'] as const,
    queryFn: ({ signal }) =>
      call<SendProgress>(() => api.GET('/api/v1/mailings/{id}/progress', { params: path(id), signal })),
    refetchInterval: (q) => (isLive(q.state.data?.state) ? 2000 : false),
  });

export const reportsQuery = (id: number) =>
  queryOptions({
    queryKey: [...followupKey(id), 'reports'] as const,
    queryFn: ({ signal }) =>
      call<Reports>(() => api.GET('/api/v1/mailings/{id}/reports', { params: path(id), signal })),
  });

export const recipientsQuery = (id: number, search: ViewMailingSearch) =>
  queryOptions({
    queryKey: [...followupKey(id), 'recipients', recipientsQueryParams(search)] as const,
    queryFn: ({ signal }) =>
      call<Page<FollowupRecipient>>(() =>
        api.GET('/api/v1/mailings/{id}/followup/recipients', {
          params: { ...path(id), query: recipientsQueryParams(search) },
          signal,
        }),
      ),
    placeholderData: keepPreviousData,
  });

/** The first recipient something was sent to: whose copy the Content tab shows. */
export const firstSentQuery = (id: number) =>
  queryOptions({
    queryKey: [...followupKey(id), 'first-sent'] as const,
    queryFn: ({ signal }) =>
      call<Page<FollowupRecipient>>(() =>
        api.GET('/api/v1/mailings/{id}/followup/recipients', {
          params: { ...path(id), query: { status: sentStatuses, sort: 'sentAt', order: 'asc', limit: 1 } },
          signal,
        }),
      ),
  });

export const linksQuery = (id: number) =>
  queryOptions({
    queryKey: [...followupKey(id), 'links'] as const,
    queryFn: ({ signal }) =>
      call<Items<LinkStat>>(() => api.GET('/api/v1/mailings/{id}/links/stats', { params: path(id), signal })),
  });

export const clickersQuery = (id: number, n: number) =>
  queryOptions({
    queryKey: [...followupKey(id), 'links', n, 'clickers'] as const,
    queryFn: ({ signal }) =>
      call<Page<Clicker>>(() =>
        api.GET('/api/v1/mailings/{id}/links/{n}/clickers', {
          params: { path: { id, n }, query: { limit: 500 } },
          signal,
        }),
      ),
  });

export const bouncesQuery = (id: number, page: number) =>
  queryOptions({
    queryKey: [...followupKey(id), 'bounces', page] as const,
    queryFn: ({ signal }) =>
      call<Page<FollowupRecipient>>(() =>
        api.GET('/api/v1/mailings/{id}/bounces', {
          params: {
            ...path(id),
            query: { limit: recipientsPageSize, offset: (page - 1) * recipientsPageSize },
          },
          signal,
        }),
      ),
    placeholderData: keepPreviousData,
  });

/** Which recipients an action is about. */
export type RecipientSet =
  | { recipientIds: number[] }
  | { filter: ReturnType<typeof recipientsFilter> }
  | { clickersOfLink: number };

/** Where they go. */
export type AddTarget = { newSelectionName: string } | { selectionId: number } | { projectId: number };

export function addTo(id: number, set: RecipientSet, target: AddTarget): Promise<AddToAnswer> {
  return call<AddToAnswer>(() =>
    api.POST('/api/v1/mailings/{id}/add-to', { params: path(id), body: { ...set, ...target } }),
  );
}

export type ResendRequest =
  | { mode: 'selected'; recipientIds: number[] }
  | { mode: 'nonReaders' }
  | { mode: 'reload' };

export function resend(id: number, body: ResendRequest): Promise<ResendAnswer> {
  return call<ResendAnswer>(() => api.POST('/api/v1/mailings/{id}/resend', { params: path(id), body }));
}

export function sendingAction(id: number, what: 'stop' | 'start' | 'cancel'): Promise<unknown> {
  return call(() =>
    api.POST(`/api/v1/mailings/{id}/${what}` as '/api/v1/mailings/{id}/stop', { params: path(id) }),
  );
}

export function resetLink(id: number, n: number): Promise<{ mailings: number }> {
  return call<{ mailings: number }>(() =>
    api.POST('/api/v1/mailings/{id}/links/{n}/reset', {
      params: { path: { id, n } },
      body: { allMailings: false },
    }),
  );
}

export type BlockedAction = 'clear' | 'former-employee' | 'delete-address';

export function blockedAddressAction(
  what: BlockedAction,
  address: string,
): Promise<PersonsChanged | undefined> {
  return call<PersonsChanged | undefined>(() =>
    api.POST(`/api/v1/blocked-addresses/${what}` as '/api/v1/blocked-addresses/clear', { body: { address } }),
  );
}
