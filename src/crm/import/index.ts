export * from './columns.js';
export * from './import.service.js';
export type { RowSource } from './reader.js';
