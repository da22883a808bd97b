import type { MailingState } from '../api/types';

/**
 * Where a mailing opens from the list: while it can still be prepared (draft, scheduled) in the
 * wizard; once sending has started, in View mailing — what follow-up is about (PRODUCT.md §12).
 */
export function opensInView(state: MailingState): boolean {
  return state !== 'draft' && state !== 'scheduled';
}
