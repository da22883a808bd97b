import type { Right } from '../api/types';

export interface NavItem {
  label: string;
  to: string;
  /** Shown when the user holds any of these rights (the rights the screen's API needs). */
  anyOf: readonly Right[];
  /** Screens of the follow-up and CRM part (a separate group in the navbar). */
  group: 'mailings' | 'crm' | 'admin';
}

export const navItems: readonly NavItem[] = [
  { label: 'Mailings', to: '/mailings', anyOf: ['viewStatistics'], group: 'mailings' },
  { label: 'Templates', to: '/templates', anyOf: ['editMailings'], group: 'mailings' },
  { label: 'Tracked links', to: '/tracked-links', anyOf: ['editMailings'], group: 'mailings' },
  { label: 'Images', to: '/images', anyOf: ['editMailings'], group: 'mailings' },
  { label: 'CRM', to: '/crm', anyOf: ['viewCrm'], group: 'crm' },
  { label: 'Blocked addresses', to: '/blocked-addresses', anyOf: ['viewStatistics'], group: 'crm' },
  { label: 'Outbox', to: '/outbox', anyOf: ['sendMailings'], group: 'admin' },
  { label: 'Settings', to: '/settings', anyOf: ['manageSettings', 'manageUsers'], group: 'admin' },
];

/** The navigation a user sees: only what their rights let them open. */
export function visibleNav(rights: readonly string[], items: readonly NavItem[] = navItems): NavItem[] {
  const held = new Set(rights);
  return items.filter((item) => item.anyOf.some((right) => held.has(right)));
}
