export const viewMailingTabs = ['summary', 'content', 'reports', 'recipients', 'links', 'bounces'] as const;
export type ViewMailingTab = (typeof viewMailingTabs)[number];

/** The recipient statuses the follow-up filters by (the API's, in its order). */
export const followupStatuses = [
  'ready',
  'blocked',
  'sending',
  'sent',
  'delivered',
  'read',
  'failed',
  'bounced',
  'complained',
  'cancelled',
] as const;
export type FollowupStatus = (typeof followupStatuses)[number];

/** Recipients per page (the API's default page, PRODUCT.md §12). */
export const recipientsPageSize = 100;

/**
 * View mailing's URL: the tab and each tab's filters, so every view (and every number of the
 * Summary) is a link.
 */
export interface ViewMailingSearch {
  tab?: ViewMailingTab;
  /** Recipients: statuses, comma-separated in the API's order (combined with OR). */
  status?: string;
  /** Recipients: the reason of a status (a block reason, hardBounce …). */
  reason?: string;
  /** Recipients: engagement filters, combined with AND. */
  read?: boolean;
  clicked?: boolean;
  unsubscribed?: boolean;
  /** Recipients and Bounces: 1-based page. */
  page?: number;
  /** Links: the link whose clickers are shown. */
  link?: number;
  /** Reports: count machine events too (privacy proxies, scanners). */
  machine?: boolean;
}

/** Known statuses, without repeats, in the API's order (so one view has one URL). */
export function normalizeStatuses(statuses: readonly string[]): FollowupStatus[] {
  const wanted = new Set(statuses.map((s) => s.trim()));
  return followupStatuses.filter((s) => wanted.has(s));
}

/** The statuses a view filters by. */
export function statusesOf(search: ViewMailingSearch): FollowupStatus[] {
  return search.status ? normalizeStatuses(search.status.split(',')) : [];
}

/** `true`/`false` as the router gives them (JSON in the URL), or as typed by hand. */
function flag(v: unknown): boolean | undefined {
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  return undefined;
}

function positiveInt(v: unknown, max: number): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  return Number.isInteger(n) && n >= 1 && n <= max ? n : undefined;
}

/** Reads the search params; what does not fit is dropped rather than refused (a hand-edited link still opens). */
export function parseViewMailingSearch(raw: Record<string, unknown>): ViewMailingSearch {
  const search: ViewMailingSearch = {};
  const tab = viewMailingTabs.find((t) => t === raw.tab);
  if (tab) search.tab = tab;
  const statuses = typeof raw.status === 'string' ? normalizeStatuses(raw.status.split(',')) : [];
  if (statuses.length > 0) search.status = statuses.join(',');
  if (typeof raw.reason === 'string' && /^[A-Za-z]{1,50}$/.test(raw.reason)) search.reason = raw.reason;
  for (const key of ['read', 'clicked', 'unsubscribed', 'machine'] as const) {
    const v = flag(raw[key]);
    if (v !== undefined) search[key] = v;
  }
  const page = positiveInt(raw.page, 100_000);
  if (page !== undefined && page > 1) search.page = page;
  const link = positiveInt(raw.link, 9_999_999);
  if (link !== undefined) search.link = link;
  return search;
}

/** A change of the view; `undefined` removes a parameter. */
export type ViewSearchPatch = { [K in keyof ViewMailingSearch]?: ViewMailingSearch[K] | undefined };

const filterKeys = ['status', 'reason', 'read', 'clicked', 'unsubscribed'] as const;

/**
 * The view after a change, without empty parameters. A new filter starts on page 1; another tab
 * starts with its own defaults (no page, no open link).
 */
export function withPatch(search: ViewMailingSearch, patch: ViewSearchPatch): ViewMailingSearch {
  const tabChanges = patch.tab !== undefined && patch.tab !== search.tab;
  const filterChanges = filterKeys.some((k) => k in patch);
  const merged: ViewSearchPatch = { ...search, ...patch };
  if ((tabChanges || filterChanges) && !('page' in patch)) merged.page = undefined;
  if (tabChanges && !('link' in patch)) merged.link = undefined;
  return parseViewMailingSearch(
    Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined && v !== '')),
  );
}

/** A status on or off in the combined status filter. */
export function toggleStatus(search: ViewMailingSearch, status: FollowupStatus): string | undefined {
  const now = statusesOf(search);
  const next = now.includes(status) ? now.filter((s) => s !== status) : [...now, status];
  const joined = normalizeStatuses(next).join(',');
  return joined === '' ? undefined : joined;
}

/** The filter of the recipients list as the API reads it (also for the export and add-to). */
export function recipientsFilter(search: ViewMailingSearch) {
  return {
    ...(search.status ? { status: search.status } : {}),
    ...(search.reason ? { reason: search.reason } : {}),
    ...(search.read !== undefined ? { read: search.read } : {}),
    ...(search.clicked !== undefined ? { clicked: search.clicked } : {}),
    ...(search.unsubscribed !== undefined ? { unsubscribed: search.unsubscribed } : {}),
  };
}

/** True when the view narrows the recipients (else every recipient is shown). */
export function isFiltered(search: ViewMailingSearch): boolean {
  return Object.keys(recipientsFilter(search)).length > 0;
}

/** The API query of one page of the recipients list. */
export function recipientsQueryParams(search: ViewMailingSearch) {
  return {
    ...recipientsFilter(search),
    limit: recipientsPageSize,
    offset: ((search.page ?? 1) - 1) * recipientsPageSize,
  };
}

/** The download address of the export of the filtered recipients (`format` csv or xlsx). */
export function exportHref(mailingId: number, search: ViewMailingSearch, format: 'csv' | 'xlsx'): string {
  const params = new URLSearchParams({ format });
  for (const [k, v] of Object.entries(recipientsFilter(search))) params.set(k, String(v));
  return `/api/v1/mailings/${mailingId}/export?${params.toString()}`;
}
