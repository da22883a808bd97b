import type { Channel, MailingState } from '../api/types';
import { channelLabels, stateLabels } from './labels';

/** The Mailings list's URL: search, filters and page live here, so every view is a link. */
export interface MailingsSearch {
  q?: string;
  channel?: Channel;
  state?: MailingState;
  /** 1-based. */
  page?: number;
}

export const mailingsPageSize = 25;

const isChannel = (v: unknown): v is Channel => typeof v === 'string' && Object.hasOwn(channelLabels, v);
const isState = (v: unknown): v is MailingState => typeof v === 'string' && Object.hasOwn(stateLabels, v);

/** Reads the search params; what does not fit is dropped rather than refused (a hand-edited link still opens). */
export function parseMailingsSearch(raw: Record<string, unknown>): MailingsSearch {
  const search: MailingsSearch = {};
  const q =
    typeof raw.q === 'string' ? raw.q.trim().slice(0, 200) : typeof raw.q === 'number' ? String(raw.q) : '';
  if (q) search.q = q;
  if (isChannel(raw.channel)) search.channel = raw.channel;
  if (isState(raw.state)) search.state = raw.state;
  const page =
    typeof raw.page === 'number' ? raw.page : typeof raw.page === 'string' ? Number(raw.page) : Number.NaN;
  if (Number.isInteger(page) && page > 1 && page <= 100_000) search.page = page;
  return search;
}

/** The API query for a view of the list. */
export function mailingsQueryParams(search: MailingsSearch) {
  return {
    limit: mailingsPageSize,
    offset: ((search.page ?? 1) - 1) * mailingsPageSize,
    ...(search.q ? { q: search.q } : {}),
    ...(search.channel ? { channel: search.channel } : {}),
    ...(search.state ? { state: search.state } : {}),
  };
}

/** A change of the view; `undefined` removes a parameter. */
export type SearchPatch = { [K in keyof MailingsSearch]?: MailingsSearch[K] | undefined };

/** The view after a change, without empty parameters (so the URL stays short). */
export function withPatch(search: SearchPatch, patch: SearchPatch): MailingsSearch {
  const merged: SearchPatch = { ...search, ...patch };
  const next: MailingsSearch = {};
  if (merged.q) next.q = merged.q;
  if (merged.channel) next.channel = merged.channel;
  if (merged.state) next.state = merged.state;
  if (merged.page !== undefined && merged.page > 1) next.page = merged.page;
  return next;
}
