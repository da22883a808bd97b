import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { api, call } from '../api/client';
import { errorFromResponse, networkError } from '../api/errors';
import type { paths } from '../api/schema';
import type {
  AuditFinding,
  Channel,
  Items,
  Mailing,
  MailingDetail,
  MergeField,
  Named,
  Page,
  Progress,
  RecipientRow,
  RecipientSource,
  RecipientSummary,
  SmsCount,
  Step,
  Template,
} from '../api/types';
import { type MailingsSearch, mailingsQueryParams } from './search';
import type { LibraryImage, TrackedLink } from './wizard/editor/types';

export const mailingsQuery = (search: MailingsSearch) =>
  queryOptions({
    queryKey: ['mailings', 'list', mailingsQueryParams(search)] as const,
    queryFn: ({ signal }) =>
      call<Page<Mailing>>(() =>
        api.GET('/api/v1/mailings', { params: { query: mailingsQueryParams(search) }, signal }),
      ),
    placeholderData: keepPreviousData,
  });

const path = (id: number) => ({ path: { id } });

export const mailingQuery = (id: number) =>
  queryOptions({
    queryKey: ['mailings', id] as const,
    queryFn: ({ signal }) =>
      call<MailingDetail>(() => api.GET('/api/v1/mailings/{id}', { params: path(id), signal })),
  });

export const stepsQuery = (id: number) =>
  queryOptions({
    queryKey: ['mailings', id, 'steps'] as const,
    queryFn: ({ signal }) =>
      call<Items<Step>>(() => api.GET('/api/v1/mailings/{id}/steps', { params: path(id), signal })),
  });

export const templatesQuery = (channel: Channel) =>
  queryOptions({
    queryKey: ['templates', channel] as const,
    queryFn: ({ signal }) =>
      call<Page<Template>>(() =>
        api.GET('/api/v1/templates', { params: { query: { channel, limit: 100 } }, signal }),
      ),
    staleTime: 60_000,
  });

export const subscriptionTypesQuery = queryOptions({
  queryKey: ['subscription-types'] as const,
  queryFn: ({ signal }) => call<Page<Named>>(() => api.GET('/api/v1/subscription-types', { signal })),
  staleTime: 60_000,
});

/** Selections or projects whose name starts with `q` (the type-ahead of Setup and Recipients). */
export const namedListQuery = (kind: 'selections' | 'projects', q: string) =>
  queryOptions({
    queryKey: [kind, q] as const,
    queryFn: ({ signal }) =>
      call<Page<Named>>(() =>
        api.GET(`/api/v1/${kind}` as '/api/v1/selections', {
          params: { query: { q, limit: 20 } },
          signal,
        }),
      ),
    placeholderData: keepPreviousData,
  });

export const selectionsQuery = (q: string) => namedListQuery('selections', q);
export const projectsQuery = (q: string) => namedListQuery('projects', q);

export const mergeFieldsQuery = queryOptions({
  queryKey: ['merge-fields'] as const,
  queryFn: ({ signal }) => call<Items<MergeField>>(() => api.GET('/api/v1/merge-fields', { signal })),
  staleTime: 300_000,
});

export const auditQuery = (id: number, revision: number) =>
  queryOptions({
    queryKey: ['mailings', id, 'audit', revision] as const,
    queryFn: ({ signal }) =>
      call<Items<AuditFinding>>(() => api.GET('/api/v1/mailings/{id}/audit', { params: path(id), signal })),
  });

export const summaryQuery = (id: number) =>
  queryOptions({
    queryKey: ['mailings', id, 'recipients', 'summary'] as const,
    queryFn: ({ signal }) =>
      call<RecipientSummary>(() =>
        api.GET('/api/v1/mailings/{id}/recipients/summary', { params: path(id), signal }),
      ),
    refetchInterval: (q) => (q.state.data?.building ? 2000 : false),
  });

/** The block reasons the recipients list filters by (as the API declares them). */
type RecipientReason = NonNullable<
  NonNullable<paths['/api/v1/mailings/{id}/recipients']['get']['parameters']['query']>['reason']
