import { queryOptions } from '@tanstack/react-query';
import { api, call } from '../api/client';
import type { Page } from '../api/types';
import type { LibraryTemplate } from '../library/types';
import type { Folder } from './folders';
import type { MailingResults } from './results';

/** The Mailings list's own requests (folders, also the libraries', moving, copy to template, reload and resend). */

/** The folders of one kind (mailings, templates or tracked links: each has its own tree). */
export const foldersQuery = (kind: Folder['kind']) =>
  queryOptions({
    queryKey: ['folders', kind] as const,
    queryFn: ({ signal }) =>
      call<Page<Folder>>(() => api.GET('/api/v1/folders', { params: { query: { kind } }, signal })),
    staleTime: 30_000,
  });

export const mailingFoldersQuery = foldersQuery('mailing');

export function createFolder(kind: Folder['kind'], name: string, parentId: number | null): Promise<Folder> {
  return call<Folder>(() => api.POST('/api/v1/folders', { body: { kind, name: name.trim(), parentId } }));
}

export function renameFolder(id: number, name: string): Promise<Folder> {
  return call<Folder>(() =>
    api.PATCH('/api/v1/folders/{id}', { params: { path: { id } }, body: { name: name.trim() } }),
  );
}

/** Deletes the folder and its sub-folders; the API moves their mailings to the top level. */
export function deleteFolder(id: number): Promise<unknown> {
  return call(() => api.DELETE('/api/v1/folders/{id}', { params: { path: { id } } }));
}

/** Puts a mailing in a folder (null: the top level). The API allows it while the mailing can be edited. */
export function moveMailing(id: number, folderId: number | null): Promise<unknown> {
  return call(() => api.PATCH('/api/v1/mailings/{id}', { params: { path: { id } }, body: { folderId } }));
}

/** A new template with the mailing's content and its subject/preheader (or SMS sender, letter heading). */
export function copyToTemplate(id: number, name: string): Promise<LibraryTemplate> {
  return call<LibraryTemplate>(() =>
    api.POST('/api/v1/mailings/{id}/copy-to-template', {
      params: { path: { id } },
      body: { name: name.trim() },
    }),
  );
}

/** POST /api/v1/mailings/{id}/resend (src/sending/sending.service.ts) */
export interface ResendAnswer {
  round: number;
  recipients: number;
  skipped: Array<{ reason: string; count: number }>;
}

/**
 * Reload and resend: the sources again, and a new round to those not in the list before (the API
 * answers NOTHING_TO_RESEND when nobody is new).
 */
export function reloadAndResend(id: number): Promise<ResendAnswer> {
  return call<ResendAnswer>(() =>
    api.POST('/api/v1/mailings/{id}/resend', { params: { path: { id } }, body: { mode: 'reload' } }),
  );
}

/**
 * A sent mailing's numbers for its row. The list API has no counts, so each row with results asks
 * for its summary (a page is at most 25 rows; cached a minute, and only mailings that sent).
 */
export const resultsQuery = (id: number, sending: boolean) =>
  queryOptions({
    queryKey: ['mailings', id, 'results'] as const,
    queryFn: ({ signal }) =>
      call<MailingResults>(() =>
        api.GET('/api/v1/mailings/{id}/summary', { params: { path: { id } }, signal }),
      ),
    staleTime: sending ? 0 : 60_000,
    refetchInterval: sending ? 5000 : false,
  });
