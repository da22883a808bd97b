import type { PosthornMigration } from '../migration.js';
import { foundation } from './0001-foundation.js';
import { bulkLoad } from './0002-bulk-load.js';
import { mailings } from './0003-mailings.js';
import { sending } from './0004-sending.js';
import { channels } from './0005-channels.js';
import { tracking } from './0006-tracking.js';
import { revisions } from './0007-revisions.js';
import { testRoundNumbers } from './0008-test-round-numbers.js';

/** Every migration in order. Append only. */
export const migrations: PosthornMigration[] = [
  foundation,
  bulkLoad,
  mailings,
  sending,
  channels,
  tracking,
  revisions,
  testRoundNumbers,
];
