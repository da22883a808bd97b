import { describe, expect, it } from 'vitest';
import {
  mailingsPageSize,
  mailingsQueryParams,
  parseMailingsSearch,
  recentlyChanged,
  recentWindow,
  withPatch,
} from './search';

describe('parseMailingsSearch', () => {
  it('keeps a valid view', () => {
    expect(parseMailingsSearch({ q: ' spring ', channel: 'sms', state: 'draft', page: 3 })).toEqual({
      q: 'spring',
      channel: 'sms',
      state: 'draft',
      page: 3,
    });
  });

  it('drops what does not fit instead of failing', () => {
    expect(parseMailingsSearch({ q: '', channel: 'fax', state: 'lost', page: -2 })).toEqual({});
    expect(parseMailingsSearch({ page: '2' })).toEqual({ page: 2 });
    expect(parseMailingsSearch({ page: 1.5 })).toEqual({});
    expect(parseMailingsSearch({ channel: 'toString' })).toEqual({});
  });
});

describe('mailingsQueryParams', () => {
  it('turns a page into limit and offset', () => {
    expect(mailingsQueryParams({ page: 3, q: 'news' })).toEqual({
      limit: mailingsPageSize,
      offset: 2 * mailingsPageSize,
      q: 'news',
    });
    expect(mailingsQueryParams({})).toEqual({ limit: mailingsPageSize, offset: 0 });
  });
});

describe('withPatch', () => {
  it('changes one parameter and drops empty ones', () => {
    expect(withPatch({ q: 'news', page: 3 }, { q: undefined })).toEqual({ page: 3 });
    expect(withPatch({ q: 'news' }, { channel: 'sms', page: 1 })).toEqual({ q: 'news', channel: 'sms' });
  });
});

describe('folders and Recent', () => {
  it('reads a folder and the Recent view from the URL', () => {
    expect(parseMailingsSearch({ folder: '12', view: 'recent' })).toEqual({ folder: 12, view: 'recent' });
    expect(parseMailingsSearch({ folder: 0, view: 'all' })).toEqual({});
    expect(parseMailingsSearch({ folder: 'x' })).toEqual({});
    expect(parseMailingsSearch({ folder: 2.5 })).toEqual({});
  });

  it('has no pages in Recent', () => {
    expect(parseMailingsSearch({ view: 'recent', page: 3 })).toEqual({ view: 'recent' });
    expect(withPatch({ page: 3 }, { view: 'recent' })).toEqual({ view: 'recent' });
    expect(withPatch({ view: 'recent' }, { view: undefined })).toEqual({});
  });

  it('filters the API query by folder; Recent reads a window of the newest mailings', () => {
    expect(mailingsQueryParams({ folder: 4 })).toEqual({ limit: mailingsPageSize, offset: 0, folderId: 4 });
    expect(mailingsQueryParams({ view: 'recent', state: 'draft' })).toEqual({
      limit: recentWindow,
      offset: 0,
      state: 'draft',
    });
  });

  it('Recent shows the mailings changed last, one page of them', () => {
    const items = [
      { id: 1, updatedAt: 50 },
      { id: 2, updatedAt: 10 },
      { id: 3, updatedAt: 50 },
    ];
    expect(recentlyChanged(items).map((m) => m.id)).toEqual([3, 1, 2]);
    const many = Array.from({ length: 40 }, (_, i) => ({ id: i + 1, updatedAt: i }));
    expect(recentlyChanged(many)).toHaveLength(mailingsPageSize);
    expect(recentlyChanged(many)[0]?.id).toBe(40);
  });

  it('keeps the folder when the view changes', () => {
    expect(withPatch({ folder: 3, q: 'x' }, { channel: 'sms' })).toEqual({
      folder: 3,
      q: 'x',
      channel: 'sms',
    });
    expect(withPatch({ folder: 3 }, { folder: undefined })).toEqual({});
  });
});
