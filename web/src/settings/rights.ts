import type { Right } from '../api/types';

/** The rights in the order the server lists them (src/access/rights.ts), with words for the UI. */
export const rightLabels: Record<Right, string> = {
  viewCrm: 'View CRM',
  editCrm: 'Edit CRM',
  editMailings: 'Prepare mailings',
  sendMailings: 'Send mailings',
  overrideConsent: 'Override consent',
  runMailMerge: 'Run mail merge',
  manageSettings: 'Manage settings',
  manageUsers: 'Manage users',
  viewStatistics: 'View statistics',
};

/** What each right lets a user do (the server's own descriptions). */
export const rightDescriptions: Record<Right, string> = {
  viewCrm: 'See companies, persons, selections, projects, subscriptions and consent',
  editCrm: 'Create, change, delete and import CRM data',
  editMailings: 'Prepare mailings: setup, content, templates, links, images and recipients',
  sendMailings: 'Send, schedule, stop, start and cancel mailings',
  overrideConsent: 'Send to recipients blocked for consent or subscription',
  runMailMerge: 'Run a mail merge (document mailing) from a selection',
  manageSettings: 'Change settings: accounts, gateways, domains, privacy filter; read the audit log',
  manageUsers: 'Create users, roles and API keys',
  viewStatistics: 'See mailing statistics and follow-up',
};

export const allRights = Object.keys(rightLabels) as Right[];

/** "Manage settings and Manage users": the names of rights in a sentence. */
export function rightsInWords(rights: readonly Right[]): string {
  const words = rights.map((r) => rightLabels[r]);
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/** The rights of a role the actor does not hold: the API refuses such a grant (RIGHT_NOT_HELD). */
export function rightsNotHeld(roleRights: readonly Right[], held: readonly string[]): Right[] {
  const mine = new Set(held);
  return roleRights.filter((r) => !mine.has(r));
}
