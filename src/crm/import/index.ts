export * from './columns.js';
export * from './import.service.js';
export { openRowSource, type ReadOptions, type RowSource } from './reader.js';
