import { describe, expect, it } from 'vitest';
import type { Right } from '../api/types';
import { rightsInWords, rightsNotHeld } from './rights';
import { allowedSections, resolveSection } from './sections';

const admin: Right[] = [
  'viewCrm',
  'editCrm',
  'editMailings',
  'sendMailings',
  'overrideConsent',
  'runMailMerge',
  'manageSettings',
  'manageUsers',
  'viewStatistics',
];
const marketer: Right[] = [
  'viewCrm',
  'editCrm',
  'editMailings',
  'sendMailings',
  'runMailMerge',
  'viewStatistics',
];

describe('settings sections', () => {
  it('shows an administrator every section, and a user manager only users, roles and API keys', () => {
    expect(allowedSections(admin)).toHaveLength(8);
    expect(allowedSections(['manageUsers']).map((s) => s.slug)).toEqual(['users', 'roles', 'api-keys']);
  });

  it('needs viewCrm besides manageSettings for subscription types (their list is a CRM route)', () => {
    expect(allowedSections(['manageSettings']).map((s) => s.slug)).not.toContain('subscription-types');
  });

  it('sends /settings on to the first section the user may open', () => {
    expect(resolveSection(undefined, admin)).toEqual({ kind: 'redirect', to: 'general' });
    expect(resolveSection('', ['manageUsers'])).toEqual({ kind: 'redirect', to: 'users' });
  });

  it('tells a user without the rights which rights they lack, for Settings and for one section', () => {
    expect(resolveSection(undefined, marketer)).toEqual({
      kind: 'forbidden',
      missing: ['manageSettings', 'manageUsers'],
    });
    expect(resolveSection('email-accounts', ['manageUsers'])).toEqual({
      kind: 'forbidden',
      missing: ['manageSettings'],
    });
    expect(resolveSection('nonsense', admin)).toEqual({ kind: 'unknown' });
    expect(resolveSection('api-keys', admin)).toMatchObject({
      kind: 'section',
      section: { label: 'API keys' },
    });
  });
});

describe('rights', () => {
  it('names rights in a sentence', () => {
    expect(rightsInWords(['manageSettings', 'manageUsers'])).toBe('Manage settings and Manage users');
    expect(rightsInWords(['viewCrm', 'editCrm', 'sendMailings'])).toBe(
      'View CRM, Edit CRM and Send mailings',
    );
  });

  it('finds the rights of a role the actor does not hold', () => {
    expect(rightsNotHeld(['viewCrm', 'manageUsers'], marketer)).toEqual(['manageUsers']);
    expect(rightsNotHeld(['viewCrm'], marketer)).toEqual([]);
  });
});
