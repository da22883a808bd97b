import type { AddTarget } from './api';
import type { Skipped } from './types';

/** A skipped reason as the API words it (`code: words`), split for the screen. */
export function skippedReason(s: Skipped): { code: string; text: string; count: number } {
  const at = s.reason.indexOf(': ');
  if (at < 0) return { code: s.reason, text: s.reason, count: s.count };
  const text = s.reason.slice(at + 2);
  return { code: s.reason.slice(0, at), text: text.charAt(0).toUpperCase() + text.slice(1), count: s.count };
}

/** Row selection of the recipients list: ids, kept across pages of one filter. */
export function toggleOne(selected: ReadonlySet<number>, id: number): Set<number> {
  const next = new Set(selected);
  if (next.has(id)) next.delete(id);
  else next.add(id);
  return next;
}

/** "Select all on this page": all of them on, or (when all are on already) all of them off. */
export function togglePage(selected: ReadonlySet<number>, pageIds: readonly number[]): Set<number> {
  const next = new Set(selected);
  const all = pageIds.length > 0 && pageIds.every((id) => next.has(id));
  for (const id of pageIds) {
    if (all) next.delete(id);
    else next.add(id);
  }
  return next;
}

/** The header checkbox: on, off, or some of the page. */
export function pageSelection(selected: ReadonlySet<number>, pageIds: readonly number[]) {
  const n = pageIds.filter((id) => selected.has(id)).length;
  return { checked: n > 0 && n === pageIds.length, indeterminate: n > 0 && n < pageIds.length };
}

export type ResendMode = 'selected' | 'nonReaders' | 'reload';

/** What each resend does, in the words of the confirmation (PRODUCT.md §12). */
export const resendWords: Record<ResendMode, { title: string; body: string; confirm: string }> = {
  selected: {
    title: 'Send again to the selected recipients?',
    body: 'A new round to the recipients you selected. Those who unsubscribed, complained or whose address was blocked meanwhile are skipped.',
    confirm: 'Send again',
  },
  nonReaders: {
    title: 'Send a reminder to those who have not read it?',
    body: 'A new round to every recipient it was sent to who has not opened it (machine opens such as privacy proxies do not count as read). Those who unsubscribed, complained or whose address was blocked are skipped.',
    confirm: 'Send to non-readers',
  },
  reload: {
    title: 'Reload the list and send to the new recipients?',
    body: 'The selection, project and other sources are read again; only persons who are not on the list yet get the mailing.',
    confirm: 'Reload and send',
  },
};

/** Sending again is for a mailing whose round is over (finished, or stopped). */
export const canResend = (state: string): boolean => state === 'finished' || state === 'stopped';

export type AddTargetKind = 'newSelection' | 'selection' | 'project';

/** The target of "add to" from the form, or what is missing (said next to the field). */
export function addTarget(
  kind: AddTargetKind,
  name: string,
  chosen: string | null,
): { target: AddTarget } | { problem: string } {
  if (kind === 'newSelection') {
    const n = name.trim();
    if (n === '') return { problem: 'Give the new selection a name' };
    if (n.length > 200) return { problem: 'The name is longer than 200 characters' };
    return { target: { newSelectionName: n } };
  }
  const id = Number(chosen);
  if (!chosen || !Number.isInteger(id) || id <= 0)
    return { problem: kind === 'project' ? 'Choose a project' : 'Choose a selection' };
  return { target: kind === 'project' ? { projectId: id } : { selectionId: id } };
}
