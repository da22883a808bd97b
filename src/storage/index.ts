export * from './db.js';
export type * from './schema.js';
