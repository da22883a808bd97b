import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { type Actor, ManualClock, systemActor, systemClock } from '../src/core/index.js';
import { buildServices, type Services } from '../src/services.js';
import { type DatabaseHandle, migrate, openDatabase } from '../src/storage/index.js';
import { benchRow, rng } from './generate.js';

/**
 * Fills a database with n persons straight through the bulk writer: ~60% subscribed to a
 * "Newsletter" subscription type and ~75% with e-marketing consent (the same data every run).
 * Returns the subscription type's id.
 */
export async function fillPersons(handle: DatabaseHandle, n: number, actor: Actor): Promise<number> {
  const services = buildServices(handle, {
    clock: new ManualClock(Date.now()),
    defaultCountry: 'NO',
    sessionTtlMs: 1,
    importBatchSize: 5000,
    importMaxBytes: 1,
  });
  const newsletter = (await services.preferences.createSubscriptionType({ name: 'Newsletter' }, actor)).id;
  const r = rng(7);
  const now = Date.now();
  for (let start = 0; start < n; start += 20_000) {
    await handle.db.transaction().execute(async (trx) => {
      const rows = Array.from({ length: Math.min(20_000, n - start) }, (_, k) => {
        const b = benchRow(start + k, r);
        return {
          company_id: null,
          first_name: b.firstName,
          middle_name: null,
          last_name: b.lastName,
          name_key: `${b.firstName} ${b.lastName}`.toLowerCase(),
          last_name_key: `${b.lastName} ${b.firstName}`.toLowerCase(),
          title: null,
          salutation: null,
          email: b.email,
          email_key: b.email,
          mobile: b.mobile,
          street: null,
          postcode: null,
          city: b.city,
          country: null,
          language: null,
          our_contact_id: null,
          no_mailings: 0 as const,
          former_employee: 0 as const,
          created_at: now,
          updated_at: now,
        };
      });
      const ids = (await handle.bulk.insert(trx, 'persons', rows, ['id'])).map((x) => Number(x.id));
      await handle.bulk.insert(
        trx,
        'subscriptions',
        ids
          .filter(() => r() < 0.6)
          .map((id) => ({
            person_id: id,
            subscription_type_id: newsletter,
            status: 'active' as const,
            source: 'bench',
            changed_at: now,
          })),
      );
      await handle.bulk.insert(
        trx,
        'consents_current',
        ids
          .filter(() => r() < 0.75)
          .map((id) => ({
            person_id: id,
            purpose: 'emarketing',
            legal_basis: 'consent',
            source: 'bench',
            recorded_at: now,
          })),
      );
    });
  }
  return newsletter;
}

/**
 * The common start of the sending benchmarks: a fresh SQLite file `bench/.out/<name>.db` with n
 * persons, the services over it (privacy filter off), and a static selection "All" of everyone.
 */
export async function sendingBench(
  name: string,
  n: number,
  /** A PostgreSQL server: the bench runs in a fresh schema there (dropped by `dispose`). */
  pgUrl?: string,
): Promise<{
  dispose(): Promise<void>;
  handle: DatabaseHandle;
  services: Services;
  actor: Actor;
  out: string;
  selectionId: number;
  secret: string;
}> {
  const actor = systemActor('bench', [
    'editCrm',
    'viewCrm',
    'editMailings',
    'sendMailings',
    'manageSettings',
  ]);
  const out = join(import.meta.dirname, '.out');
  mkdirSync(out, { recursive: true });
  let handle: DatabaseHandle;
  let dropSchema = async () => {};
  if (pgUrl) {
    const schema = `bench_${name}_${Date.now()}`;
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    handle = openDatabase({ engine: 'postgres', url: pgUrl, schema });
    dropSchema = async () => {
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
    };
  } else {
    const file = join(out, `${name}.db`);
    for (const s of ['', '-wal', '-shm']) rmSync(file + s, { force: true });
    handle = openDatabase({ engine: 'sqlite', file });
  }
  await migrate(handle);
  await fillPersons(handle, n, actor);
  const secret = 'bench-secret-long-enough-for-the-hmac-0123456789';
  const services = buildServices(handle, {
    clock: systemClock,
    defaultCountry: 'NO',
    sessionTtlMs: 1,
    importBatchSize: 1,
    importMaxBytes: 1,
    dataDir: out,
    secret,
  });
  await services.access.ensureBuiltInRoles();
  await services.settings.update({ privacyFilter: false }, actor);
  const selection = await services.selections.create({ name: 'All', kind: 'static' }, actor);
  await sql`insert into selection_members (selection_id, member_id, added_at) select ${selection.id}, id, 0 from persons`.execute(
    handle.db,
  );
  const dispose = async () => {
    await handle.close();
    await dropSchema();
  };
  return { handle, services, actor, out, selectionId: selection.id, secret, dispose };
}

/**
 * An e-mail mailing to the selection with opens and every link tracked (ten links), its recipient
 * list built and its links numbered: what the tracking and follow-up benchmarks start from.
 */
export async function trackedMailing(
  services: Services,
  actor: Actor,
  selectionId: number,
  name: string,
): Promise<{ id: number }> {
  const m = await services.mailings.create({ name, channel: 'email' }, actor);
  await services.mailings.update(
    m.id,
    {
      selectionId,
      setup: {
        subject: 'Hi',
        from: { name: 'B', address: 'b@posthorn.example' },
        tracking: { opens: true, allLinks: true },
      },
      content: {
        format: 'html',
        source: `<html><body>${Array.from({ length: 10 }, (_, k) => `<a href="https://example.com/${k}">${k}</a>`).join(' ')}</body></html>`,
      },
    },
    actor,
  );
  await services.mailings.chooseTemplate(m.id, { blank: true }, actor);
  await services.recipients.build(m.id, actor);
  await services.mailings.rendered(m.id);
  return { id: m.id };
}
