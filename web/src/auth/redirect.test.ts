import { describe, expect, it } from 'vitest';
import { homePath, redirectFor, safeRedirect } from './redirect';

describe('safeRedirect', () => {
  it('keeps a path of this site with its search and hash', () => {
    expect(safeRedirect('/mailings?q=spring&page=2')).toBe('/mailings?q=spring&page=2');
    expect(safeRedirect('/mailings/12#content')).toBe('/mailings/12#content');
  });

  it('goes home for anything that could leave the site', () => {
    for (const target of [
      'https://evil.example/',
      '//evil.example/x',
      '/\\evil.example',
      'javascript:alert(1)',
      'mailings',
      '',
      undefined,
      42,
    ]) {
      expect(safeRedirect(target)).toBe(homePath);
    }
  });

  it('never returns to the login page or the bare root', () => {
    expect(safeRedirect('/login?redirect=/x')).toBe(homePath);
    expect(safeRedirect('/')).toBe(homePath);
  });
});

describe('redirectFor', () => {
  it('keeps the path and search of the page being left', () => {
    expect(redirectFor({ pathname: '/mailings', search: '?q=news' })).toBe('/mailings?q=news');
  });
  it('keeps nothing for the login page and the root', () => {
    expect(redirectFor({ pathname: '/login', search: '?redirect=/x' })).toBeUndefined();
    expect(redirectFor({ pathname: '/', search: '' })).toBeUndefined();
  });
});