>;

export const recipientsQuery = (id: number, status: string | null, reason: string | null) =>
  queryOptions({
    queryKey: ['mailings', id, 'recipients', 'list', status, reason] as const,
    queryFn: ({ signal }) =>
      call<Page<RecipientRow>>(() =>
        api.GET('/api/v1/mailings/{id}/recipients', {
          params: {
            ...path(id),
            // the reason comes from the summary's own reasons, which are the API's
            query: {
              limit: 50,
              ...(status ? { status } : {}),
              ...(reason ? { reason: reason as RecipientReason } : {}),
            },
          },
          signal,
        }),
      ),
    placeholderData: keepPreviousData,
  });

export const sourcesQuery = (id: number) =>
  queryOptions({
    queryKey: ['mailings', id, 'recipients', 'sources'] as const,
    queryFn: ({ signal }) =>
      call<Items<RecipientSource>>(() =>
        api.GET('/api/v1/mailings/{id}/recipient-sources', { params: path(id), signal }),
      ),
  });

export const progressQuery = (id: number) =>
  queryOptions({
    queryKey: ['mailings', id, 'progress'] as const,
    queryFn: ({ signal }) =>
      call<Progress>(() => api.GET('/api/v1/mailings/{id}/progress', { params: path(id), signal })),
    refetchInterval: (q) => (q.state.data?.state === 'sending' ? 2000 : false),
  });

export async function countSms(text: string, signal?: AbortSignal): Promise<SmsCount> {
  return call<SmsCount>(() =>
    api.POST('/api/v1/sms/count', { body: { text }, ...(signal ? { signal } : {}) }),
  );
}

/** A CSV or text file of recipients, sent as multipart (openapi-fetch sends JSON). */
export async function uploadRecipientFile(id: number, file: File): Promise<unknown> {
  const form = new FormData();
  form.append('file', file, file.name);
  let response: Response;
  try {
    response = await fetch(`/api/v1/mailings/${id}/recipient-sources`, {
      method: 'POST',
      body: form,
      credentials: 'same-origin',
      headers: { 'X-Posthorn-CSRF': '1' },
    });
  } catch (e) {
    throw networkError(e);
  }
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) throw errorFromResponse(response.status, body);
  return body;
}

/** The tracked-link library (the Content step inserts links to them). */
export const trackedLinksQuery = queryOptions({
  queryKey: ['tracked-links', 'all'] as const,
  queryFn: ({ signal }) =>
    call<Page<TrackedLink>>(() =>
      api.GET('/api/v1/tracked-links', { params: { query: { limit: 500 } }, signal }),
    ),
  staleTime: 60_000,
});

/** The image library (newest first), for the e-mail editor's images. */
export const imagesQuery = queryOptions({
  queryKey: ['images', 'all'] as const,
  queryFn: ({ signal }) =>
    call<Page<LibraryImage>>(() => api.GET('/api/v1/images', { params: { query: { limit: 500 } }, signal })),
  staleTime: 60_000,
});

/** An image uploaded to the library, as multipart (openapi-fetch sends JSON). */
export async function uploadImage(file: File): Promise<LibraryImage> {
  const form = new FormData();
  form.append('file', file, file.name);
  let response: Response;
  try {
    response = await fetch('/api/v1/images', {
      method: 'POST',
      body: form,
      credentials: 'same-origin',
      headers: { 'X-Posthorn-CSRF': '1' },
    });
  } catch (e) {
    throw networkError(e);
  }
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) throw errorFromResponse(response.status, body);
  return body as LibraryImage;
}

/** The merged PDF of a document mailing (made when it is sent): same origin, downloaded as a file. */
export const documentPdfUrl = (id: number): string => `/api/v1/mailings/${id}/document.pdf`;

/** One letter of a document mailing as a PDF, as `recipientId` gets it (before or after sending). */
export const letterPdfUrl = (id: number, recipientId: number): string =>
  `/api/v1/mailings/${id}/preview.pdf?recipientId=${recipientId}`;
