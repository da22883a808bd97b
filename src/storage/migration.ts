import type { Kysely } from 'kysely';

export type Engine = 'sqlite' | 'postgres';

/** A schema migration. Immutable once landed: a change is a new migration. */
export interface PosthornMigration {
  name: string;
  up(db: Kysely<unknown>, engine: Engine): Promise<void>;
}
