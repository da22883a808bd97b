import type { TrackedLink } from './types';

/** What each link action does, in a marketer's words (PRODUCT.md §7). */
const actionLabels: Record<string, string> = {
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
  if (actions.length === 0) return actionLabels.redirect ?? 'redirect';
  return actions.map((a) => actionLabels[a.type] ?? a.type).join(' · ');
}
