import type { TrackedLink } from './types';

type ActionType = TrackedLink['actions'][number]['type'];

/**
 * What each link action does, in a marketer's words (PRODUCT.md §7). Every type the API declares
 * has its words: a new one fails to compile here after `npm run openapi`.
 */
const actionLabels: Record<ActionType, string> = {
  redirect: 'Opens the URL',
  textPage: 'Shows a text page',
  setPersonField: 'Sets a person field',
  setInterest: 'Sets an interest',
  clearInterest: 'Clears an interest',
  addToSelection: 'Adds to a selection',
  removeFromSelection: 'Removes from a selection',
  addToProject: 'Adds to a project',
  removeFromProject: 'Removes from a project',
  createFollowUpTask: 'Creates a follow-up task',
};

/** The link's actions as one line, e.g. "Opens the URL · Sets an interest". */
export function describeActions(actions: TrackedLink['actions']): string {
  if (actions.length === 0) return actionLabels.redirect;
  // a server newer than this page may send a type it does not know yet: its name then
  return actions.map((a) => actionLabels[a.type] ?? a.type).join(' · ');
}
