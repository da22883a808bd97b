import { type Kysely, sql } from 'kysely';
import type { PosthornMigration } from '../migration.js';

/**
 * Test sends no longer take a mailing's round numbers (issue 12 §7): bulk rounds are 1, 2, 3 …,
 * test rounds count down from -1. Test rounds stored before are moved below zero (their id
 * negated, unique per mailing), so the next bulk round, numbered after the last bulk one, never
 * meets a test round's number.
 */
export const testRoundNumbers: PosthornMigration = {
  name: '0008-test-round-numbers',
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`update send_rounds set number = -id where kind = 'test' and number > 0`.execute(db);
  },
};
