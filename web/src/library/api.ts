import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { api, call } from '../api/client';
import { errorFromResponse, networkError } from '../api/errors';
import type { Channel, Page } from '../api/types';
import type { LibraryImage, LibraryTemplate, TrackedLink } from './types';

/** How many rows a library list shows at once; search narrows it down. */
export const libraryPageSize = 100;

export const libraryTemplatesQuery = (channel: Channel, q: string, folderId: number | undefined) =>
  queryOptions({
    // under ['templates'] like the wizard's starter list, so a change here refreshes that too
    queryKey: ['templates', 'library', channel, q, folderId ?? null] as const,
    queryFn: ({ signal }) =>
      call<Page<LibraryTemplate>>(() =>
        api.GET('/api/v1/templates', {
          params: {
            query: {
              channel,
              limit: libraryPageSize,
              ...(q ? { q } : {}),
              ...(folderId ? { folderId } : {}),
            },
          },
          signal,
        }),
      ),
    placeholderData: keepPreviousData,
  });

export const trackedLinksQuery = (q: string, folderId: number | undefined) =>
  queryOptions({
    queryKey: ['tracked-links', q, folderId ?? null] as const,
    queryFn: ({ signal }) =>
      call<Page<TrackedLink>>(() =>
        api.GET('/api/v1/tracked-links', {
          params: {
            query: { limit: libraryPageSize, ...(q ? { q } : {}), ...(folderId ? { folderId } : {}) },
          },
          signal,
        }),
      ),
    placeholderData: keepPreviousData,
  });

export const imagesQuery = queryOptions({
  queryKey: ['images'] as const,
  queryFn: ({ signal }) =>
    call<Page<LibraryImage>>(() =>
      api.GET('/api/v1/images', { params: { query: { limit: libraryPageSize } }, signal }),
    ),
});

/**
 * A request whose body is not JSON built by the client (a file, or text sent as it is), with the
 * same cookie and CSRF header as `api`; its error is the API's, with code and message.
 */
async function sendRaw<T>(url: string, body: BodyInit, contentType?: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      body,
      credentials: 'same-origin',
      headers: { 'X-Posthorn-CSRF': '1', ...(contentType ? { 'content-type': contentType } : {}) },
    });
  } catch (e) {
    throw networkError(e);
  }
  const answer: unknown = await response.json().catch(() => null);
  if (!response.ok) throw errorFromResponse(response.status, answer);
  return answer as T;
}

/** An image into the library (multipart field `file`, as the API takes it). */
export function uploadImage(file: File): Promise<LibraryImage> {
  const form = new FormData();
  form.append('file', file, file.name);
  return sendRaw<LibraryImage>('/api/v1/images', form);
}

/**
 * A template from an export file. The file's text goes to the API as it is, so a file that is not
 * JSON, or not a template, is judged there and refused with the API's code and message.
 */
export function importTemplate(text: string): Promise<LibraryTemplate> {
  return sendRaw<LibraryTemplate>('/api/v1/templates/import', text, 'application/json');
}

/** The export document of a template, as text (the API's JSON, unchanged). */
export function exportTemplate(id: number): Promise<string> {
  return call<string>(() =>
    api.GET('/api/v1/templates/{id}/export', { params: { path: { id } }, parseAs: 'text' }),
  );
}
