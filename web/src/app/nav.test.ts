import { describe, expect, it } from 'vitest';
import { visibleNav } from './nav';

const labels = (rights: string[]) => visibleNav(rights).map((i) => i.label);

describe('visibleNav', () => {
  it('shows an administrator everything', () => {
    expect(
      labels([
        'viewCrm',
        'editCrm',
        'editMailings',
        'sendMailings',
        'manageSettings',
        'manageUsers',
        'viewStatistics',
      ]),
    ).toEqual([
      'Mailings',
      'Templates',
      'Tracked links',
      'Images',
      'CRM',
      'Blocked addresses',
      'Outbox',
      'Settings',
    ]);
  });

  it('hides Settings from a marketer (no manageSettings, no manageUsers)', () => {
    const marketer = ['viewCrm', 'editCrm', 'editMailings', 'sendMailings', 'runMailMerge', 'viewStatistics'];
    expect(labels(marketer)).not.toContain('Settings');
    expect(labels(marketer)).toContain('Mailings');
  });

  it('shows an analyst only what they can read', () => {
    expect(labels(['viewCrm', 'viewStatistics'])).toEqual(['Mailings', 'CRM', 'Blocked addresses']);
  });

  it('shows nothing without rights', () => {
    expect(labels([])).toEqual([]);
  });

  it('shows Settings to a user manager without manageSettings', () => {
    expect(labels(['manageUsers'])).toEqual(['Settings']);
  });
});
