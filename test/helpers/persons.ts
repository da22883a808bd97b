import type { Kysely } from 'kysely';
import type { Database } from '../../src/storage/index.js';

/**
 * Inserts `count` plain persons straight into the table (fast set-up for sending tests): person i
 * is first name `${prefix}F${i}` … with the e-mail `email(i)`. Returns their ids in order.
 */
export async function insertPersons(
  db: Kysely<Database>,
  count: number,
  email: (i: number) => string,
  names: (i: number) => [string, string] = (i) => [`First${i}`, `Last${i}`],
  extra: (i: number) => {
    mobile?: string;
    street?: string;
    postcode?: string;
    city?: string;
  } = () => ({}),
): Promise<number[]> {
  const now = Date.now();
  const rows = Array.from({ length: count }, (_, i) => {
    const [first, last] = names(i);
    return {
      company_id: null,
      first_name: first,
      middle_name: null,
      last_name: last,
      name_key: `${first} ${last}`.toLowerCase(),
      last_name_key: `${last} ${first}`.toLowerCase(),
      title: null,
      salutation: null,
      email: email(i),
      email_key: email(i).toLowerCase(),
      mobile: null,
      street: null,
      postcode: null,
      city: null,
      country: null,
      language: null,
      our_contact_id: null,
      ...extra(i),
      no_mailings: 0 as const,
      former_employee: 0 as const,
      created_at: now,
      updated_at: now,
    };
  });
  for (let i = 0; i < rows.length; i += 500)
    await db
      .insertInto('persons')
      .values(rows.slice(i, i + 500))
      .execute();
  return (await db.selectFrom('persons').select('id').orderBy('id').execute()).map((r) => r.id).slice(-count);
}
