import { describe, expect, it } from 'vitest';
import { pageOffsets, personLabel } from './recipientsExtra';

describe('pageOffsets (Load all)', () => {
  it('asks for each page of 500 once', () => {
    expect(pageOffsets(1201)).toEqual([0, 500, 1000]);
    expect(pageOffsets(500)).toEqual([0]);
    expect(pageOffsets(0)).toEqual([]);
  });

  it('stops at the cap: a long list is read as an export, not in the browser', () => {
    expect(pageOffsets(50_000, 500, 1000)).toEqual([0, 500]);
  });
});

describe('personLabel', () => {
  const base = { id: 1, name: 'Ada Lovelace', email: null, mobile: null, companyName: null };

  it('names the company and the address that reaches the person', () => {
    expect(personLabel({ ...base, companyName: 'Analytical AS', email: 'ada@example.com' })).toBe(
      'Ada Lovelace (Analytical AS, ada@example.com)',
    );
  });

  it('falls back to the mobile number, and to the name alone', () => {
    expect(personLabel({ ...base, mobile: '+4791234567' })).toBe('Ada Lovelace (+4791234567)');
    expect(personLabel(base)).toBe('Ada Lovelace');
  });
});
