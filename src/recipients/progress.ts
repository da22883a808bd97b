/**
 * Recipient lists being built, per database handle (one process). The build runs in one
 * transaction, so its rows are not visible until it commits; the summary and the wizard's steps
 * read this to say "being built, n of m" meanwhile. A leaf module (no imports): the mailings
 * module reads it without depending on the recipients service.
 *
 * Per process: another Posthorn process on the same PostgreSQL database does not see it (its
 * summary shows the list as it was until the build commits).
 */
export interface BuildProgress {
  /** Rows checked so far. */
  done: number;
  /** Rows to check: an estimate from the sources until the new list is written, then its size. */
  total: number;
  startedAt: number;
}

export interface BuildFailure {
  code: string;
  message: string;
  at: number;
}

export interface RecipientBuilds {
  running: Map<number, BuildProgress>;
  /** The last build of a mailing that ran after the request was answered (background), when it failed. */
  failed: Map<number, BuildFailure>;
}

const registries = new WeakMap<object, RecipientBuilds>();

/** The builds of one database handle (the Kysely instance the services share). */
export function recipientBuilds(db: object): RecipientBuilds {
  let r = registries.get(db);
  if (!r) {
    r = { running: new Map(), failed: new Map() };
    registries.set(db, r);
  }
  return r;
}
