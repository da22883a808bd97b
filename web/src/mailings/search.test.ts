import { describe, expect, it } from 'vitest';
import { mailingsPageSize, mailingsQueryParams, parseMailingsSearch, withPatch } from './search';

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
