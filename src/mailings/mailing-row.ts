import type { Kysely, Selectable, UpdateObject } from 'kysely';
import { type Actor, type AuditSink, conflict, notFound } from '../core/index.js';
import type { Database } from '../storage/index.js';
import { type MailingState, nextState } from './lifecycle.js';

export type MailingRow = Selectable<Database['mailings']>;

/** The mailing's row, or `MAILING_NOT_FOUND`. */
export async function findMailingRow(db: Kysely<Database>, id: number): Promise<MailingRow> {
  const m = await db.selectFrom('mailings').selectAll().where('id', '=', id).executeTakeFirst();
  if (!m) throw notFound('MAILING_NOT_FOUND', `mailing ${id} does not exist`);
  return m;
}

/** A mailing that may be edited, and whether writing the edit takes it back from scheduled to draft. */
export interface EditableMailing extends MailingRow {
  /** It was scheduled: the write of the edit returns it to draft (see `unscheduled`). */
  unschedule: boolean;
  /** The state it was read in (guards the write against the scheduler starting it meanwhile). */
  stateBefore: MailingState;
}

/**
 * The lifecycle guard every change goes through: a draft stays a draft, a scheduled mailing
 * returns to draft, anything else refuses with `MAILING_NOT_EDITABLE`. It writes nothing: the
 * edit's own write carries the state change (`unscheduled`), so a refused edit — invalid input
 * found after this check — leaves a scheduled mailing scheduled.
 */
export async function editableMailingRow(db: Kysely<Database>, id: number): Promise<EditableMailing> {
  const m = await findMailingRow(db, id);
  const state = m.state;
  const next = nextState(state, 'edit');
  return { ...m, state: next, unschedule: next !== state, stateBefore: state };
}

/**
 * Writes an edit's effect on the mailing row: its columns, and for a scheduled mailing the way
 * back to draft, guarded by the state it was read in (the scheduler may have started it since:
 * then the edit is refused and nothing is written). Records the unscheduling.
 */
export async function writeEdit(
  db: Kysely<Database>,
  audit: AuditSink,
  m: EditableMailing,
  set: UpdateObject<Database, 'mailings'>,
  actor: Actor,
): Promise<void> {
  const r = await db
    .updateTable('mailings')
    .set(m.unschedule ? { ...set, state: m.state, scheduled_at: null } : set)
    .where('id', '=', m.id)
    .where('state', '=', m.stateBefore)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1)
    throw conflict('MAILING_STATE_CHANGED', 'the mailing changed meanwhile (it may have started); try again');
  if (m.unschedule) await audit.record(actor, 'mailing.unschedule', 'mailing', m.id, { reason: 'edited' });
}
