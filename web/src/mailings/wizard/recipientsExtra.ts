import { queryOptions } from '@tanstack/react-query';
import { api, call } from '../../api/client';
import type { components, paths } from '../../api/schema';
import type { Page, RecipientRow } from '../../api/types';

/** The block reasons the recipients list filters by (as the API declares them). */
type RecipientReason = NonNullable<
  NonNullable<paths['/api/v1/mailings/{id}/recipients']['get']['parameters']['query']>['reason']
>;

/** A person as the persons type-ahead shows them (an item of GET /api/v1/persons). */
export type PersonChoice = Pick<
  components['schemas']['PersonSummary'],
  'id' | 'name' | 'email' | 'mobile' | 'companyName'
>;

/** Persons whose name, e-mail or company starts with `q` (PRODUCT.md §8: a company lists its persons). */
export const personsQuery = (q: string) =>
  queryOptions({
    queryKey: ['persons', 'type-ahead', q] as const,
    queryFn: ({ signal }) =>
      call<Page<PersonChoice>>(() =>
        api.GET('/api/v1/persons', { params: { query: { q, limit: 20 } }, signal }),
      ),
    enabled: q.trim().length > 0,
    staleTime: 30_000,
  });

/** How a person reads in the picker: name, then company and the address that reaches them. */
export function personLabel(p: PersonChoice): string {
  const where = [p.companyName, p.email ?? p.mobile].filter((s): s is string => !!s);
  return where.length ? `${p.name} (${where.join(', ')})` : p.name;
}

/** Rows per request when loading the whole list (the API's largest page). */
export const allRowsPage = 500;
/** Beyond this the list is better read as an export than in the browser. */
export const allRowsCap = 10_000;

/** The offsets of the pages that make up `total` rows, at most `cap` of them. */
export function pageOffsets(total: number, pageSize = allRowsPage, cap = allRowsCap): number[] {
  const offsets: number[] = [];
  for (let at = 0; at < Math.min(total, cap); at += pageSize) offsets.push(at);
  return offsets;
}

/** Every recipient row (up to the cap) for a filter: the pages one after another. */
export const allRecipientsQuery = (id: number, status: string | null, reason: string | null) =>
  queryOptions({
    queryKey: ['mailings', id, 'recipients', 'all', status, reason] as const,
    queryFn: async ({ signal }) => {
      const page = (offset: number) =>
        call<Page<RecipientRow>>(() =>
          api.GET('/api/v1/mailings/{id}/recipients', {
            params: {
              path: { id },
              query: {
                limit: allRowsPage,
                offset,
                ...(status ? { status } : {}),
                // the reason comes from the summary's own reasons, which are the API's
                ...(reason ? { reason: reason as RecipientReason } : {}),
              },
            },
            signal,
          }),
        );
      const first = await page(0);
      const items = [...first.items];
      for (const offset of pageOffsets(first.total).slice(1)) items.push(...(await page(offset)).items);
      return { items, total: first.total };
    },
  });
