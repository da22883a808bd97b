export * from './access.service.js';
export * from './rights.js';
