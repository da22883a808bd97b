import type { Right } from '../api/types';

export type SectionSlug =
  | 'general'
  | 'email-accounts'
  | 'sms-gateways'
  | 'sending-domains'
  | 'subscription-types'
  | 'users'
  | 'roles'
  | 'api-keys';

export interface Section {
  slug: SectionSlug;
  label: string;
  /** Every right the section's API routes need (the list and the changes). */
  allOf: readonly Right[];
}

/** The sections in the order of the section list; each needs the rights of its routes' `access`. */
export const sections: readonly Section[] = [
  { slug: 'general', label: 'General', allOf: ['manageSettings'] },
  { slug: 'email-accounts', label: 'E-mail accounts', allOf: ['manageSettings'] },
  { slug: 'sms-gateways', label: 'SMS gateways', allOf: ['manageSettings'] },
  { slug: 'sending-domains', label: 'Sending domains', allOf: ['manageSettings'] },
  // the list needs viewCrm, the changes manageSettings
  { slug: 'subscription-types', label: 'Subscription types', allOf: ['manageSettings', 'viewCrm'] },
  { slug: 'users', label: 'Users', allOf: ['manageUsers'] },
  { slug: 'roles', label: 'Roles', allOf: ['manageUsers'] },
  { slug: 'api-keys', label: 'API keys', allOf: ['manageUsers'] },
];

/** The sections a user with these rights may open. */
export function allowedSections(rights: readonly string[]): Section[] {
  const held = new Set(rights);
  return sections.filter((s) => s.allOf.every((r) => held.has(r)));
}

export type SectionView =
  | { kind: 'section'; section: Section }
  /** `/settings`: go on to the first section the user may open. */
  | { kind: 'redirect'; to: SectionSlug }
  /** A section (or all of Settings) the user's role does not allow; `missing` names the rights. */
  | { kind: 'forbidden'; missing: Right[] }
  | { kind: 'unknown' };

/** What `/settings` or `/settings/<slug>` shows for a user with these rights. */
export function resolveSection(slug: string | undefined, rights: readonly string[]): SectionView {
  const allowed = allowedSections(rights);
  const held = new Set(rights);
  if (slug === undefined || slug === '') {
    const first = allowed[0];
    if (first) return { kind: 'redirect', to: first.slug };
    return {
      kind: 'forbidden',
      missing: (['manageSettings', 'manageUsers'] as const).filter((r) => !held.has(r)),
    };
  }
  const section = sections.find((s) => s.slug === slug);
  if (!section) return { kind: 'unknown' };
  if (!allowed.includes(section))
    return { kind: 'forbidden', missing: section.allOf.filter((r) => !held.has(r)) };
  return { kind: 'section', section };
}
