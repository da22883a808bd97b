import type { Kysely, Selectable } from 'kysely';
import { type Actor, type AuditSink, notFound } from '../core/index.js';
import type { Database } from '../storage/index.js';
import { type MailingState, nextState } from './lifecycle.js';

export type MailingRow = Selectable<Database['mailings']>;

/** The mailing's row, or `MAILING_NOT_FOUND`. */
export async function findMailingRow(db: Kysely<Database>, id: number): Promise<MailingRow> {
  const m = await db.selectFrom('mailings').selectAll().where('id', '=', id).executeTakeFirst();
  if (!m) throw notFound('MAILING_NOT_FOUND', `mailing ${id} does not exist`);
  return m;
}

/**
 * The lifecycle guard every change goes through: a draft stays a draft, a scheduled mailing
 * returns to draft (recorded, with `reason`), anything else refuses with `MAILING_NOT_EDITABLE`.
 */
export async function editableMailingRow(
  db: Kysely<Database>,
  audit: AuditSink,
  id: number,
  actor: Actor,
  reason: string,
): Promise<MailingRow> {
  const m = await findMailingRow(db, id);
  const state = m.state as MailingState;
  const next = nextState(state, 'edit');
  if (next !== state) {
    await db.updateTable('mailings').set({ state: next, scheduled_at: null }).where('id', '=', id).execute();
    await audit.record(actor, 'mailing.unschedule', 'mailing', id, { reason });
  }
  return { ...m, state: next };
}
