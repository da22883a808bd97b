import { describe, expect, it } from 'vitest';
import {
  exportHref,
  isFiltered,
  parseViewMailingSearch,
  recipientsFilter,
  recipientsQueryParams,
  statusesOf,
  toggleStatus,
  withPatch,
} from './search';

describe('parseViewMailingSearch', () => {
  it('keeps a valid view', () => {
    expect(
      parseViewMailingSearch({
        tab: 'recipients',
        status: 'read,sent',
        reason: 'hardBounce',
        read: false,
        clicked: 'true',
        unsubscribed: true,
        page: '3',
        link: 2,
        machine: true,
      }),
    ).toEqual({
      tab: 'recipients',
      status: 'sent,read',
      reason: 'hardBounce',
      read: false,
      clicked: true,
      unsubscribed: true,
      page: 3,
      link: 2,
      machine: true,
    });
  });

  it('drops what does not fit instead of failing (a hand-edited link still opens)', () => {
    expect(
      parseViewMailingSearch({
        tab: 'graphs',
        status: 'lost,,',
        reason: 'a b',
        read: 'yes',
        page: 1,
        link: 0,
      }),
    ).toEqual({});
    expect(parseViewMailingSearch({ status: 'bounced,nope,bounced' })).toEqual({ status: 'bounced' });
    expect(parseViewMailingSearch({ page: 2.5, link: '-1' })).toEqual({});
  });
});

describe('withPatch', () => {
  it('starts a new filter on the first page', () => {
    expect(withPatch({ tab: 'recipients', page: 4 }, { read: false })).toEqual({
      tab: 'recipients',
      read: false,
    });
  });

  it('keeps the page when only the page changes, and drops page 1', () => {
    expect(withPatch({ tab: 'recipients', read: true }, { page: 2 })).toEqual({
      tab: 'recipients',
      read: true,
      page: 2,
    });
    expect(withPatch({ tab: 'recipients', page: 2 }, { page: 1 })).toEqual({ tab: 'recipients' });
  });

  it('removes a parameter given as undefined; another tab drops the page and the open link', () => {
    expect(withPatch({ tab: 'recipients', read: true, status: 'sent' }, { read: undefined })).toEqual({
      tab: 'recipients',
      status: 'sent',
    });
    expect(withPatch({ tab: 'links', link: 2, page: 3 }, { tab: 'bounces' })).toEqual({ tab: 'bounces' });
  });
});

describe('status filter', () => {
  it('toggles statuses in the API order, and none means no filter', () => {
    expect(toggleStatus({}, 'read')).toBe('read');
    expect(toggleStatus({ status: 'read' }, 'sent')).toBe('sent,read');
    expect(toggleStatus({ status: 'sent,read' }, 'read')).toBe('sent');
    expect(toggleStatus({ status: 'sent' }, 'sent')).toBeUndefined();
    expect(statusesOf({ status: 'read,sent' })).toEqual(['sent', 'read']);
    expect(statusesOf({})).toEqual([]);
  });
});

describe('the API query of a view', () => {
  it('pages by 100 and passes only the filters set', () => {
    expect(recipientsQueryParams({ tab: 'recipients', page: 3, status: 'sent', read: false })).toEqual({
      status: 'sent',
      read: false,
      limit: 100,
      offset: 200,
    });
    expect(recipientsQueryParams({})).toEqual({ limit: 100, offset: 0 });
    expect(recipientsFilter({ tab: 'summary', page: 2, link: 1 })).toEqual({});
    expect(isFiltered({ tab: 'recipients', page: 2 })).toBe(false);
    expect(isFiltered({ clicked: false })).toBe(true);
  });

  it('exports the same filter', () => {
    expect(exportHref(7, { status: 'sent,read', clicked: true, page: 2 }, 'xlsx')).toBe(
      '/api/v1/mailings/7/export?format=xlsx&status=sent%2Cread&clicked=true',
    );
    expect(exportHref(7, {}, 'csv')).toBe('/api/v1/mailings/7/export?format=csv');
  });
});
