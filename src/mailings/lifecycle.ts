import type { Kysely, UpdateObject } from 'kysely';
import { conflict } from '../core/index.js';
import type { Database } from '../storage/index.js';

/** Mailing states (PRODUCT.md §4); `active` is a form-response mailing in use by a form. */
export const mailingStates = [
  'draft',
  'scheduled',
  'sending',
  'stopped',
  'finished',
  'cancelled',
  'active',
] as const;
export type MailingState = (typeof mailingStates)[number];

export const mailingActions = [
  'schedule',
  'send',
  'edit',
  'start',
  'stop',
  'finish',
  'resend',
  'cancel',
  'activate',
  'deactivate',
] as const;
export type MailingAction = (typeof mailingActions)[number];

/**
 * Every allowed transition; anything else is refused with `MAILING_TRANSITION_REFUSED`.
 * - schedule: a draft gets a time (or a scheduled one a new time);
 * - send: a draft (or scheduled) starts now; start: a scheduled one early, or a stopped one resumes;
 * - edit: editing a scheduled mailing returns it to draft;
 * - stop pauses sending; finish: every recipient has a final status; cancel ends it for good;
 * - resend: a new round of a finished (or stopped) mailing to chosen recipients (PRODUCT.md §12);
 * - activate/deactivate: a form starts or stops using a form-response mailing.
 */
export const transitions: Record<MailingAction, Partial<Record<MailingState, MailingState>>> = {
  schedule: { draft: 'scheduled', scheduled: 'scheduled' },
  send: { draft: 'sending', scheduled: 'sending' },
  edit: { draft: 'draft', scheduled: 'draft' },
  start: { scheduled: 'sending', stopped: 'sending' },
  stop: { sending: 'stopped' },
  finish: { sending: 'finished' },
  resend: { finished: 'sending', stopped: 'sending' },
  cancel: { scheduled: 'cancelled', sending: 'cancelled', stopped: 'cancelled' },
  activate: { draft: 'active' },
  deactivate: { active: 'draft' },
};

/** The state after `action`, or a conflict naming the state and the action. */
export function nextState(state: MailingState, action: MailingAction): MailingState {
  const next = transitions[action][state];
  if (!next) {
    throw conflict(
      action === 'edit' ? 'MAILING_NOT_EDITABLE' : 'MAILING_TRANSITION_REFUSED',
      action === 'edit' ? `a ${state} mailing cannot be changed` : `a ${state} mailing cannot ${action}`,
      { state, action },
    );
  }
  return next;
}

/** A draft that never sent anything can be deleted; everything else is archived. */
export function canDelete(state: MailingState, sentAnything: boolean): boolean {
  return state === 'draft' && !sentAnything;
}

/**
 * Writes a lifecycle action: the mailing moves from `from` (the state it was read in) to the
 * state the table gives, with `set` (other columns of the same change), guarded by that state.
 * Returns the new state, or null when the table refuses the action or the mailing changed
 * meanwhile (nothing written). Every automatic state change (the worker's pause and finish, a
 * round's start) goes through here or through `nextState` and the same guard.
 */
export async function moveMailing(
  db: Kysely<Database>,
  mailingId: number,
  from: MailingState,
  action: MailingAction,
  now: number,
  set: UpdateObject<Database, 'mailings'> = {},
): Promise<MailingState | null> {
  const next = transitions[action][from];
  if (!next) return null;
  const r = await db
    .updateTable('mailings')
    .set({ ...set, state: next, updated_at: now })
    .where('id', '=', mailingId)
    .where('state', '=', from)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1 ? next : null;
}
