/**
 * The functional rights (PRODUCT.md §14), plus the two that guard the CRM itself. A role is a named
 * set of rights; every route declares the one right it needs.
 */
export const rights = [
  'viewCrm',
  'editCrm',
  'editMailings',
  'sendMailings',
  'overrideConsent',
  'runMailMerge',
  'manageSettings',
  'manageUsers',
  'viewStatistics',
] as const;

export type Right = (typeof rights)[number];

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

/** The roles a new database starts with. */
export const builtInRoles: Record<string, Right[]> = {
  admin: [...rights],
  marketer: ['viewCrm', 'editCrm', 'editMailings', 'sendMailings', 'runMailMerge', 'viewStatistics'],
  analyst: ['viewCrm', 'viewStatistics'],
};

export function isRight(value: string): value is Right {
  return (rights as readonly string[]).includes(value);
}
