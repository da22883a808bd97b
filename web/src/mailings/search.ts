import type { Channel, Mailing, MailingState } from '../api/types';
import { channelLabels, stateLabels } from './labels';

/** The Mailings list's URL: search, filters, folder, Recent/All and page live here, so every view is a link. */
export interface MailingsSearch {
  q?: string;
  channel?: Channel;
  state?: MailingState;
  /** A mailing folder's id: only the mailings in it. */
  folder?: number;
  /** `recent`: the most recently changed mailings; absent: all, newest first. */
  view?: 'recent';
  /** 1-based (All only: Recent is one page). */
  page?: number;
}

export const mailingsPageSize = 25;

/**
 * Recent: the API sorts by creation only (newest id first) and knows no "mine" or "recently
 * changed", so Recent reads this many of the newest mailings (with the same filters) and shows
 * the `mailingsPageSize` changed last. A mailing created long ago and changed today is missed
 * once more than this many were created after it.
 */
export const recentWindow = 200;

const isChannel = (v: unknown): v is Channel => typeof v === 'string' && Object.hasOwn(channelLabels, v);
const isState = (v: unknown): v is MailingState => typeof v === 'string' && Object.hasOwn(stateLabels, v);
const positiveInt = (v: unknown, max: number): number | undefined => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  return Number.isInteger(n) && n >= 1 && n <= max ? n : undefined;
};

/** Reads the search params; what does not fit is dropped rather than refused (a hand-edited link still opens). */
export function parseMailingsSearch(raw: Record<string, unknown>): MailingsSearch {
  const search: MailingsSearch = {};
  const q =
    typeof raw.q === 'string' ? raw.q.trim().slice(0, 200) : typeof raw.q === 'number' ? String(raw.q) : '';
  if (q) search.q = q;
  if (isChannel(raw.channel)) search.channel = raw.channel;
  if (isState(raw.state)) search.state = raw.state;
  const folder = positiveInt(raw.folder, Number.MAX_SAFE_INTEGER);
  if (folder !== undefined) search.folder = folder;
  if (raw.view === 'recent') search.view = 'recent';
  const page = positiveInt(raw.page, 100_000);
  if (page !== undefined && page > 1 && search.view !== 'recent') search.page = page;
  return search;
}

/** The API query for a view of the list. */
export function mailingsQueryParams(search: MailingsSearch) {
  const recent = search.view === 'recent';
  return {
    limit: recent ? recentWindow : mailingsPageSize,
    offset: recent ? 0 : ((search.page ?? 1) - 1) * mailingsPageSize,
    ...(search.q ? { q: search.q } : {}),
    ...(search.channel ? { channel: search.channel } : {}),
    ...(search.state ? { state: search.state } : {}),
    ...(search.folder ? { folderId: search.folder } : {}),
  };
}

/** Recent: the mailings changed last, at most one page (ties: the newer mailing first). */
export function recentlyChanged<M extends Pick<Mailing, 'id' | 'updatedAt'>>(items: readonly M[]): M[] {
  return [...items].sort((a, b) => b.updatedAt - a.updatedAt || b.id - a.id).slice(0, mailingsPageSize);
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
  if (merged.folder) next.folder = merged.folder;
  if (merged.view === 'recent') next.view = 'recent';
  else if (merged.page !== undefined && merged.page > 1) next.page = merged.page;
  return next;
}
